/**
 * A model's parameters as federated learning moves them around: an ordered list of named
 * float32 tensors with shapes. The same type carries global weights (server → site) and
 * updates (site → server: local weights − global weights), so one validator guards both.
 *
 * tfjs variables convert to and from it (src/nn models expose `variables()` and
 * `variableNames()` in a stable order); nothing else in src/fl touches tf.Variable.
 */
import * as tf from '@tensorflow/tfjs';

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

/** A copy of the variables' current values, named in the same order. */
export function weightsFromVariables(variables: readonly tf.Variable[], names: readonly string[]): Weights {
  if (variables.length !== names.length) throw new WeightsError(`${variables.length} variables but ${names.length} names`);
  return {
    specs: variables.map((v, i) => ({ name: names[i], shape: [...v.shape] })),
    values: variables.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
  };
}

/** Write `w` into the variables (same order); checks names and shapes first so nothing is half-assigned. */
export function assignWeights(variables: readonly tf.Variable[], names: readonly string[], w: Weights): void {
  checkWeights(
    w,
    variables.map((v, i) => ({ name: names[i], shape: v.shape })),
    'weights',
  );
  variables.forEach((v, i) => {
    const t = tf.tensor(w.values[i], v.shape, 'float32');
    v.assign(t);
    t.dispose();
  });
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
  if (w.specs.length !== expected.length || w.values.length !== expected.length) {
    throw new WeightsError(`${what}: ${w.specs.length} tensors, expected ${expected.length}`);
  }
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

/** a − b, tensor by tensor (shapes already checked alike). */
export function subtractWeights(a: Weights, b: Weights): Weights {
  return { specs: a.specs, values: a.values.map((x, i) => x.map((v, j) => v - b.values[i][j])) };
}

/** w + u, tensor by tensor. */
export function addWeights(w: Weights, u: readonly Float32Array[]): Weights {
  return { specs: w.specs, values: w.values.map((x, i) => x.map((v, j) => v + u[i][j])) };
}
