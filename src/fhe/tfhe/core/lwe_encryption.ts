/**
 * LWE encryption under a binary key (client side): body = <a, s> + e + plaintext, and
 * the phase body - <a, s> for checking what a ciphertext holds. Batched: `count`
 * ciphertexts of size n+1, mask then body, in one array.
 */
import { loadNative } from './native';
import { sampleNoise, uniformMasks } from './csprng';
import { NoiseDistribution } from './parameters';
import { MASK64 } from './torus';

/** Encrypt each plaintext (a torus value in [0, 2^64)) under `key`. */
export async function encryptLweCiphertexts(
  key: BigUint64Array,
  plaintexts: BigUint64Array,
  noise: NoiseDistribution,
  threads?: number,
): Promise<BigUint64Array> {
  const n = key.length;
  const count = plaintexts.length;
  const masks = uniformMasks(count * n);
  const bodies = await loadNative().lweEncryptBodies(masks, key, sampleNoise(noise, count), threads);
  const out = new BigUint64Array(count * (n + 1));
  for (let i = 0; i < count; i++) {
    out.set(masks.subarray(i * n, (i + 1) * n), i * (n + 1));
    out[i * (n + 1) + n] = (bodies[i] + plaintexts[i]) & MASK64;
  }
  return out;
}

/** body - <a, s> modulo 2^64 for one LWE ciphertext (mask then body). */
export function decryptLwePhase(key: BigUint64Array, lwe: BigUint64Array): bigint {
  if (lwe.length !== key.length + 1) throw new RangeError(`LWE ciphertext of size ${lwe.length} does not match a key of dimension ${key.length}`);
  let dot = 0n;
  for (let i = 0; i < key.length; i++) if (key[i] === 1n) dot += lwe[i];
  return (lwe[key.length] - dot) & MASK64;
}
