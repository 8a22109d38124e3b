/**
 * A model's parameters as federated learning moves them around: an ordered list of named
 * float32 tensors with shapes. The same type carries global weights (server → site) and
 * updates (site → server: local weights − global weights), so one validator guards both.
 *
 * tfjs variables convert to and from it (src/nn models expose `variables()` and
 * `variableNames()` in a stable order); nothing else in src/fl touches tf.Variable. The
 * types and their validation are src/util/named-tensors.ts's (re-exported here), shared
 * with the tensor frame and the checkpoints that use it.
 */
import * as tf from '@tensorflow/tfjs';
import { checkWeights, Weights, WeightsError } from '../util/named-tensors';

export { checkWeights, elementCount, firstNonFinite, parameterCount, WeightsError } from '../util/named-tensors';
export type { TensorSpec, Weights } from '../util/named-tensors';

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

/** a − b, tensor by tensor (shapes already checked alike). */
export function subtractWeights(a: Weights, b: Weights): Weights {
  return { specs: a.specs, values: a.values.map((x, i) => x.map((v, j) => v - b.values[i][j])) };
}

/** w + u, tensor by tensor. */
export function addWeights(w: Weights, u: readonly Float32Array[]): Weights {
  return { specs: w.specs, values: w.values.map((x, i) => x.map((v, j) => v + u[i][j])) };
}
