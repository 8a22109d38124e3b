/**
 * FID of a generator: its samples against held-out real digits, in the feature space of
 * a FeatureModel (the cached LeNet by default). Deterministic for a given seed.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { toTensors } from '../data/tensors';
import { Gan } from '../nn/gan';
import { SeededRng } from '../util/rng';
import { classifierClasses, extractFeatures, FeatureModel, predictClasses } from './feature-model';
import { ModeCoverage, modeCoverage } from './mode-coverage';
import { frechetDistance } from './frechet';
import { GaussianStats, statsFromFeatures } from './gaussian-stats';
import { requirePositiveInteger } from '../util/checks';

/** Features of a real image set's images (pixels read as [0, 1]): count × fm.dims, row-major. */
export function datasetFeatures(fm: FeatureModel, ds: ImageDataset): Float32Array {
  const { x, y, yOneHot } = toTensors(ds, { range: '[0,1]', layout: 'image' });
  try {
    return extractFeatures(fm, x, '[0,1]');
  } finally {
    tf.dispose([x, y, yOneHot]);
  }
}

/** Feature statistics of a real image set. */
export function datasetStats(fm: FeatureModel, ds: ImageDataset): GaussianStats {
  return statsFromFeatures(datasetFeatures(fm, ds), ds.count, fm.dims);
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

/** `count` samples [count, imageSize] in [-1, 1] from seeded latents; classes balanced for a conditional GAN. */
export function generatorSamples(gan: Gan, opts: GeneratorFidOptions = {}): tf.Tensor2D {
  const count = opts.count ?? 2000;
  const batch = opts.batchSize ?? 500;
  requirePositiveInteger(count, 'sample count');
  const rng = new SeededRng(opts.seed ?? 12345);
  const parts: tf.Tensor2D[] = [];
  try {
    for (let s = 0; s < count; s += batch) {
      const n = Math.min(batch, count - s);
      parts.push(
        tf.tidy(() => {
          const z = gan.sampleLatent(rng, n);
          const labels = gan.conditional ? gan.oneHot(Array.from({ length: n }, (_, i) => (s + i) % gan.config.numClasses)) : undefined;
          return gan.generate(z, labels);
        }),
      );
    }
    return tf.concat(parts) as tf.Tensor2D;
  } finally {
    tf.dispose(parts);
  }
}

/** FID of `gan`'s samples against `real` statistics. Classes are balanced for a conditional GAN. */
export function generatorFid(gan: Gan, fm: FeatureModel, real: GaussianStats, opts: GeneratorFidOptions = {}): number {
  const side = Math.round(Math.sqrt(gan.config.imageSize));
  const all = generatorSamples(gan, opts);
  try {
    return frechetDistance(imageStats(fm, all, side), real);
  } finally {
    all.dispose();
  }
}

export interface GeneratorQuality {
  fid: number;
  /** Classes of the same samples as predicted by the feature model's classifier. */
  coverage: ModeCoverage;
}

/**
 * FID and mode coverage of one set of samples. The classifier must predict the dataset's
 * classes (the default LeNet does; a model cut from e.g. InceptionV3 does not).
 */
export function generatorQuality(gan: Gan, fm: FeatureModel, real: GaussianStats, opts: GeneratorFidOptions & CoverageOptions = {}): GeneratorQuality {
  const all = generatorSamples(gan, opts);
  try {
    return samplesQuality(fm, real, all, opts);
  } finally {
    all.dispose();
  }
}

export interface CoverageOptions {
  /** Share a class needs to count as covered. Default 0.05. */
  threshold?: number;
  numClasses?: number;
}

/** FID and mode coverage of images [n, h·w] in [-1, 1] (from any generator, e.g. an integer one). */
export function samplesQuality(fm: FeatureModel, real: GaussianStats, samples: tf.Tensor2D, opts: CoverageOptions = {}): GeneratorQuality {
  const numClasses = opts.numClasses ?? 10;
  if (classifierClasses(fm) !== numClasses) {
    throw new Error(`mode coverage needs a classifier of ${numClasses} classes; the feature model predicts ${classifierClasses(fm)}`);
  }
  const side = Math.round(Math.sqrt(samples.shape[1]));
  if (side * side !== samples.shape[1]) throw new RangeError(`samples of ${samples.shape[1]} pixels are not square images`);
  const fid = frechetDistance(imageStats(fm, samples, side), real);
  const images = tf.tidy(() => samples.reshape([samples.shape[0], side, side, 1]));
  try {
    return { fid, coverage: modeCoverage(predictClasses(fm, images, '[-1,1]'), numClasses, opts.threshold) };
  } finally {
    images.dispose();
  }
}
