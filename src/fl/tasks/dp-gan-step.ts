/**
 * A GAN step with example-level DP-SGD, for gan-mnist under the DP-SGD keys. Only the
 * discriminator reads real digits, so only its update is privatised (as in Opacus's DCGAN
 * example and DP-GAN): each real example's gradient of BCE(D(x), 1) is clipped to C, N(0, σ²C²)
 * goes on their sum, divided by the expected batch size q·n (src/fl/dp/dp-sgd.ts); the
 * generated half's gradient, mean BCE(D(G(z)), 0), is added unclipped — it depends on no real
 * example. The generated batch has round(q·n) rows, never the realised real batch size, which
 * would reveal how many examples the secret Poisson draw picked. The generator step reads
 * only D, so it is post-processing of the private D (src/nn's generatorStep). For a conditional
 * GAN each real example's loss reads its own class (part of the example, so inside the clipped
 * gradient) and the generated rows get classes drawn uniformly from the step's seeded rng.
 */
import * as tf from '@tensorflow/tfjs';
import { Gan } from '../../nn/gan';
import { GanOptimizers, generatorStep, randomLabels } from '../../nn/gan-step';
import { bceWithLogits } from '../../nn/losses';
import { SeededRng } from '../../util/rng';
import { dpSgdGradients, gradientsByName } from '../dp/dp-sgd';
import { GaussianNoise } from '../dp/noise';

export interface DpDiscriminatorOptions {
  clipNorm: number;
  noiseMultiplier: number;
  /** q·n: the divisor of the real examples' noisy sum, and (rounded) the generated batch's size. */
  expectedBatchSize: number;
  noise?: GaussianNoise;
}

/** The generated batch of a DP step: round(q·n) rows, at least one. */
export function fakeBatchSize(expectedBatchSize: number): number {
  return Math.max(1, Math.round(expectedBatchSize));
}

/** Class indices of the real and the generated rows, for a conditional GAN. */
export interface DpStepLabels {
  real: ArrayLike<number>;
  fake: ArrayLike<number>;
}

/**
 * D's gradient, one Float32Array per discriminator variable: the noisy clipped sum over the
 * rows of `real` [B, pixels] (B may be 0) over q·n, plus the mean gradient over `fake`.
 * A conditional GAN needs `labels` (each row's class).
 */
export function dpDiscriminatorGradient(gan: Gan, real: tf.Tensor2D, fake: tf.Tensor2D, o: DpDiscriminatorOptions, labels?: DpStepLabels): Float32Array[] {
  if (gan.conditional !== (labels !== undefined))
    throw new RangeError(`a ${gan.conditional ? 'conditional GAN needs' : 'GAN without classes takes no'} labels`);
  if (labels && (labels.real.length !== real.shape[0] || labels.fake.length !== fake.shape[0]))
    throw new RangeError(
      `labels for ${labels.real.length} real and ${labels.fake.length} generated rows; the batches have ${real.shape[0]} and ${fake.shape[0]}`,
    );
  const dVars = gan.discriminator.variables();
  const rows = Array.from({ length: real.shape[0] }, (_, i) => i);
  const oneHot = (ls: ArrayLike<number> | undefined): tf.Tensor2D | undefined => (ls ? gan.oneHot(ls) : undefined);
  const { grads } = dpSgdGradients(
    dVars,
    (i) => bceWithLogits(gan.discriminate(tf.slice(real, [i, 0], [1, -1]), oneHot(labels && [labels.real[i]])), 1),
    rows,
    o,
  );
  const { value, grads: fakeGrads } = tf.variableGrads(() => bceWithLogits(gan.discriminate(fake, oneHot(labels?.fake)), 0), dVars);
  dVars.forEach((v, k) => {
    const f = fakeGrads[v.name].dataSync();
    for (let j = 0; j < f.length; j++) grads[k][j] += f[j];
  });
  tf.dispose([value, ...Object.values(fakeGrads)]);
  return grads;
}

/**
 * One DP step: D on `real` (the step's Poisson batch, with its classes `realLabels` when the GAN
 * is conditional) and round(q·n) generated digits, then G unless `trainGenerator` is false.
 * Returns G's loss (0 when G is not trained).
 */
export function dpGanTrainStep(
  gan: Gan,
  opt: GanOptimizers,
  real: tf.Tensor2D,
  rng: SeededRng,
  realLabels: ArrayLike<number> | undefined,
  o: DpDiscriminatorOptions,
  trainGenerator = true,
): number {
  const n = fakeBatchSize(o.expectedBatchSize);
  const labels = gan.conditional ? { real: realLabels ?? [], fake: randomLabels(rng, n, gan.config.numClasses) } : undefined;
  const fake = tf.tidy(() => gan.generate(gan.sampleLatent(rng, n), labels && gan.oneHot(labels.fake)));
  try {
    const named = gradientsByName(gan.discriminator.variables(), dpDiscriminatorGradient(gan, real, fake, o, labels));
    opt.discriminator.apply(named);
    tf.dispose(Object.values(named));
  } finally {
    fake.dispose();
  }
  return trainGenerator ? generatorStep(gan, opt, n, rng) : 0;
}
