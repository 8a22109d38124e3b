/**
 * FID of a generator: its samples against held-out real digits, in the feature space of
 * a FeatureModel (the cached LeNet by default). Deterministic for a given seed.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { toTensors } from '../data/tensors';
import { Gan } from '../nn/gan';
import { SeededRng } from '../util/rng';
import { extractFeatures, FeatureModel } from './feature-model';
import { frechetDistance } from './frechet';
import { GaussianStats, statsFromFeatures } from './gaussian-stats';

/** Feature statistics of a real image set. */
export function datasetStats(fm: FeatureModel, ds: ImageDataset): GaussianStats {
  const { x, y, yOneHot } = toTensors(ds, { range: '[0,1]', layout: 'image' });
  try {
    return statsFromFeatures(extractFeatures(fm, x, '[0,1]'), ds.count, fm.dims);
  } finally {
    tf.dispose([x, y, yOneHot]);
  }
}

/** Feature statistics of images [n, h·w] (or [n, h, w(, 1)]) with pixels in [-1, 1], e.g. generator output. */
export function imageStats(fm: FeatureModel, images: tf.Tensor, side = 28): GaussianStats {
  const n = images.shape[0];
  const x = tf.tidy(() => images.reshape([n, side, side, 1]));
  try {
    return statsFromFeatures(extractFeatures(fm, x, '[-1,1]'), n, fm.dims);
  } finally {
    x.dispose();
  }
}

export interface GeneratorFidOptions {
  /** Samples to draw. Default 2000. */
  count?: number;
  seed?: number;
  /** Samples per generator call. Default 500. */
  batchSize?: number;
}

/** FID of `gan`'s samples against `real` statistics. Classes are balanced for a conditional GAN. */
export function generatorFid(gan: Gan, fm: FeatureModel, real: GaussianStats, opts: GeneratorFidOptions = {}): number {
  const count = opts.count ?? 2000;
  const batch = opts.batchSize ?? 500;
  const rng = new SeededRng(opts.seed ?? 12345);
  const side = Math.round(Math.sqrt(gan.config.imageSize));
  const parts: tf.Tensor[] = [];
  try {
    for (let s = 0; s < count; s += batch) {
      const n = Math.min(batch, count - s);
      parts.push(tf.tidy(() => {
        const z = gan.sampleLatent(rng, n);
        const labels = gan.conditional ? gan.oneHot(Array.from({ length: n }, (_, i) => (s + i) % gan.config.numClasses)) : undefined;
        return gan.generate(z, labels);
      }));
    }
    const all = tf.concat(parts);
    try {
      return frechetDistance(imageStats(fm, all, side), real);
    } finally {
      all.dispose();
    }
  } finally {
    tf.dispose(parts);
  }
}
