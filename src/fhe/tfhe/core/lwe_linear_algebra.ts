/**
 * Linear combinations with clear integer weights: out[o] = Σ_i w[o][i]·in[i] + bias[o]
 * (bias added to the body), modulo 2^64, on LWE ciphertexts of one size. Output neurons
 * run in parallel natively.
 */
import { loadNative } from './native';

export function lweLinearCombination(
  inputs: BigUint64Array,
  lweSize: number,
  weights: BigInt64Array,
  biases: BigUint64Array,
  threads?: number,
): Promise<BigUint64Array> {
  if (inputs.length % lweSize) throw new RangeError(`inputs are not a whole number of LWE ciphertexts of size ${lweSize}`);
  const count = inputs.length / lweSize;
  if (weights.length !== count * biases.length) throw new RangeError(`weights must be outputs × inputs = ${biases.length} × ${count}`);
  return loadNative().linearCombination(inputs, lweSize, weights, biases, threads);
}
