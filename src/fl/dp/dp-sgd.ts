/**
 * Example-level DP-SGD (Abadi et al. 2016) as Opacus does it: each example's gradient is
 * clipped to L2 norm C jointly over all parameters, the clipped gradients are summed, Gaussian
 * noise N(0, σ²C²) is added to every coordinate, and the sum is divided by the EXPECTED batch
 * size q·n (Opacus's loss_reduction="mean" with Poisson sampling) rather than the realised one,
 * which would itself leak whether an example was sampled. Batches come from Poisson sampling
 * (./poisson-sampling), as the RDP accountant assumes.
 *
 * Per-example gradients take the generic path: one tf.variableGrads per example. That costs a
 * backward pass per example, which is nothing at Pix2Pix's batch size of 1. In a GAN only the
 * discriminator reads real data, so its update is the one to privatise; the generator learns
 * through the private discriminator (post-processing).
 *
 * One training step, accounted:
 *   const batch = poissonSample(n, q, rng);                       // may be empty: still a step
 *   const { grads } = dpSgdGradients(vars, lossOf, batch, { clipNorm, noiseMultiplier, expectedBatchSize: q * n });
 *   const named = gradientsByName(vars, grads); adam.apply(named); tf.dispose(Object.values(named));
 *   accountant.step({ noiseMultiplier, sampleRate: q });
 */
import * as tf from '@tensorflow/tfjs';
import { defaultNoise, GaussianNoise } from './noise';
import { l2Norm } from './vector';

export interface DpSgdOptions {
  /** C: the L2 bound on each example's gradient. */
  clipNorm: number;
  /** σ: noise std over C. 0 adds no noise (and gives no privacy) — for tests and baselines. */
  noiseMultiplier: number;
  /** q·n, the divisor of the noisy sum. */
  expectedBatchSize: number;
  /** Defaults to a CSPRNG source (./noise). */
  noise?: GaussianNoise;
}

export interface DpGradients {
  /**
   * The noisy mean gradient, one Float32Array per variable, in the order of `variables`
   * (tensor shape = the variable's shape, row-major). Turn it into tensors with
   * gradientsByName for src/nn/adam.ts.
   */
  grads: Float32Array[];
  /** Each example's gradient norm before clipping, in batch order. */
  norms: number[];
}

/** Check and normalise the options. */
function checkOptions(o: DpSgdOptions): void {
  if (!(o.clipNorm > 0 && Number.isFinite(o.clipNorm))) throw new RangeError(`clip norm must be a finite number > 0, got ${o.clipNorm}`);
  if (!(o.noiseMultiplier >= 0 && Number.isFinite(o.noiseMultiplier)))
    throw new RangeError(`noise multiplier must be a finite number ≥ 0, got ${o.noiseMultiplier}`);
  if (!(o.expectedBatchSize > 0 && Number.isFinite(o.expectedBatchSize)))
    throw new RangeError(`expected batch size must be a finite number > 0, got ${o.expectedBatchSize}`);
}

/**
 * One DP-SGD gradient over `batch` (example indices, e.g. from poissonSample; may be empty, in
 * which case the result is noise alone). `exampleLoss(i)` builds example i's scalar loss from
 * the variables; it runs inside tf.variableGrads, which disposes its intermediates.
 */
export function dpSgdGradients(
  variables: tf.Variable[],
  exampleLoss: (example: number) => tf.Scalar,
  batch: readonly number[],
  options: DpSgdOptions,
): DpGradients {
  checkOptions(options);
  if (variables.length === 0) throw new RangeError('DP-SGD needs at least one variable');
  const { clipNorm, noiseMultiplier, expectedBatchSize } = options;
  const sums = variables.map((v) => new Float64Array(v.size));
  const norms: number[] = [];
  for (const example of batch) {
    const perVariable = exampleGradient(variables, () => exampleLoss(example));
    const norm = l2Norm(perVariable);
    norms.push(norm);
    // min(1, C/‖g‖): the clipped gradient's norm is at most C, the sensitivity the noise is
    // sized for. (Opacus divides by ‖g‖ + 1e-6; the exact form needs no such slack.)
    const scale = norm > clipNorm ? clipNorm / norm : 1;
    perVariable.forEach((g, k) => {
      const s = sums[k];
      for (let j = 0; j < g.length; j++) s[j] += scale * g[j];
    });
  }
  const noise = options.noise ?? defaultNoise();
  const grads = sums.map((s) => {
    const out = new Float64Array(s.length);
    if (noiseMultiplier > 0) noise.fill(out, noiseMultiplier * clipNorm);
    const g = new Float32Array(s.length);
    for (let j = 0; j < s.length; j++) g[j] = (s[j] + out[j]) / expectedBatchSize;
    return g;
  });
  return { grads, norms };
}

/** One example's gradient with respect to each variable, as float32 arrays. */
function exampleGradient(variables: tf.Variable[], loss: () => tf.Scalar): Float32Array[] {
  const { value, grads } = tf.variableGrads(loss, variables);
  const out = variables.map((v) => {
    const g = grads[v.name];
    // A variable the loss does not touch has a zero gradient.
    return g ? (g.dataSync() as Float32Array).slice() : new Float32Array(v.size);
  });
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** Gradients keyed by variable name, as Adam.apply (src/nn/adam.ts) takes them. The caller disposes the tensors. */
export function gradientsByName(variables: tf.Variable[], grads: Float32Array[]): tf.NamedTensorMap {
  if (grads.length !== variables.length) throw new RangeError(`${grads.length} gradients for ${variables.length} variables`);
  const map: tf.NamedTensorMap = {};
  variables.forEach((v, k) => {
    if (grads[k].length !== v.size) throw new RangeError(`gradient ${k} has ${grads[k].length} values, variable ${v.name} has ${v.size}`);
    map[v.name] = tf.tensor(grads[k], v.shape, 'float32');
  });
  return map;
}
