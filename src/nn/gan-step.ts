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
import { randomNormal } from './random';

export interface GanOptimizers {
  discriminator: Adam;
  generator: Adam;
}

export interface StepLosses {
  /** Discriminator loss: BCE(D(real), realTarget) + BCE(D(fake), 0). */
  d: number;
  /** Generator loss: BCE(D(G(z)), 1). */
  g: number;
}

/** Class indices drawn uniformly, for the generated half of a conditional step. */
export function randomLabels(rng: SeededRng, n: number, classes: number): Int32Array {
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
 * Stabilisers of a step (all off by default, which is the reference step).
 */
export interface GanStepOptions {
  /**
   * Target of real images in D's loss: 1 is the reference, 0.9 is one-sided label smoothing
   * (Salimans et al. 2016), which keeps D from growing over-confident logits on real digits.
   * Generated images keep target 0, and G's loss keeps target 1.
   */
  realTarget?: number;
  /**
   * Standard deviation of Gaussian noise added to every image D sees, real and generated, in
   * both updates (instance noise, Sønderby et al. 2016): the two distributions overlap, so D's
   * gradient stays informative. The training loop anneals it to 0.
   */
  instanceNoise?: number;
}

const targetsCache = new Map<string, Float32Array>();
/** [realTarget × batch, 0 × batch]: targets of a real-then-generated discriminator batch. */
function discriminatorTargets(batch: number, realTarget: number): Float32Array {
  if (realTarget === 1) return halfOnesHalfZeros(batch);
  const key = `${batch}/${realTarget}`;
  let t = targetsCache.get(key);
  if (!t) {
    t = new Float32Array(2 * batch);
    t.fill(realTarget, 0, batch);
    targetsCache.set(key, t);
  }
  return t;
}

/** Images plus N(0, σ²) noise from `rng` (unchanged for σ = 0). */
function withInstanceNoise(x: tf.Tensor2D, sigma: number, rng: SeededRng): tf.Tensor2D {
  if (sigma === 0) return x;
  return tf.add(x, randomNormal(rng, x.shape, 0, sigma)) as tf.Tensor2D;
}

export function checkGanStepOptions(o: GanStepOptions): Required<GanStepOptions> {
  const realTarget = o.realTarget ?? 1;
  const instanceNoise = o.instanceNoise ?? 0;
  if (!(realTarget > 0.5 && realTarget <= 1)) throw new RangeError(`real target (label smoothing) must be in (0.5, 1], got ${realTarget}`);
  if (!(instanceNoise >= 0 && Number.isFinite(instanceNoise))) throw new RangeError(`instance noise must be a non-negative number, got ${instanceNoise}`);
  return { realTarget, instanceNoise };
}

/**
 * Train one step on `real` [batch, imageSize] in [-1, 1] (with its class indices when the
 * GAN is conditional): discriminatorStep, then generatorStep on as many fresh latent vectors
 * (the arguments are discriminatorStep's). Latent vectors and generated labels come from `rng`.
 */
export function ganTrainStep(...args: Parameters<typeof discriminatorStep>): StepLosses {
  const [gan, opt, real, rng, , options = {}] = args;
  const d = discriminatorStep(...args);
  return { d, g: generatorStep(gan, opt, real.shape[0], rng, checkGanStepOptions(options).instanceNoise) };
}

/**
 * The discriminator half of a step: one Adam update of D on `real` [batch, imageSize] (with its
 * classes when the GAN is conditional) and as many digits G draws from `rng`; G is not changed.
 * Alone, it refits a critic to a fixed generator (src/fl/tasks, fit key trainGenerator false).
 * Returns D's loss, BCE(D(real), realTarget) + BCE(D(fake), 0).
 */
export function discriminatorStep(
  gan: Gan,
  opt: GanOptimizers,
  real: tf.Tensor2D,
  rng: SeededRng,
  realLabels?: ArrayLike<number>,
  options: GanStepOptions = {},
): number {
  const { realTarget, instanceNoise } = checkGanStepOptions(options);
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
    const images = withInstanceNoise(tf.concat([real, fake], 0) as tf.Tensor2D, instanceNoise, rng);
    const oneHot = gan.conditional ? (tf.concat([realOneHot as tf.Tensor2D, fakeOneHot as tf.Tensor2D], 0) as tf.Tensor2D) : undefined;
    const targets = discriminatorTargets(batch, realTarget);
    const { value, grads } = tf.variableGrads(() => tf.mul(bceWithLogits(gan.discriminate(images, oneHot), targets), 2) as tf.Scalar, dVars);
    opt.discriminator.apply(grads);
    return value;
  });

  const d = dLoss.dataSync()[0];
  dLoss.dispose();
  return d;
}

/**
 * The generator half of a step: one Adam update of G on `batch` fresh latent vectors (and
 * random labels, if conditional) from `rng`, against the current D. Returns BCE(D(G(z)), 1).
 * It reads no real data, so under DP-SGD on D it is post-processing (src/fl/tasks).
 * `instanceNoise` (σ) is added to the generated images D sees, as in the D half.
 */
export function generatorStep(gan: Gan, opt: GanOptimizers, batch: number, rng: SeededRng, instanceNoise = 0): number {
  const gLoss = tf.tidy(() => {
    const oneHot = gan.conditional ? gan.oneHot(randomLabels(rng, batch, gan.config.numClasses)) : undefined;
    const z = gan.sampleLatent(rng, batch);
    const { value, grads } = tf.variableGrads(
      () => bceWithLogits(gan.discriminate(withInstanceNoise(gan.generate(z, oneHot), instanceNoise, rng), oneHot), 1),
      opt.generator.variables,
    );
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
