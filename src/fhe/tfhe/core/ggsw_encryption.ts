/**
 * GGSW encryption of small integers (the bits of the LWE key) under the GLWE key.
 * Layout, as TFHE-rs's GGSW: decomposition level j (most significant first), then row r
 * in [0, k] (one GLWE of k+1 polynomials each). Row (j, r) is a GLWE encryption of zero
 * with m·2^(64 - base_log·(j+1)) added to the constant coefficient of its polynomial r
 * (mask polynomial r < k, or the body for r = k), so that the external product with a
 * GLWE(μ) decomposed in that base yields GLWE(m·μ).
 */
import { encryptGlweZeros } from './glwe_encryption';
import { NoiseDistribution } from './parameters';
import { MASK64 } from './torus';

export interface GgswShape {
  glweDimension: number;
  polynomialSize: number;
  baseLog: number;
  level: number;
}

/** Words in one GGSW ciphertext. */
export function ggswSize(s: GgswShape): number {
  return s.level * (s.glweDimension + 1) * (s.glweDimension + 1) * s.polynomialSize;
}

/** GGSW encryptions of `messages` (one after the other). */
export async function encryptConstantGgswCiphertexts(
  glweKey: BigUint64Array,
  messages: BigUint64Array,
  shape: GgswShape,
  noise: NoiseDistribution,
  threads?: number,
): Promise<BigUint64Array> {
  const { glweDimension: k, polynomialSize: n, baseLog, level } = shape;
  const rowsPerGgsw = level * (k + 1);
  const out = await encryptGlweZeros(glweKey, k, n, messages.length * rowsPerGgsw, noise, threads);
  const glweSize = (k + 1) * n;
  for (let g = 0; g < messages.length; g++) {
    const m = messages[g];
    if (m === 0n) continue;
    for (let j = 0; j < level; j++) {
      const factor = (m << BigInt(64 - baseLog * (j + 1))) & MASK64;
      for (let r = 0; r <= k; r++) {
        const idx = (g * rowsPerGgsw + j * (k + 1) + r) * glweSize + r * n;
        out[idx] = (out[idx] + factor) & MASK64;
      }
    }
  }
  return out;
}
