/**
 * Example-level DP-SGD for a site's local training (Abadi et al. 2016, as Opacus does it):
 * every step draws a Poisson batch of the shard at rate q (from node:crypto: amplification by
 * sampling needs batches the server cannot predict, so not from the round's seed), clips each example's gradient to
 * L2 norm C, adds N(0, σ²C²) from the CSPRNG (src/fl/dp/noise.ts) to the sum and divides by
 * the expected batch size q·n (src/fl/dp/dp-sgd.ts). The fit config selects it with three flat
 * keys — sites receive flat values — dpNoiseMultiplier σ, dpClipNorm C, dpSampleRate q; the
 * step count is localSteps, or localEpochs·ceil(1/q). The site reports the steps it took and
 * its (σ, q), which the server's accountant composes (src/fl/privacy-accounting.ts).
 *
 * What the site reports besides the update is not privatised: the metrics leave in the clear,
 * so under DP-SGD a site reports no training loss (it is a function of the examples), only
 * the step count, (σ, q, C) and its time.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/dataset';
import { Batch } from '../../nn/batches';
import { dpSgdGradients, gradientsByName } from '../dp/dp-sgd';
import { GaussianNoise } from '../dp/noise';
import { CryptoUniform, poissonSample, UniformSource } from '../dp/poisson-sampling';
import { Config, Metrics } from '../strategy';
import { TaskModel, configChoice, configNumber } from './task';
import { localOptimizer } from './local-optimizer';

/** The fit-config keys of DP-SGD; any of them present selects it (and all three are then required). */
export const DP_SGD_KEYS = ['dpNoiseMultiplier', 'dpClipNorm', 'dpSampleRate'] as const;

export interface DpSgdPlan {
  steps: number;
  noiseMultiplier: number;
  clipNorm: number;
  sampleRate: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
}

/** Whether `config` asks for DP-SGD. */
export function usesDpSgd(config: Config): boolean {
  return DP_SGD_KEYS.some((k) => k in config);
}

/**
 * The DP-SGD plan of a round's config, or undefined when the config does not ask for DP-SGD.
 * `learningRate` defaults to `defaultLearningRate` (1e-3; the GAN's is 2e-4).
 */
export function dpSgdPlan(config: Config, defaultLearningRate = 1e-3): DpSgdPlan | undefined {
  if (!usesDpSgd(config)) return undefined;
  const noiseMultiplier = configNumber(
    config,
    'dpNoiseMultiplier',
    undefined,
    (n) => Number.isFinite(n) && n >= 0,
    'a number ≥ 0 (with dpClipNorm and dpSampleRate)',
  );
  const clipNorm = configNumber(
    config,
    'dpClipNorm',
    undefined,
    (n) => Number.isFinite(n) && n > 0,
    'a positive number (with dpNoiseMultiplier and dpSampleRate)',
  );
  const sampleRate = configNumber(config, 'dpSampleRate', undefined, (n) => n > 0 && n <= 1, 'in (0, 1] (with dpNoiseMultiplier and dpClipNorm)');
  if ('localSteps' in config && 'localEpochs' in config) throw new RangeError('config has both "localSteps" and "localEpochs"; give one');
  const positiveInt = (n: number): boolean => Number.isInteger(n) && n >= 1;
  // An epoch of Poisson sampling is 1/q steps in expectation.
  const steps =
    'localEpochs' in config
      ? configNumber(config, 'localEpochs', 1, positiveInt, 'a positive integer') * Math.ceil(1 / sampleRate)
      : configNumber(config, 'localSteps', 10, positiveInt, 'a positive integer');
  return {
    steps,
    noiseMultiplier,
    clipNorm,
    sampleRate,
    optimizer: configChoice(config, 'optimizer', 'adam', ['sgd', 'adam'] as const),
    learningRate: configNumber(config, 'learningRate', defaultLearningRate, (n) => n > 0 && Number.isFinite(n), 'a positive number'),
  };
}

/** The examples `indices` of `ds` as one batch (pixels scaled to [-1, 1], as epochBatches does). */
export function batchOf(ds: ImageDataset, indices: readonly number[]): Batch {
  const px = ds.height * ds.width;
  const pixels = new Float32Array(indices.length * px);
  const labels = new Uint8Array(indices.length);
  indices.forEach((j, i) => {
    const src = ds.images.subarray(j * px, (j + 1) * px);
    for (let p = 0; p < px; p++) pixels[i * px + p] = src[p] / 127.5 - 1;
    labels[i] = ds.labels[j];
  });
  return { images: tf.tensor2d(pixels, [indices.length, px]), labels };
}

/**
 * The randomness DP-SGD's guarantee rests on: the Poisson draws (which examples a step uses)
 * and the Gaussian noise. Both default to node:crypto — not the round's seed, which the
 * server chose and knows, so batches drawn from it would not be secret from the server.
 * Seeded sources are for tests only.
 */
export interface DpRandomness {
  sampling?: UniformSource;
  noise?: GaussianNoise;
}

/**
 * Train `model` in place with DP-SGD: `loss(batch)` is the mean loss of a batch, called here
 * on batches of one example (per-example gradients).
 */
export async function dpTrainSteps(
  model: TaskModel,
  ds: ImageDataset,
  plan: DpSgdPlan,
  loss: (b: Batch) => tf.Scalar,
  random: DpRandomness = {},
): Promise<Metrics> {
  if (ds.count === 0) throw new RangeError('a site with no training examples');
  const rng = random.sampling ?? new CryptoUniform();
  const noise = random.noise;
  const optimizer = localOptimizer(model, plan);
  const expectedBatchSize = plan.sampleRate * ds.count;
  const t0 = performance.now();
  try {
    for (let step = 0; step < plan.steps; step++) {
      // An empty draw is still a step (noise alone): the accountant counts every step.
      const indices = poissonSample(ds.count, plan.sampleRate, rng);
      const batch = batchOf(ds, indices);
      let grads: Float32Array[];
      try {
        // Example i's loss reads row i of the batch; the slice lives in variableGrads' scope.
        ({ grads } = dpSgdGradients(
          model.variables,
          (i) => loss({ images: tf.slice(batch.images, [i, 0], [1, -1]), labels: batch.labels.subarray(i, i + 1) }),
          indices.map((_, i) => i),
          { clipNorm: plan.clipNorm, noiseMultiplier: plan.noiseMultiplier, expectedBatchSize, noise },
        ));
      } finally {
        batch.images.dispose();
      }
      const named = gradientsByName(model.variables, grads);
      optimizer.apply(named);
      tf.dispose(Object.values(named));
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    optimizer.dispose();
  }
  return { ...dpMetrics(plan), train_seconds: (performance.now() - t0) / 1000 };
}

/** What a DP-SGD site reports of its training: the steps and (σ, q, C) the server accounts. */
export function dpMetrics(plan: DpSgdPlan): Metrics {
  return { steps: plan.steps, dp_sample_rate: plan.sampleRate, dp_noise_multiplier: plan.noiseMultiplier, dp_clip_norm: plan.clipNorm };
}
