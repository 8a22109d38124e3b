/**
 * Named float32 tensors with shapes: what a tensor frame (tensor-frame.ts) carries, what
 * federated learning moves between server and sites (src/fl/weights.ts adds the tfjs
 * conversions and the update arithmetic) and what resumable checkpoints hold. No tfjs here,
 * so parsers and checkpoints of any layer can use it.
 */

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Parameter tensors in model order; `values[i]` holds `specs[i]` row-major. */
export interface Weights {
  readonly specs: readonly TensorSpec[];
  readonly values: Float32Array[];
}

/** Weights or an update that does not match what the receiver expects. The message names the tensor. */
export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Total number of floats in a list of specs. */
export function parameterCount(specs: readonly TensorSpec[]): number {
  return specs.reduce((n, s) => n + elementCount(s.shape), 0);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * Check `w` against the expected tensors: same count, names, shapes, value lengths, and
 * (unless `finite` is false) only finite values. `what` names the thing in the error
 * ("update from site-2"), so a rejection says exactly what was wrong.
 */
export function checkWeights(w: Weights, expected: readonly TensorSpec[], what: string, finite = true): void {
  if (w.specs.length !== expected.length) throw new WeightsError(`${what}: ${w.specs.length} tensors, expected ${expected.length}`);
  if (w.values.length !== w.specs.length) throw new WeightsError(`${what}: ${w.specs.length} tensors but ${w.values.length} value arrays`);
  expected.forEach((e, i) => {
    const s = w.specs[i];
    if (s.name !== e.name) throw new WeightsError(`${what}: tensor ${i} is "${s.name}", expected "${e.name}"`);
    if (!sameShape(s.shape, e.shape)) throw new WeightsError(`${what}: ${e.name} has shape [${s.shape}], expected [${e.shape}]`);
    const n = elementCount(e.shape);
    if (w.values[i].length !== n) throw new WeightsError(`${what}: ${e.name} holds ${w.values[i].length} values, its shape needs ${n}`);
    if (finite) {
      const bad = firstNonFinite(w.values[i]);
      if (bad >= 0) throw new WeightsError(`${what}: ${e.name}[${bad}] is ${w.values[i][bad]} (non-finite)`);
    }
  });
}
