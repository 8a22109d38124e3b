/**
 * Plain matrix × encrypted vector by the diagonal method (Halevi–Shoup) with baby-step/giant-step
 * rotations. The vector x (length d, a power of two) is stored replicated with period d over all
 * slots, so a rotation by i reads x[(j + i) mod d] in slot j. Then
 *   y = Σ_i diag_i ⊙ rot(x, i),   diag_i[j] = M[j][(j + i) mod d],
 * and with i = g·n1 + b (n1 ≈ √d baby steps):
 *   y = Σ_g rot( Σ_b rot(diag_{g·n1+b}, −g·n1) ⊙ rot(x, b), g·n1 ),
 * which needs n1 − 1 baby and d/n1 − 1 giant rotation keys instead of d − 1. The result is again
 * replicated with period d, so products chain. An m × k matrix (m, k ≤ d) is zero-padded to d × d.
 * Depth 1: all products are summed before one rescale; the result keeps x's scale.
 *
 * Batched layout (several inputs per ciphertext): each input takes a block of 2d slots holding it
 * twice, [x, x], so slots/(2d) inputs share a ciphertext. Within a block, a rotation by i < d still
 * reads x[(t + i) mod d] at offsets t < d, which is all the diagonal method needs there; the
 * diagonals are zeroed at offsets ≥ d (the products there read the next block), and one rotation
 * by −d after the rescale copies the result into the second half: the output is again [y, y] per
 * block, so layers chain as in the replicated layout, at no extra level.
 */
import type { CkksContext } from './context';
import type { CipherText } from './seal';
import type { CkksEvaluationKeys } from './keys';
import { encode } from './encoder';
import { plainScaleFor } from './levels';
import { rotate } from './rotate';
import { isPowerOfTwo } from './rotate-and-sum';

/** Baby-step count for dimension d: the power of two nearest √d. */
export function babySteps(d: number): number {
  return 2 ** Math.ceil(Math.log2(d) / 2);
}

/** 'replicated': one input, repeated over all slots; 'batched': blocks of 2d slots, one input each. */
export type MatrixVectorLayout = 'replicated' | 'batched';

/** Galois steps matrixVector needs for dimension d. */
export function matrixVectorSteps(d: number, layout: MatrixVectorLayout = 'replicated'): number[] {
  const n1 = babySteps(d);
  const steps: number[] = [];
  for (let b = 1; b < n1 && b < d; b++) steps.push(b);
  for (let g = n1; g < d; g += n1) steps.push(g);
  if (layout === 'batched') steps.push(-d);
  return steps;
}

/** Inputs of period d one ciphertext of `slots` slots holds in the layout. */
export function inputsPerCiphertext(d: number, slots: number, layout: MatrixVectorLayout): number {
  if (!isPowerOfTwo(d) || d > slots) throw new RangeError(`period must be a power of two ≤ ${slots}, got ${d}`);
  if (layout === 'replicated') return 1;
  if (layout !== 'batched') throw new RangeError(`layout must be "replicated" or "batched", got ${String(layout)}`);
  if (2 * d > slots) throw new RangeError(`the batched layout needs 2 × period ≤ ${slots} slots, got period ${d}`);
  return slots / (2 * d);
}

/** Vectors (each of length ≤ d) in the batched layout: vector k twice in slots [2dk, 2dk + 2d). */
export function packBatch(xs: readonly ArrayLike<number>[], d: number, slots: number): Float64Array {
  const per = inputsPerCiphertext(d, slots, 'batched');
  if (xs.length > per) throw new RangeError(`${xs.length} vectors of period ${d} do not fit ${slots} slots (at most ${per})`);
  const out = new Float64Array(slots);
  xs.forEach((x, k) => {
    if (x.length > d) throw new RangeError(`vector ${k} of length ${x.length} does not fit period ${d}`);
    for (let t = 0; t < x.length; t++) out[2 * d * k + t] = out[2 * d * k + d + t] = x[t];
  });
  return out;
}

/** The first `length` values of each of the first `count` vectors of a batched-layout vector. */
export function unpackBatch(values: ArrayLike<number>, d: number, count: number, length = d): number[][] {
  return Array.from({ length: count }, (_, k) => Array.from({ length }, (_, t) => values[2 * d * k + t]));
}

/** x (length ≤ d) replicated with period d over `slots` slots: the layout matrixVector expects. */
export function replicate(x: ArrayLike<number>, d: number, slots: number): Float64Array {
  if (!isPowerOfTwo(d) || d > slots) throw new RangeError(`period must be a power of two ≤ ${slots}, got ${d}`);
  if (x.length > d) throw new RangeError(`vector of length ${x.length} does not fit period ${d}`);
  const out = new Float64Array(slots);
  for (let j = 0; j < slots; j++) out[j] = j % d < x.length ? x[j % d] : 0;
  return out;
}

