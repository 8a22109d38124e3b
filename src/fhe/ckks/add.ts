/**
 * Packed addition and subtraction, slot by slot: ciphertext ± ciphertext (same scale; the operand
 * at the higher level is switched down) and ciphertext ± plaintext vector (encoded at the
 * ciphertext's level and scale). The results are new ciphertexts owned by the caller.
 */
import type { CkksContext } from './context';
import type { CipherText } from './seal';
import { encode } from './encoder';
import { modSwitchTo, sameScale } from './levels';

type Op = 'add' | 'sub';

function combine(ctx: CkksContext, a: CipherText, b: CipherText, op: Op): CipherText {
  const la = ctx.check(a, 'first operand');
  const lb = ctx.check(b, 'second operand');
  if (!sameScale(a.scale, b.scale)) throw new RangeError(`${op}: scales differ (${a.scale} vs ${b.scale}); bring one to the other's scale first (alignTo)`);
  const level = Math.min(la, lb);
  const x = modSwitchTo(ctx, a, level);
  try {
    const y = lb === level ? b : modSwitchTo(ctx, b, level);
    try {
      // Equal within round-off (checked above): make them identical for SEAL.
      x.setScale(y.scale);
      if (op === 'add') ctx.evaluator.add(x, y, x);
      else ctx.evaluator.sub(x, y, x);
    } finally {
      if (y !== b) y.delete();
    }
    return x;
  } catch (e) {
    x.delete();
    throw e;
  }
}

/** a + b, slot-wise. */
export function add(ctx: CkksContext, a: CipherText, b: CipherText): CipherText {
  return combine(ctx, a, b, 'add');
}

/** a − b, slot-wise. */
export function sub(ctx: CkksContext, a: CipherText, b: CipherText): CipherText {
  return combine(ctx, a, b, 'sub');
}

/** acc += b in place (same level and scale required), for accumulating many terms without copies. */
export function addInPlace(ctx: CkksContext, acc: CipherText, b: CipherText): void {
  const la = ctx.check(acc, 'accumulator');
  const lb = ctx.check(b, 'addend');
  if (la !== lb) throw new RangeError(`addInPlace: levels differ (${la} vs ${lb})`);
  if (!sameScale(acc.scale, b.scale)) throw new RangeError(`addInPlace: scales differ (${acc.scale} vs ${b.scale})`);
  ctx.evaluator.add(acc, b, acc);
}

function combinePlain(ctx: CkksContext, ct: CipherText, values: ArrayLike<number>, op: Op): CipherText {
  const level = ctx.check(ct);
  const plain = encode(ctx, values, { level, scale: ct.scale });
  try {
    return (op === 'add' ? ctx.evaluator.addPlain(ct, plain) : ctx.evaluator.subPlain(ct, plain)) as CipherText;
  } finally {
    plain.delete();
  }
}

/** ct + values, slot-wise (values zero-padded). */
export function addPlain(ctx: CkksContext, ct: CipherText, values: ArrayLike<number>): CipherText {
  return combinePlain(ctx, ct, values, 'add');
}

/** ct − values, slot-wise. */
export function subPlain(ctx: CkksContext, ct: CipherText, values: ArrayLike<number>): CipherText {
  return combinePlain(ctx, ct, values, 'sub');
}
