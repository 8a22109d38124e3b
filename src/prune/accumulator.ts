/**
 * Accumulator bit-widths of quantized linear layers: in TFHE each neuron's weighted
 * sum must fit the plaintext space before its table lookup, so this bound decides
 * whether a model fits a parameter set. Worst case: every input at whichever end of
 * its range maximises (or minimises) each product. Calibrated: what an input set
 * actually produces.
 */
import { rowDot, sparseRows } from '../util/sparse-rows';

/** Bits of a signed integer type that holds every value in [lo, hi]. */
export function signedBits(lo: number, hi: number): number {
  let b = 1;
  while (-(2 ** (b - 1)) > lo || 2 ** (b - 1) - 1 < hi) b++;
  return b;
}

/** An integer dense layer: weights [out × in] row-major, optional integer bias per neuron. */
export interface IntDense {
  weights: Int32Array | number[];
  outputs: number;
  inputs: number;
  bias?: ArrayLike<number>;
}

export interface AccumulatorRange {
  /** Per neuron. */
  min: Float64Array;
  max: Float64Array;
  /** Bits to hold every neuron's range. */
  bits: number;
}

/** Worst-case accumulator ranges for inputs in [inMin, inMax]. */
export function worstCaseAccumulator(layer: IntDense, inMin: number, inMax: number): AccumulatorRange {
  const { weights, outputs, inputs } = layer;
  if (weights.length !== outputs * inputs) throw new RangeError(`${outputs}x${inputs} layer needs ${outputs * inputs} weights, got ${weights.length}`);
  const min = new Float64Array(outputs);
  const max = new Float64Array(outputs);
  let lo = 0;
  let hi = 0;
  for (let o = 0; o < outputs; o++) {
    let mn = layer.bias ? layer.bias[o] : 0;
    let mx = mn;
    for (let i = 0; i < inputs; i++) {
      const w = weights[o * inputs + i];
      const a = w * inMin;
      const b = w * inMax;
      mn += Math.min(a, b);
      mx += Math.max(a, b);
    }
    min[o] = mn;
    max[o] = mx;
    lo = Math.min(lo, mn);
    hi = Math.max(hi, mx);
  }
  return { min, max, bits: signedBits(lo, hi) };
}

/** Observed accumulator ranges over a set of integer input vectors (row-major, count × inputs). */
export function calibratedAccumulator(layer: IntDense, inputs: ArrayLike<number>, count: number): AccumulatorRange {
  const { weights, outputs } = layer;
  const n = layer.inputs;
  if (inputs.length !== count * n) throw new RangeError(`${count} inputs of ${n} need ${count * n} values, got ${inputs.length}`);
  const min = new Float64Array(outputs).fill(Infinity);
  const max = new Float64Array(outputs).fill(-Infinity);
  const rows = sparseRows(weights, outputs, n);
  for (let s = 0; s < count; s++) {
    for (let o = 0; o < outputs; o++) {
      const acc = (layer.bias ? layer.bias[o] : 0) + rowDot(rows, o, inputs, s * n);
      if (acc < min[o]) min[o] = acc;
      if (acc > max[o]) max[o] = acc;
    }
  }
  let lo = 0;
  let hi = 0;
  for (let o = 0; o < outputs; o++) {
    lo = Math.min(lo, min[o]);
    hi = Math.max(hi, max[o]);
  }
  return { min, max, bits: signedBits(lo, hi) };
}

/** Active (non-zero) inputs per neuron: the largest fan-in is what pruning caps. */
export function maxFanIn(layer: IntDense): number {
  let worst = 0;
  for (let o = 0; o < layer.outputs; o++) {
    let k = 0;
    for (let i = 0; i < layer.inputs; i++) if (layer.weights[o * layer.inputs + i] !== 0) k++;
    worst = Math.max(worst, k);
  }
  return worst;
}