/** The padded dimension for an m × k matrix: the next power of two ≥ max(m, k). */
export function matrixDimension(matrix: ArrayLike<ArrayLike<number>>): number {
  const m = matrix.length;
  if (m === 0) throw new RangeError('matrix has no rows');
  let k = 0;
  for (let r = 0; r < m; r++) {
    if (!matrix[r] || typeof matrix[r].length !== 'number') throw new TypeError(`matrix row ${r} is not an array`);
    k = Math.max(k, matrix[r].length);
  }
  return 2 ** Math.ceil(Math.log2(Math.max(m, k, 1)));
}

/**
 * M x for a clear matrix M and an encrypted x replicated with period d = matrixDimension(M), or
 * `period` when given (≥ that; a chain of layers uses one period for all).
 */
export function matrixVector(
  ctx: CkksContext,
  matrix: ArrayLike<ArrayLike<number>>,
  x: CipherText,
  keys: Pick<CkksEvaluationKeys, 'galoisKeys' | 'galoisSteps'>,
  period?: number,
  layout: MatrixVectorLayout = 'replicated',
): CipherText {
  const level = ctx.check(x);
  if (level < 1) throw new RangeError('matrixVector: ciphertext is at level 0, no multiplicative depth left');
  const own = matrixDimension(matrix);
  if (period !== undefined && (!isPowerOfTwo(period) || period < own))
    throw new RangeError(`period must be a power of two ≥ ${own} (the matrix's), got ${period}`);
  const d = period ?? own;
  if (d > ctx.slotCount) throw new RangeError(`matrix dimension ${d} exceeds the ${ctx.slotCount} slots`);
  inputsPerCiphertext(d, ctx.slotCount, layout);
  // Batched: slot j belongs to a block of 2d and only offsets < d carry products.
  const block = layout === 'batched' ? 2 * d : ctx.slotCount;
  const valid = layout === 'batched' ? d : block;
  const entry = (r: number, c: number): number => {
    const row = matrix[r];
    const v = row && c < row.length ? row[c] : 0;
    if (!Number.isFinite(v)) throw new RangeError(`matrix[${r}][${c}] is not a finite number: ${v}`);
    return v;
  };
  const n1 = babySteps(d);
  // Plaintexts at the steering scale qℓ: the summed products rescale back to x's scale.
  const plainScale = plainScaleFor(ctx, level, x.scale, x.scale);
  const baby: CipherText[] = [];
  let result: CipherText | undefined;
  try {
    for (let b = 0; b < n1 && b < d; b++) baby.push(rotate(ctx, x, b, keys));
    for (let g = 0; g < d; g += n1) {
      let inner: CipherText | undefined;
      try {
        for (let b = 0; b < n1 && g + b < d; b++) {
          const i = g + b;
          // rot(diag_i, −g)[j] = diag_i[j − g] = M[j − g][(j − g + i) mod d], replicated.
          const diag = new Float64Array(ctx.slotCount);
          let nonzero = false;
          for (let j = 0; j < ctx.slotCount; j++) {
            if ((((j - g) % block) + block) % block >= valid) continue;
            const row = (((j - g) % d) + d) % d;
            const v = entry(row, (row + i) % d);
            diag[j] = v;
            if (v !== 0) nonzero = true;
          }
          if (!nonzero) continue;
          const plain = encode(ctx, diag, { level, scale: plainScale });
          try {
            const term = ctx.evaluator.multiplyPlain(baby[b], plain) as CipherText;
            if (inner) {
              ctx.evaluator.add(inner, term, inner);
              term.delete();
            } else inner = term;
          } finally {
            plain.delete();
          }
        }
        if (!inner) continue;
        const moved = g === 0 ? inner : rotate(ctx, inner, g, keys);
        if (moved !== inner) inner.delete();
        inner = undefined;
        if (result) {
          ctx.evaluator.add(result, moved, result);
          moved.delete();
        } else result = moved;
      } finally {
        inner?.delete();
      }
    }
    if (!result) throw new RangeError('matrix is all zeros: the product is the zero vector (encrypt it directly)');
    ctx.evaluator.rescaleToNext(result, result);
    if (layout === 'batched') {
      const copy = rotate(ctx, result, -d, keys);
      ctx.evaluator.add(result, copy, result);
      copy.delete();
    }
    return result;
  } catch (e) {
    result?.delete();
    throw e;
  } finally {
    for (const c of baby) c.delete();
  }
}
