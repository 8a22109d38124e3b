/**
 * The Clopper–Pearson ("exact") confidence interval of a binomial proportion, and the pieces
 * it needs: log Γ, the regularized incomplete beta function I_x(a, b) and its inverse.
 *
 *   lower = B⁻¹(α/2; k, n − k + 1),   upper = B⁻¹(1 − α/2; k + 1, n − k)
 *
 * for k successes in n trials at confidence 1 − α (lower = 0 when k = 0, upper = 1 when
 * k = n) — statsmodels' proportion_confint(method='beta'), which Jagielski et al. 2020 use.
 */

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log Γ(x) for x > 0: Stirling's series after shifting x above 15 with Γ(x) = Γ(x+1)/x
 * (the first omitted term, 1/(1188 x⁹), is then below 2e-14).
 */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma needs a finite x > 0, got ${x}`);
  let shift = 0;
  while (x < 15) {
    shift += Math.log(x);
    x += 1;
  }
  const r = 1 / x;
  const r2 = r * r;
  const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series - shift;
}

/**
 * The continued fraction of I_x(a, b) (Abramowitz & Stegun 26.5.8), evaluated by the
 * modified Lentz method; it converges fast for x < (a + 1)/(a + b + 2).
 */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m < 100000; m++) {
    // Even step, then odd step, of the fraction's coefficients.
    for (const coef of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + coef * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + coef / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) return f;
  }
  throw new Error(`incomplete beta continued fraction did not converge (a=${a}, b=${b}, x=${x})`);
}

/** The regularized incomplete beta function I_x(a, b) = P(Beta(a, b) ≤ x), for a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta needs a, b > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs x in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  // Use the fraction where it converges; the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) elsewhere.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** The p-quantile of Beta(a, b): bisection on I_x(a, b), which is increasing in x, to double precision. */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`a quantile needs p in [0, 1], got ${p}`);
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < 200 && hi - lo > 1e-15 * Math.max(lo, 1e-300); it++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (regularizedIncompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export interface ProportionInterval {
  lower: number;
  upper: number;
}

/** The two-sided Clopper–Pearson interval for k successes in n trials at `confidence` (default 0.95). */
export function clopperPearson(k: number, n: number, confidence = 0.95): ProportionInterval {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`trials must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`successes must be an integer in [0, ${n}], got ${k}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const alpha = 1 - confidence;
  return {
    lower: k === 0 ? 0 : betaQuantile(alpha / 2, k, n - k + 1),
    upper: k === n ? 1 : betaQuantile(1 - alpha / 2, k + 1, n - k),
  };
}
