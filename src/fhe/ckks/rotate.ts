/**
 * Slot rotation: rotate(ct, k)[j] = ct[(j + k) mod slots] (k > 0 moves values towards slot 0).
 * Needs a Galois key for k, or SEAL composes k from the power-of-two keys present.
 */
import type { CkksContext } from './context';
import type { CipherText } from './seal';
import type { CkksEvaluationKeys } from './keys';

export function rotate(ctx: CkksContext, ct: CipherText, steps: number, keys: Pick<CkksEvaluationKeys, 'galoisKeys' | 'galoisSteps'>): CipherText {
  ctx.check(ct);
  if (!Number.isInteger(steps) || Math.abs(steps) >= ctx.slotCount)
    throw new RangeError(`rotation steps must be an integer with |steps| < ${ctx.slotCount}, got ${steps}`);
  if (steps === 0) return ct.clone();
  if (!keys.galoisKeys) throw new RangeError(`rotation by ${steps} needs Galois keys; none were generated`);
  try {
    return ctx.evaluator.rotateVector(ct, steps, keys.galoisKeys) as CipherText;
  } catch (e) {
    throw new RangeError(`rotation by ${steps} failed (Galois keys for steps ${keys.galoisSteps.join(', ')}): ${(e as Error).message}`);
  }
}
