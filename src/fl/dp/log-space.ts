/**
 * Arithmetic on numbers held as their natural logarithms, and log erfc, for the RDP
 * accountant. The moments of the sampled Gaussian mechanism reach e^±1000 at large orders,
 * far outside a double's range, so every sum is formed in log space; 0 is -Infinity.
 */

/** log(e^a + e^b). */
export function logAdd(a: number, b: number): number {
  const lo = Math.min(a, b),
    hi = Math.max(a, b);
  if (lo === -Infinity) return hi;
  return hi + Math.log1p(Math.exp(lo - hi));
}

/** log(e^a − e^b) for a ≥ b; throws when the difference would be negative. */
export function logSub(a: number, b: number): number {
  if (a < b) throw new RangeError(`log-space subtraction would be negative (${a} < ${b})`);
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  const d = Math.expm1(a - b);
  // e^(a−b) overflows only when b is negligible next to a.
  return Number.isFinite(d) ? Math.log(d) + b : a;
}

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/**
 * log erfc(x), accurate in relative terms for all x (about 1e-14), including far in the
 * tail where erfc itself underflows (x ≳ 27): there it is −x² + log(erfcx(x)).
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return -Infinity;
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)));
  // Below 1.5, 1 − erf(x) costs at most 1.5 digits (erfc(1.5) ≈ 0.034); above, the
  // continued fraction converges in a few dozen terms.
  if (x < 1.5) return Math.log1p(-erfSeries(x));
  return -x * x + Math.log(erfcxContinuedFraction(x));
}

/**
 * erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): every term positive, so no
 * cancellation (unlike the alternating Maclaurin series).
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x,
    sum = x;
  for (let n = 0; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 3);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

/**
 * erfcx(x) = e^(x²) erfc(x) for x ≥ 1.5 from Laplace's continued fraction in its even form,
 *   erfc(x) = (2x e^(−x²)/√π) / (2x²+1 − 1·2/(2x²+5 − 3·4/(2x²+9 − …))),
 * evaluated by the modified Lentz method.
 */
function erfcxContinuedFraction(x: number): number {
  const tiny = 1e-300;
  const b0 = 2 * x * x + 1;
  let f = b0,
    c = b0,
    d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = -(2 * n - 1) * (2 * n);
    const b = b0 + 4 * n;
    d = b + a * d;
    if (d === 0) d = tiny;
    c = b + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(Math.log(2 * x) - LOG_SQRT_PI) / f;
}
