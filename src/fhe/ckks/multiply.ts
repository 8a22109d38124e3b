/**
 * Packed multiplication, slot by slot, each followed by a rescale (one level):
 * - ciphertext × ciphertext: multiply, relinearize (back to 2 components), rescale. The operand at
 *   the higher level is switched down first. Result scale = scale_a · scale_b / qℓ (SEAL's exact
 *   value, not forced back to 2^scaleBits: see levels.ts).
 * - ciphertext × plaintext vector: the plaintext is encoded at the scale that makes the result land
 *   on `resultScale` exactly (default: the ciphertext's own scale, so a chain of plain products
 *   keeps one scale).
 */
import type { CkksContext } from './context';
import type { CipherText, RelinKeys } from './seal';
import { encode } from './encoder';
import { modSwitchTo, plainScaleFor } from './levels';

function needLevel(level: number, what: string): void {
  if (level < 1) throw new RangeError(`${what}: ciphertext is at level 0, no multiplicative depth left`);
}

/** a × b, relinearized and rescaled. */
export function multiply(ctx: CkksContext, a: CipherText, b: CipherText, relinKeys: RelinKeys): CipherText {
  const la = ctx.check(a, 'first factor');
  const lb = ctx.check(b, 'second factor');
  const level = Math.min(la, lb);
  needLevel(level, 'multiply');
  const x = modSwitchTo(ctx, a, level);
  try {
    const y = lb === level ? b : modSwitchTo(ctx, b, level);
    try {
      ctx.evaluator.multiply(x, y, x);
    } finally {
      if (y !== b) y.delete();
    }
  } catch (e) {
    x.delete();
    throw e;
  }
  return relinearizeRescale(ctx, x, relinKeys);
}

/** a², relinearized and rescaled. */
export function square(ctx: CkksContext, a: CipherText, relinKeys: RelinKeys): CipherText {
  needLevel(ctx.check(a), 'square');
  return relinearizeRescale(ctx, ctx.evaluator.square(a) as CipherText, relinKeys);
}

/** A product back to 2 components and down one level, in place; `x` is deleted if that fails. */
function relinearizeRescale(ctx: CkksContext, x: CipherText, relinKeys: RelinKeys): CipherText {
  try {
    ctx.evaluator.relinearize(x, relinKeys, x);
    ctx.evaluator.rescaleToNext(x, x);
    return x;
  } catch (e) {
    x.delete();
    throw e;
  }
}

export interface MultiplyPlainOptions {
  /** scale of the result (default: the ciphertext's scale) */
  resultScale?: number;
  /** rescale after the product (default true); without it the caller sums products and rescales once */
  rescale?: boolean;
}

/** ct × values slot-wise (values zero-padded), rescaled to `resultScale`. */
export function multiplyPlain(ctx: CkksContext, ct: CipherText, values: ArrayLike<number>, options: MultiplyPlainOptions = {}): CipherText {
  const level = ctx.check(ct);
  needLevel(level, 'multiplyPlain');
  const plain = encode(ctx, values, { level, scale: plainScaleFor(ctx, level, ct.scale, options.resultScale ?? ct.scale) });
  try {
    const out = ctx.evaluator.multiplyPlain(ct, plain) as CipherText;
    if (options.rescale ?? true) ctx.evaluator.rescaleToNext(out, out);
    return out;
  } finally {
    plain.delete();
  }
}

/** ct × c in every slot. */
export function multiplyConstant(ctx: CkksContext, ct: CipherText, c: number, options: MultiplyPlainOptions = {}): CipherText {
  if (!Number.isFinite(c)) throw new RangeError(`constant must be a finite number, got ${c}`);
  return multiplyPlain(ctx, ct, new Float64Array(ctx.slotCount).fill(c), options);
}
