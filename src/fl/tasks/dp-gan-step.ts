/**
 * A GAN step with example-level DP-SGD, for gan-mnist under the DP-SGD keys. Only the
 * discriminator reads real digits, so only its update is privatised (as in Opacus's DCGAN
 * example and DP-GAN): each real example's gradient of BCE(D(x), 1) is clipped to C, N(0, σ²C²)
 * goes on their sum, divided by the expected batch size q·n (src/fl/dp/dp-sgd.ts); the
 * generated half's gradient, mean BCE(D(G(z)), 0), is added unclipped — it depends on no real
 * example. The generated batch has round(q·n) rows, never the realised real batch size, which
 * would reveal how many examples the secret Poisson draw picked. The generator step reads
 * only D, so it is post-processing of the private D (src/nn's generatorStep).
 */
import * as tf from '@tensorflow/tfjs';
import { Gan } from '../../nn/gan';
import { GanOptimizers, generatorStep } from '../../nn/gan-step';
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

/**
 * D's gradient, one Float32Array per discriminator variable: the noisy clipped sum over the
 * rows of `real` [B, pixels] (B may be 0) over q·n, plus the mean gradient over `fake`.
 */
export function dpDiscriminatorGradient(gan: Gan, real: tf.Tensor2D, fake: tf.Tensor2D, o: DpDiscriminatorOptions): Float32Array[] {
  const dVars = gan.discriminator.variables();
  const rows = Array.from({ length: real.shape[0] }, (_, i) => i);
  const { grads } = dpSgdGradients(dVars, (i) => bceWithLogits(gan.discriminate(tf.slice(real, [i, 0], [1, -1])), 1), rows, o);
  const { value, grads: fakeGrads } = tf.variableGrads(() => bceWithLogits(gan.discriminate(fake), 0), dVars);
  dVars.forEach((v, k) => {
    const f = fakeGrads[v.name].dataSync();
    for (let j = 0; j < f.length; j++) grads[k][j] += f[j];
  });
  tf.dispose([value, ...Object.values(fakeGrads)]);
  return grads;
}

/** One DP step: D on `real` (the step's Poisson batch) and round(q·n) generated digits, then G. Returns G's loss. */
export function dpGanTrainStep(gan: Gan, opt: GanOptimizers, real: tf.Tensor2D, rng: SeededRng, o: DpDiscriminatorOptions): number {
  if (gan.conditional) throw new RangeError('DP-SGD for a conditional GAN is not implemented');
  const n = fakeBatchSize(o.expectedBatchSize);
  const fake = tf.tidy(() => gan.generate(gan.sampleLatent(rng, n)));
  try {
    const named = gradientsByName(gan.discriminator.variables(), dpDiscriminatorGradient(gan, real, fake, o));
    opt.discriminator.apply(named);
    tf.dispose(Object.values(named));
  } finally {
    fake.dispose();
  }
  return generatorStep(gan, opt, n, rng);
}
