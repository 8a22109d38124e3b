/**
 * GLWE encryptions of zero under a binary GLWE key (client side), batched: each is k
 * uniform mask polynomials then the body sum_r A_r·S_r + E (exact, computed natively).
 * Callers add their plaintexts; see ggsw_encryption.ts.
 */
import { loadNative } from './native';
import { sampleNoise, uniformMasks } from './csprng';
import { NoiseDistribution } from './parameters';

/** `count` GLWE encryptions of 0: count × (k+1) × N words (masks, then the body). */
export async function encryptGlweZeros(
  key: BigUint64Array,
  k: number,
  n: number,
  count: number,
  noise: NoiseDistribution,
  threads?: number,
): Promise<BigUint64Array> {
  if (key.length !== k * n) throw new RangeError(`GLWE key has ${key.length} coefficients, expected k·N = ${k * n}`);
  const masks = uniformMasks(count * k * n);
  const bodies = await loadNative().glweEncryptBodies(masks, key, sampleNoise(noise, count * n), k, n, threads);
  const out = new BigUint64Array(count * (k + 1) * n);
  for (let i = 0; i < count; i++) {
    out.set(masks.subarray(i * k * n, (i + 1) * k * n), i * (k + 1) * n);
    out.set(bodies.subarray(i * n, (i + 1) * n), i * (k + 1) * n + k * n);
  }
  return out;
}
