/**
 * Encrypted inference of a small MLP with clear weights (the compute party's base model): dense
 * layers by the diagonal method (matrix-vector.ts) plus a clear bias, and polynomial activations —
 * x² (depth 1, as in CryptoNets and TenSEAL's MNIST CNN) or any polynomial (depth ⌈log2(d + 1)⌉).
 * The input vector is replicated with one period D (a power of two ≥ every layer's width) over all
 * slots; each layer keeps that layout, so layers chain. Depth = layers + activations' depths.
 * The batched layout (matrix-vector.ts) puts slots/(2D) inputs in one ciphertext instead, at the
 * same depth and one more rotation per layer. A layer's optional `offset` is added after its
 * activation (a plaintext addition, no level): e.g. the centring of standardized features, whose
 * scaling folds into the weights before an x² ((√s·h)² = s·h²).
 */
import type { CkksContext } from '../context';
import type { CipherText, RelinKeys } from '../seal';
import type { CkksEvaluationKeys } from '../keys';
import {
  matrixVector,
  matrixVectorSteps,
  replicate,
  matrixDimension,
  packBatch,
  unpackBatch,
  inputsPerCiphertext,
  type MatrixVectorLayout,
} from '../matrix-vector';
import { addPlain } from '../add';
import { square } from '../multiply';
import { evaluatePolynomial, polynomialDepth, degreeOf } from '../polynomial';
import { Scope } from '../scope';

export type Activation = 'none' | 'square' | { polynomial: readonly number[] };

export interface DenseLayer {
  /** rows = outputs, columns = inputs */
  weights: readonly (readonly number[])[];
  bias: readonly number[];
  /** applied after the layer */
  activation: Activation;
  /** added after the activation (default none) */
  offset?: readonly number[];
}

/** The common period D of a network: the next power of two ≥ every width. */
export function networkPeriod(layers: readonly DenseLayer[]): number {
  if (layers.length === 0) throw new RangeError('network has no layers');
  return Math.max(...layers.map((l) => matrixDimension(l.weights)));
}

export function activationDepth(a: Activation): number {
  if (a === 'none') return 0;
  if (a === 'square') return 1;
  return polynomialDepth(degreeOf(a.polynomial));
}

/** Multiplicative depth of encrypted inference. */
export function networkDepth(layers: readonly DenseLayer[]): number {
  return layers.reduce((d, l) => d + 1 + activationDepth(l.activation), 0);
}

/** Galois steps inference needs. */
export function networkRotationSteps(layers: readonly DenseLayer[], layout: MatrixVectorLayout = 'replicated'): number[] {
  return matrixVectorSteps(networkPeriod(layers), layout);
}

/** The input layout: x replicated with the network's period. */
export function packInput(layers: readonly DenseLayer[], x: readonly number[], slots: number): Float64Array {
  return replicate(x, networkPeriod(layers), slots);
}

/** Inputs per ciphertext in the batched layout (slots / 2D). */
export function networkBatchSize(layers: readonly DenseLayer[], slots: number): number {
  return inputsPerCiphertext(networkPeriod(layers), slots, 'batched');
}

/** Up to networkBatchSize inputs in the batched layout. */
export function packInputs(layers: readonly DenseLayer[], xs: readonly (readonly number[])[], slots: number): Float64Array {
  return packBatch(xs, networkPeriod(layers), slots);
}

/** The outputs of the first `count` inputs from a decrypted batched-layout result. */
export function unpackOutputs(layers: readonly DenseLayer[], values: ArrayLike<number>, count: number): number[][] {
  return unpackBatch(values, networkPeriod(layers), count, layers[layers.length - 1].weights.length);
}

function checkLayers(layers: readonly DenseLayer[]): void {
  layers.forEach((l, i) => {
    if (l.bias.length !== l.weights.length) throw new RangeError(`layer ${i}: ${l.weights.length} outputs but ${l.bias.length} biases`);
    if (l.offset && l.offset.length !== l.weights.length) throw new RangeError(`layer ${i}: ${l.weights.length} outputs but ${l.offset.length} offsets`);
    if (i > 0 && l.weights.some((row) => row.length > layers[i - 1].weights.length))
      throw new RangeError(`layer ${i}: inputs wider than layer ${i - 1}'s ${layers[i - 1].weights.length} outputs`);
  });
}

/**
 * The network on an encrypted input: packInput layout (the output's first slots hold the result),
 * or packInputs for `layout` 'batched' (unpackOutputs reads the results).
 */
export function inferEncrypted(
  ctx: CkksContext,
  layers: readonly DenseLayer[],
  x: CipherText,
  keys: CkksEvaluationKeys & { relinKeys: RelinKeys },
  layout: MatrixVectorLayout = 'replicated',
): CipherText {
  checkLayers(layers);
  const depth = networkDepth(layers);
  if (ctx.check(x) < depth) throw new RangeError(`the network needs depth ${depth}; the ciphertext has ${ctx.levelOf(x)} level(s) left`);
  const period = networkPeriod(layers);
  // A per-neuron vector in the layout (the same for every input of a batch).
  const spread = (v: readonly number[]): Float64Array =>
    layout === 'replicated'
      ? replicate(v, period, ctx.slotCount)
      : packBatch(new Array(inputsPerCiphertext(period, ctx.slotCount, layout)).fill(v), period, ctx.slotCount);
  const scope = new Scope();
  try {
    let h = x;
    for (const l of layers) {
      const linear = scope.track(matrixVector(ctx, l.weights, h, keys, period, layout));
      h = scope.track(addPlain(ctx, linear, spread(l.bias)));
      if (l.activation === 'square') h = scope.track(square(ctx, h, keys.relinKeys));
      else if (l.activation !== 'none') h = scope.track(evaluatePolynomial(ctx, h, l.activation.polynomial, keys.relinKeys));
      if (l.offset) h = scope.track(addPlain(ctx, h, spread(l.offset)));
    }
    return h === x ? x.clone() : scope.release(h);
  } finally {
    scope.dispose();
  }
}

/** The same network in float64 (the reference). */
export function inferPlain(layers: readonly DenseLayer[], x: readonly number[]): number[] {
  checkLayers(layers);
  let h = [...x];
  for (const l of layers) {
    h = l.weights.map((row, r) => row.reduce((s, w, c) => s + w * (h[c] ?? 0), l.bias[r]));
    const a = l.activation;
    if (a === 'square') h = h.map((v) => v * v);
    else if (a !== 'none') h = h.map((v) => a.polynomial.reduceRight((acc, c) => acc * v + c, 0));
    const offset = l.offset;
    if (offset) h = h.map((v, r) => v + offset[r]);
  }
  return h;
}
