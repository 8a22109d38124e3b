/**
 * Packed dot products. Both operands hold vectors in blocks of `blockSize` consecutive slots (a
 * power of two; slots / blockSize vectors per ciphertext); the result holds ⟨a_i, b_i⟩ in the
 * first slot of block i. The other slots of a block hold partial sums (garbage for the caller,
 * who masks or ignores them). Depth 1 (the product), then log2(blockSize) rotations.
 */
import type { CkksContext } from './context';
import type { CipherText, RelinKeys } from './seal';
import type { CkksEvaluationKeys } from './keys';
import { multiply, multiplyPlain, type MultiplyPlainOptions } from './multiply';
import { rotateAndSum, rotateAndSumSteps, isPowerOfTwo } from './rotate-and-sum';

function checkBlock(ctx: CkksContext, blockSize: number): void {
  if (!isPowerOfTwo(blockSize) || blockSize > ctx.slotCount) throw new RangeError(`blockSize must be a power of two ≤ ${ctx.slotCount}, got ${blockSize}`);
}

/** Galois steps a dot product over blocks of `blockSize` needs. */
export function dotProductSteps(blockSize: number): number[] {
  return rotateAndSumSteps(1, blockSize);
}

/** Block-wise ⟨a, b⟩ of two ciphertexts. */
export function dotProduct(ctx: CkksContext, a: CipherText, b: CipherText, blockSize: number, keys: CkksEvaluationKeys & { relinKeys: RelinKeys }): CipherText {
  checkBlock(ctx, blockSize);
  const product = multiply(ctx, a, b, keys.relinKeys);
  try {
    return rotateAndSum(ctx, product, 1, blockSize, keys);
  } finally {
    product.delete();
  }
}

/** Block-wise ⟨a, values⟩ with a plaintext vector (e.g. clear weights replicated per block). */
export function dotProductPlain(
  ctx: CkksContext,
  a: CipherText,
  values: ArrayLike<number>,
  blockSize: number,
  keys: Pick<CkksEvaluationKeys, 'galoisKeys' | 'galoisSteps'>,
  options: MultiplyPlainOptions = {},
): CipherText {
  checkBlock(ctx, blockSize);
  const product = multiplyPlain(ctx, a, values, options);
  try {
    return rotateAndSum(ctx, product, 1, blockSize, keys);
  } finally {
    product.delete();
  }
}
