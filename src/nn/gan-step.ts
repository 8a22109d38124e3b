/**
 * One GAN training step, as in the reference (and the PyTorch yardstick): a discriminator
 * update on a real batch and a generated one, then a generator update on a fresh latent
 * batch. Losses are BCE with logits; both optimisers are Adam.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../util/rng';
import { Adam } from './adam';
import { Gan } from './gan';
import { bceWithLogits } from './losses';

export interface GanOptimizers {
  discriminator: Adam;
  generator: Adam;
}

export interface StepLosses {
  /** Discriminator loss: BCE(D(real), 1) + BCE(D(fake), 0). */
  d: number;
  /** Generator loss: BCE(D(G(z)), 1). */
  g: number;
}

/** Class indices drawn uniformly, for the generated half of a conditional step. */
function randomLabels(rng: SeededRng, n: number, classes: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextInt(classes);
  return out;
}

const targetCache = new Map<number, Float32Array>();
/** [1 × batch, 0 × batch]: targets of a real-then-generated discriminator batch. */
function halfOnesHalfZeros(batch: number): Float32Array {
  let t = targetCache.get(batch);
  if (!t) {
    t = new Float32Array(2 * batch);
    t.fill(1, 0, batch);
    targetCache.set(batch, t);
  }
  return t;
}

/**
 * Train one step on `real` [batch, imageSize] in [-1, 1] (with its class indices when the
 * GAN is conditional). Latent vectors and generated labels come from `rng`.
 */
export function ganTrainStep(gan: Gan, opt: GanOptimizers, real: tf.Tensor2D, rng: SeededRng, realLabels?: ArrayLike<number>): StepLosses {
  const batch = real.shape[0];
  if (real.rank !== 2 || real.shape[1] !== gan.config.imageSize) {
    throw new RangeError(`real batch must be [batch, ${gan.config.imageSize}], got [${real.shape}]`);
  }
  if (gan.conditional && (!realLabels || realLabels.length !== batch)) {
    throw new RangeError(`a conditional GAN step needs ${batch} labels for the real batch`);
  }
  const classes = gan.config.numClasses;
  const dVars = opt.discriminator.variables;

  const dLoss = tf.tidy(() => {
    const realOneHot = gan.conditional ? gan.oneHot(realLabels as ArrayLike<number>) : undefined;
    const fakeOneHot = gan.conditional ? gan.oneHot(randomLabels(rng, batch, classes)) : undefined;
    // Generated outside the gradient function: the D step does not backpropagate into G.
    const fake = gan.generate(gan.sampleLatent(rng, batch), fakeOneHot);
    // Real and generated images go through D as ONE batch of 2·batch rows: the same loss
    // as two passes, BCE(D(real), 1) + BCE(D(fake), 0) = 2·mean over both halves, with
    // GEMMs twice as tall and no summing of two gradients per weight in backprop.
    const images = tf.concat([real, fake], 0) as tf.Tensor2D;
    const oneHot = gan.conditional ? tf.concat([realOneHot as tf.Tensor2D, fakeOneHot as tf.Tensor2D], 0) as tf.Tensor2D : undefined;
    const targets = halfOnesHalfZeros(batch);
    const { value, grads } = tf.variableGrads(() => tf.mul(bceWithLogits(gan.discriminate(images, oneHot), targets), 2) as tf.Scalar, dVars);
    opt.discriminator.apply(grads);
    return value;
  });

  const d = dLoss.dataSync()[0];
  dLoss.dispose();
  return { d, g: generatorStep(gan, opt, batch, rng) };
}

/**
 * The generator half of a step: one Adam update of G on `batch` fresh latent vectors (and
 * random labels, if conditional) from `rng`, against the current D. Returns BCE(D(G(z)), 1).
 * It reads no real data, so under DP-SGD on D it is post-processing (src/fl/tasks).
 */
export function generatorStep(gan: Gan, opt: GanOptimizers, batch: number, rng: SeededRng): number {
  const gLoss = tf.tidy(() => {
    const oneHot = gan.conditional ? gan.oneHot(randomLabels(rng, batch, gan.config.numClasses)) : undefined;
    const z = gan.sampleLatent(rng, batch);
    const { value, grads } = tf.variableGrads(() => bceWithLogits(gan.discriminate(gan.generate(z, oneHot), oneHot), 1), opt.generator.variables);
    opt.generator.apply(grads);
    return value;
  });
  const g = gLoss.dataSync()[0];
  gLoss.dispose();
  return g;
}

/** Adam for both networks with the reference settings (lr 2e-4, β1 0.5, β2 0.999). */
export function ganOptimizers(gan: Gan, config: { learningRate?: number; beta1?: number; beta2?: number } = {}): GanOptimizers {
  return {
    discriminator: new Adam(gan.discriminator.variables(), config),
    generator: new Adam(gan.generator.variables(), config),
  };
}
