/**
 * What the noise tests share: a seeded tfhe client key with its evaluation keys and server, and
 * noise-free big-key LWE inputs of exactly chosen phases (masks from a seeded rng, so the key
 * switch's and modulus switch's roundings are reproducible), read back with a phase function of
 * its own (independent of the library's decryptLwePhase).
 */
import * as tfhe from 'node-tfhe';
import { SeededRng } from '../../../src/util/rng';
import { ShortintServer, defaultParameterSetName, generateShortintEvaluationKeys, readClientKey, tfheParameters } from '../../../src/fhe/tfhe/shortint';

export const MASK64 = (1n << 64n) - 1n;

/** tfhe's default `bits`-bit KS-PBS set (carry raised when given), a client key from `seed`, its evaluation keys and server. */
export async function seededShortint(bits: number, seed: bigint, carryModulus?: number) {
  const sk = readClientKey(
    tfhe.Shortint.serialize_client_key(
      tfhe.Shortint.new_client_key_from_seed_and_parameters(seed, 1n, tfheParameters(defaultParameterSetName(bits), carryModulus ? { carryModulus } : {})),
    ),
  );
  const keys = await generateShortintEvaluationKeys(sk);
  return { sk, keys, p: keys.params, server: ShortintServer.fromKeys(keys) };
}

/**
 * body − ⟨mask, key⟩ mod 2^64 of ciphertext i (little-endian 32-bit halves, summed as
 * exact doubles: faster than BigInt, and independent of the library's decryptLwePhase).
 */
export function phaseOf(lwe: BigUint64Array, i: number, key: BigUint64Array): bigint {
  const size = key.length + 1;
  const words = new Uint32Array(lwe.buffer, lwe.byteOffset + 8 * i * size, 2 * size);
  let lo = 0;
  let hi = 0;
  for (let j = 0; j < key.length; j++) {
    if (key[j] === 1n) {
      lo += words[2 * j];
      hi += words[2 * j + 1];
    }
  }
  const dot = (BigInt(hi) << 32n) + BigInt(lo);
  return (lwe[i * size + key.length] - dot) & MASK64;
}

/**
 * `count` noise-free LWE ciphertexts under `key`: for each, `phase(i)` (called first, so it may
 * draw from `rng` too), then a uniform mask from `rng` and the body that makes the phase exact.
 */
export function noiseFreeInputs(key: BigUint64Array, count: number, rng: SeededRng, phase: (i: number) => bigint): BigUint64Array {
  const size = key.length + 1;
  const inputs = new BigUint64Array(count * size);
  const words = new Uint32Array(inputs.buffer);
  for (let i = 0; i < count; i++) {
    const target = phase(i);
    for (let j = 0; j < 2 * key.length; j++) words[2 * i * size + j] = rng.nextUint32();
    // body 0 gives −⟨mask, key⟩; the body target + ⟨mask, key⟩ gives exactly `target`
    inputs[i * size + key.length] = (target - phaseOf(inputs, i, key)) & MASK64;
  }
  return inputs;
}
