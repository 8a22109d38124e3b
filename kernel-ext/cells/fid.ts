/**
 * `await lab.fid(gan, opts)`: FID of a generator's samples against held-out real digits in
 * one cell, beside the real-vs-real floor and the mode coverage of the same samples (share
 * of each digit as the LeNet classifies them; digits with ≥ 5 %), with LeNet features (src/metrics; not comparable
 * in absolute terms with Inception-based FID). The feature model and the real statistics
 * are loaded once per kernel session (the statistics from privlab's cache of them, src/metrics/stats-cache.ts).
 */
import { ImageDataset } from '../../src/data/dataset';
import { mnistSplit } from '../../src/data/mnist-canonical';
import { FeatureModel, loadFeatureModel } from '../../src/metrics/feature-model';
import { GaussianStats } from '../../src/metrics/gaussian-stats';
import { frechetDistance } from '../../src/metrics/frechet';
import { generatorQuality } from '../../src/metrics/gan-fid';
import { cachedDatasetStats } from '../../src/metrics/stats-cache';
import { Gan } from '../../src/nn/gan';
import { table } from '../tables';

export interface FidCellOptions {
  /** Generated samples. Default 2000. */
  count?: number;
  seed?: number;
  /** Real images to compare with, and the real images of the floor (default: the canonical MNIST test and train digits). */
  reference?: { test: ImageDataset; train: ImageDataset };
  /** A label for the table row. */
  label?: string;
  show?: boolean;
  save?: string;
}

export interface FidCellResult {
  fid: number;
  /** Classes (digits) with at least 5 % of the samples, by the LeNet's predictions. */
  classesCovered: number;
  /** Share of the samples predicted as each digit 0…9. */
  classShares: number[];
  /** FID of real training images against the same reference: the best a generator can do. */
  realFloor: number;
  samples: number;
}

let featureModel: Promise<FeatureModel> | undefined;
const statsCache = new WeakMap<ImageDataset, GaussianStats>();

async function stats(ds: ImageDataset): Promise<GaussianStats> {
  const fm = await (featureModel ??= loadFeatureModel());
  let s = statsCache.get(ds);
  if (!s) statsCache.set(ds, (s = cachedDatasetStats(fm, ds)));
  return s;
}

let defaultReference: { test: ImageDataset; train: ImageDataset } | undefined;

export async function fid(gan: Gan, opts: FidCellOptions = {}): Promise<FidCellResult> {
  const ref = opts.reference ?? (defaultReference ??= mnistSplit());
  const fm = await (featureModel ??= loadFeatureModel());
  const real = await stats(ref.test);
  const count = opts.count ?? 2000;
  const { fid: value, coverage } = generatorQuality(gan, fm, real, { count, seed: opts.seed });
  const realFloor = frechetDistance(await stats(ref.train), real);
  if (opts.show ?? true) {
    table(
      [
        {
          model: opts.label ?? 'generator',
          samples: count,
          FID: Number(value.toFixed(2)),
          'real train vs test (floor)': Number(realFloor.toFixed(2)),
          'classes ≥ 5 %': coverage.classesCovered,
          'shares 0…9 (%)': coverage.classShares.map((x) => (x * 100).toFixed(0)).join(' '),
        },
      ],
      { save: opts.save },
    );
  }
  return { fid: value, realFloor, samples: count, classesCovered: coverage.classesCovered, classShares: coverage.classShares };
}
