/**
 * Evaluation of a real polynomial p(x) = Σ c_k x^k on every slot, at the least depth a product of
 * k factors and one constant allows: ⌈log2(d + 1)⌉ for degree d (2 for TenSEAL's cubic sigmoid).
 *
 * Each term c_k·x^k is built as (c_k·x^r)·x^P, with P the largest power of two below k (P = k/2
 * when k is a power of two) and x^P from repeated squaring, recursing down to the leaf c_k·x (a
 * plaintext product). Every term is steered to the same final level and the same exact scale (see
 * levels.ts): a term's inner factor is produced at the scale that makes its last product land on
 * the target, and the leaf's plaintext scale is chosen the same way, so the terms add without any
 * scale forcing. The constant c_0 is added as a plaintext at that level and scale.
 *
 * Precision: the result scale (default: the input's) is the lever. A small coefficient times x at
 * a scale near 2^21 keeps only a few significant bits before it meets x^P; a higher result scale
 * raises every intermediate scale with it. TenSEAL's cubic sigmoid at its parameters, inputs in
 * [−5, 5]: max error 0.09 – 0.11 with the result at the input scale 2^21, 7e-4 – 8e-4 at 2^30 (measured).
 */
import type { CkksContext } from './context';
import type { CipherText, RelinKeys } from './seal';
import { encodeConstant } from './encoder';
import { scaledTo, snapScale } from './levels';
import { multiply, square } from './multiply';
import { Scope } from './scope';

/** Multiplicative depth of evaluatePolynomial for a polynomial of degree `degree` ≥ 1. */
export function polynomialDepth(degree: number): number {
  if (!Number.isInteger(degree) || degree < 1) throw new RangeError(`degree must be an integer ≥ 1, got ${degree}`);
  return Math.ceil(Math.log2(degree + 1));
}

/** Degree of a coefficient list (index = power), ignoring trailing zeros. */
export function degreeOf(coefficients: readonly number[]): number {
  let d = coefficients.length - 1;
  while (d > 0 && coefficients[d] === 0) d--;
  return d;
}

/** p(x) in float64, Horner's rule (the reference the encrypted evaluation is tested against). */
export function evaluatePlain(coefficients: readonly number[], x: number): number {
  let y = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) y = y * x + coefficients[k];
  return y;
}

export interface PolynomialOptions {
  /** scale of the result (default: the input's scale) */
  resultScale?: number;
}

/** p(ct) slot-wise; the result is `polynomialDepth(degree)` levels below ct. Caller owns it. */
export function evaluatePolynomial(
  ctx: CkksContext,
  x: CipherText,
  coefficients: readonly number[],
  relinKeys: RelinKeys,
  options: PolynomialOptions = {},
): CipherText {
  if (!Array.isArray(coefficients) || coefficients.length === 0) throw new TypeError('coefficients must be a non-empty array (index = power of x)');
  coefficients.forEach((c, k) => {
    if (!Number.isFinite(c)) throw new RangeError(`coefficient ${k} is not a finite number: ${c}`);
  });
  const degree = degreeOf(coefficients);
  if (degree < 1) throw new RangeError('polynomial has degree 0: a constant needs no ciphertext');
  const depth = polynomialDepth(degree);
  const top = ctx.check(x);
  const target = top - depth;
  if (target < 0) throw new RangeError(`polynomial of degree ${degree} needs depth ${depth}; the ciphertext has ${top} level(s) left`);
  const scale = options.resultScale ?? x.scale;

  const scope = new Scope();
  try {
    // powers[j] = x^(2^j), each by squaring the previous one (level top − j).
    const powers: CipherText[] = [x];
    const power = (p: number): CipherText => {
      const j = Math.log2(p);
      while (powers.length <= j) powers.push(scope.track(square(ctx, powers[powers.length - 1], relinKeys)));
      return powers[j];
    };

    // c·x^k at exactly (level, s); the caller owns the result.
    const term = (c: number, k: number, level: number, s: number): CipherText => {
      if (k === 1) return scaledTo(ctx, x, c, level, s);
      const p = (k & (k - 1)) === 0 ? k / 2 : 2 ** Math.floor(Math.log2(k));
      const factor = power(p);
      const q = ctx.level(level + 1).rescalePrime;
      const inner = term(c, k - p, level + 1, (s * q) / factor.scale);
      try {
        const out = multiply(ctx, inner, factor, relinKeys);
        snapScale(out, s);
        return out;
      } finally {
        inner.delete();
      }
    };

    let sum: CipherText | undefined;
    for (let k = 1; k <= degree; k++) {
      if (coefficients[k] === 0) continue;
      const t = term(coefficients[k], k, target, scale);
      if (!sum) sum = scope.track(t);
      else {
        ctx.evaluator.add(sum, t, sum);
        t.delete();
      }
    }
    if (!sum) throw new Error('unreachable: degree ≥ 1 has a non-zero term');
    if (coefficients[0] !== 0) {
      const c0 = encodeConstant(ctx, coefficients[0], { level: target, scale: sum.scale });
      try {
        ctx.evaluator.addPlain(sum, c0, sum);
      } finally {
        c0.delete();
      }
    }
    return scope.release(sum);
  } finally {
    scope.dispose();
  }
}
