/**
 * Level and scale management. CKKS adds two ciphertexts only at the same level and the same scale;
 * a rescale at level ℓ divides the scale by the prime qℓ, and SEAL's 21-bit primes for N = 8192
 * are 2^20.2 … 2^20.8, not 2^21. Forcing a scale back to 2^21 (setScale) would multiply the
 * message by 2^21/qℓ — up to 1.7× — so this stack never does that. Instead it steers scales
 * exactly: a plaintext factor is encoded at the scale that makes the product land on the wanted
 * scale after the rescale (plain scale = qℓ · wanted / ciphertext scale), and a ciphertext that has
 * to meet another at a lower level and a different scale is multiplied by 1 encoded that way.
 */
import type { CkksContext } from './context';
import type { CipherText } from './seal';
import { encodeConstant } from './encoder';

/** Relative difference under which two scales count as equal (SEAL itself allows about 1 ulp). */
export const SCALE_TOLERANCE = 2 ** -40;

export function sameScale(a: number, b: number): boolean {
  return Math.abs(a - b) <= SCALE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

/** A copy of `ct` switched down to `level` (no rescale: the scale is unchanged). Caller owns it. */
export function modSwitchTo(ctx: CkksContext, ct: CipherText, level: number): CipherText {
  const from = ctx.check(ct);
  if (level > from) throw new RangeError(`cannot switch a ciphertext up from level ${from} to ${level}`);
  if (level === from) return ct.clone();
  return ctx.evaluator.cipherModSwitchTo(ct, ctx.level(level).parmsId) as CipherText;
}

/**
 * The scale a plaintext factor needs so that (ciphertext at `level` with `ctScale`) × plaintext,
 * rescaled, has scale `resultScale`.
 */
export function plainScaleFor(ctx: CkksContext, level: number, ctScale: number, resultScale: number): number {
  const q = ctx.level(level).rescalePrime;
  if (q === 0) throw new RangeError('no level left: a ciphertext at level 0 cannot be multiplied and rescaled');
  const s = (q * resultScale) / ctScale;
  // Below ~2^8 the plaintext's rounding would dominate the result's error.
  if (!(s >= 256)) throw new RangeError(`plaintext scale ${s} (for result scale ${resultScale} from ${ctScale}) is too small to be precise`);
  return s;
}

/** Sets `ct`'s scale to `scale` when the two are equal within SCALE_TOLERANCE (float round-off only). */
export function snapScale(ct: CipherText, scale: number): void {
  if (ct.scale === scale) return;
  if (!sameScale(ct.scale, scale)) throw new RangeError(`scales differ: ${ct.scale} vs ${scale} (relative ${Math.abs(ct.scale / scale - 1)})`);
  ct.setScale(scale);
}

/**
 * A copy of `ct` at exactly (`level`, `scale`). Same level: only a scale equal within tolerance is
 * accepted. Lower level, same scale: mod switch. Lower level, other scale: multiply by 1 at the
 * steering scale and rescale (one level of the drop is a rescale). Caller owns the result.
 */
export function alignTo(ctx: CkksContext, ct: CipherText, level: number, scale: number): CipherText {
  const from = ctx.check(ct);
  if (level > from) throw new RangeError(`cannot raise a ciphertext from level ${from} to ${level}`);
  if (sameScale(ct.scale, scale)) {
    const out = modSwitchTo(ctx, ct, level);
    out.setScale(scale);
    return out;
  }
  if (level === from) throw new RangeError(`ciphertext at level ${level} has scale ${ct.scale}, ${scale} needed, and no level to spare for the change`);
  return scaledTo(ctx, ct, 1, level, scale);
}

/**
 * c · ct at exactly (`level`, `scale`), `level` below ct's: switch to level + 1, multiply by the
 * constant encoded at the steering scale, rescale. Caller owns the result.
 */
export function scaledTo(ctx: CkksContext, ct: CipherText, c: number, level: number, scale: number): CipherText {
  const above = modSwitchTo(ctx, ct, level + 1);
  try {
    const constant = encodeConstant(ctx, c, { level: level + 1, scale: plainScaleFor(ctx, level + 1, above.scale, scale) });
    try {
      ctx.evaluator.multiplyPlain(above, constant, above);
      ctx.evaluator.rescaleToNext(above, above);
    } finally {
      constant.delete();
    }
    snapScale(above, scale);
    return above;
  } catch (e) {
    above.delete();
    throw e;
  }
}
