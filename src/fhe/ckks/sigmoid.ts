/**
 * Polynomial stand-ins for the sigmoid, which CKKS cannot evaluate exactly. TenSEAL's tutorial
 * uses the least-squares cubic of Chen et al. (eprint 2018/462, §3.2) on [−5, 5]:
 *   σ(x) ≈ 0.5 + 0.197 x − 0.004 x³   (depth 2).
 * It peaks at x ≈ ±4.05 (p = 1.03 / −0.03) and turns back outside: p(−8) ≈ 0.97, p(8) ≈ 0.03, so
 * the inputs must stay in range: standardized features and small weights (TenSEAL's weight decay).
 */
import { evaluatePlain } from './polynomial';

/** Coefficients, index = power of x. */
export const TENSEAL_SIGMOID: readonly number[] = Object.freeze([0.5, 0.197, 0, -0.004]);
/** The interval the approximation is made for. */
export const TENSEAL_SIGMOID_RANGE: readonly [number, number] = Object.freeze([-5, 5]) as unknown as [number, number];

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Largest |p(x) − σ(x)| on [lo, hi], on a grid of `points` points (ends included), and where. */
export function approximationError(coefficients: readonly number[], lo: number, hi: number, points = 100001): { maxError: number; at: number } {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new RangeError(`need a finite interval lo < hi, got [${lo}, ${hi}]`);
  if (!Number.isInteger(points) || points < 2) throw new RangeError(`points must be an integer ≥ 2, got ${points}`);
  let maxError = 0;
  let at = lo;
  for (let i = 0; i < points; i++) {
    const x = lo + ((hi - lo) * i) / (points - 1);
    const e = Math.abs(evaluatePlain(coefficients, x) - sigmoid(x));
    if (e > maxError) {
      maxError = e;
      at = x;
    }
  }
  return { maxError, at };
}
