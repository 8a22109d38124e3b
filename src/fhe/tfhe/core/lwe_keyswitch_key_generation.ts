/**
 * The key-switching key big → small: for each coefficient s_i of the big key (k·N, the
 * flattened GLWE key) and each level j, an LWE encryption under the small key (with the
 * LWE noise distribution) of s_i·2^(64 - ks_base_log·(j+1)). Layout: i major, then j,
 * each ciphertext n+1 words (mask, body).
 */
import { encryptLweCiphertexts } from './lwe_encryption';
import { CoreParameters, bigLweDimension } from './parameters';
import { MASK64 } from './torus';

export function keyswitchKeySize(p: CoreParameters): number {
  return bigLweDimension(p) * p.ksLevel * (p.lweDimension + 1);
}

export async function generateLweKeyswitchKey(p: CoreParameters, bigKey: BigUint64Array, smallKey: BigUint64Array, threads?: number): Promise<BigUint64Array> {
  const big = bigLweDimension(p);
  if (bigKey.length !== big) throw new RangeError(`big key has ${bigKey.length} coefficients, expected ${big}`);
  if (smallKey.length !== p.lweDimension) throw new RangeError(`small key has ${smallKey.length} coefficients, expected ${p.lweDimension}`);
  const plaintexts = new BigUint64Array(big * p.ksLevel);
  for (let i = 0; i < big; i++) {
    for (let j = 0; j < p.ksLevel; j++) plaintexts[i * p.ksLevel + j] = (bigKey[i] << BigInt(64 - p.ksBaseLog * (j + 1))) & MASK64;
  }
  return encryptLweCiphertexts(smallKey, plaintexts, p.lweNoise, threads);
}
