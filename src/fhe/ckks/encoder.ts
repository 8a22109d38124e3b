/**
 * CKKS encoding: a real vector of up to N/2 values → a plaintext at a given level and scale, and
 * back. Shorter vectors are zero-padded by SEAL. Encoding happens at the top level and the
 * plaintext is then switched down the chain (exact: it only drops primes).
 */
import type { CkksContext } from './context';
import type { PlainText } from './seal';

export interface EncodeOptions {
  /** scale of the encoding (default: the context's 2^scaleBits) */
  scale?: number;
  /** level of the plaintext (default: the top level) */
  level?: number;
}

export function checkValues(ctx: CkksContext, values: ArrayLike<number>, what = 'values'): Float64Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') throw new TypeError(`${what} must be an array of numbers`);
  if (values.length > ctx.slotCount) throw new RangeError(`${what} has ${values.length} entries, more than the ${ctx.slotCount} slots`);
  const out = Float64Array.from(values);
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) throw new RangeError(`${what}[${i}] is not a finite number: ${values[i]}`);
  return out;
}

/** Encodes `values` (owned by the caller: delete it). */
export function encode(ctx: CkksContext, values: ArrayLike<number>, options: EncodeOptions = {}): PlainText {
  const scale = options.scale ?? ctx.scale;
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`scale must be a positive finite number, got ${scale}`);
  const level = options.level ?? ctx.topLevel;
  const target = ctx.level(level);
  const plain = ctx.encoder.encode(checkValues(ctx, values), scale) as PlainText;
  if (level < ctx.topLevel) {
    try {
      ctx.evaluator.plainModSwitchTo(plain, target.parmsId, plain);
    } catch (e) {
      plain.delete();
      throw e;
    }
  }
  return plain;
}

/** `value` in every slot (owned by the caller). */
export function encodeConstant(ctx: CkksContext, value: number, options: EncodeOptions = {}): PlainText {
  if (!Number.isFinite(value)) throw new RangeError(`constant must be a finite number, got ${value}`);
  return encode(ctx, new Float64Array(ctx.slotCount).fill(value), options);
}

/** The first `length` slot values of a plaintext (all slots by default). */
export function decode(ctx: CkksContext, plain: PlainText, length = ctx.slotCount): Float64Array {
  if (!Number.isInteger(length) || length < 0 || length > ctx.slotCount)
    throw new RangeError(`length must be an integer in [0, ${ctx.slotCount}], got ${length}`);
  const all = ctx.encoder.decode(plain);
  return length === all.length ? all : all.slice(0, length);
}
