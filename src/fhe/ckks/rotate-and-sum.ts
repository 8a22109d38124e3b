/**
 * Rotate-and-add: out[j] = Σ_{k < count} ct[j + k·step] (indices mod slots), with log2(count)
 * rotations by step, 2·step, 4·step, …. This is the building block of packed dot products (sum
 * over a block of consecutive slots: step 1), of sums over rows packed with a stride (step =
 * stride), and of broadcasting a block's first slot over the block (step −1 on a vector that is
 * zero elsewhere in the block). No multiplication: no level used.
 */
import type { CkksContext } from './context';
import type { CipherText } from './seal';
import type { CkksEvaluationKeys } from './keys';
import { rotate } from './rotate';

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Galois steps rotateAndSum(·, step, count) uses. */
export function rotateAndSumSteps(step: number, count: number): number[] {
  const steps: number[] = [];
  for (let k = 1; k < count; k *= 2) steps.push(k * step);
  return steps;
}

export function rotateAndSum(
  ctx: CkksContext,
  ct: CipherText,
  step: number,
  count: number,
  keys: Pick<CkksEvaluationKeys, 'galoisKeys' | 'galoisSteps'>,
): CipherText {
  if (!isPowerOfTwo(count)) throw new RangeError(`count must be a power of two, got ${count}`);
  if (!Number.isInteger(step) || step === 0 || Math.abs(step) * count > ctx.slotCount)
    throw new RangeError(`step must be a non-zero integer with |step| × count ≤ ${ctx.slotCount}, got step ${step}, count ${count}`);
  const acc = ct.clone();
  try {
    for (const s of rotateAndSumSteps(step, count)) {
      const r = rotate(ctx, acc, s, keys);
      ctx.evaluator.add(acc, r, acc);
      r.delete();
    }
    return acc;
  } catch (e) {
    acc.delete();
    throw e;
  }
}
