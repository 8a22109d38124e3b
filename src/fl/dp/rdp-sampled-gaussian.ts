/**
 * Rényi differential privacy of the sampled Gaussian mechanism (SGM): each example joins a
 * step's batch independently with probability q (Poisson sampling), the batch's sum of
 * L2-clipped contributions gets Gaussian noise of standard deviation σ·C. Its RDP at order α
 * is log(A_α)/(α−1), with A_α the α-th moment of the ratio of the two mixtures
 * (Mironov, Talwar & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism", Section 3.3). Integer orders use the finite binomial sum, fractional orders
 * the two convergent series split at z0, both in log space as TF Privacy and Opacus do
 * (opacus/accountants/analysis/rdp.py). Composition over steps is additive.
 */
import { logAdd, logErfc, logSub } from './log-space';

/**
 * Opacus's default orders (RDPAccountant.DEFAULT_ALPHAS): 1.1, 1.2, …, 10.9, then 12 … 63.
 * Formed as 1 + x/10 so the values are the same doubles as Python's.
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
]);

/** Sampling rate q ∈ (0, 1]. */
export function checkSampleRate(q: number): void {
  if (!(q > 0 && q <= 1)) throw new RangeError(`sample rate must be in (0, 1], got ${q}`);
}

/** Noise multiplier σ > 0 (finite). */
export function checkNoiseMultiplier(sigma: number): void {
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new RangeError(`noise multiplier must be a finite number > 0, got ${sigma}`);
}

/** An RDP order α > 1 (Infinity allowed: it gives an infinite bound unless nothing is released). */
export function checkOrder(alpha: number): void {
  if (!(alpha > 1)) throw new RangeError(`RDP order must be > 1, got ${alpha}`);
}

/** A step count: a positive integer. */
export function checkSteps(steps: number): void {
  if (!(Number.isSafeInteger(steps) && steps > 0)) throw new RangeError(`steps must be a positive integer, got ${steps}`);
}

/** The series below take about α terms; beyond this order a call would stall rather than help. */
export const MAX_SERIES_ORDER = 100000;

/** RDP of one step of the SGM at order α (nats). */
export function sampledGaussianRdp(q: number, sigma: number, alpha: number): number {
  checkSampleRate(q);
  checkNoiseMultiplier(sigma);
  checkOrder(alpha);
  // Without sampling it is the plain Gaussian mechanism: α / (2σ²).
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (alpha === Infinity) return Infinity;
  if (alpha > MAX_SERIES_ORDER) throw new RangeError(`RDP order ${alpha} is too large for the series (at most ${MAX_SERIES_ORDER}; it sums about α terms)`);
  const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
  // A Rényi divergence is ≥ 0. With weak privacy loss (large σ) A_α is 1 + 1e-10 or less, and
  // the series, exact in A only to about 1e-13 absolute, can land a hair below 1, which is
  // round-off, not a negative divergence.
  return Math.max(0, logA / (alpha - 1));
}

/** RDP of `steps` steps of the SGM at each order. */
export function sampledGaussianRdpOrders(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): number[] {
  checkSteps(steps);
  return orders.map((alpha) => steps * sampledGaussianRdp(q, sigma, alpha));
}

/**
 * Binomial coefficients C(α, 0), C(α, 1), … for real α, as sign and log magnitude. Each comes
 * from the last by the ratio (α−i)/(i+1); the mantissa is renormalised into the log so
 * neither large orders (C(1000, 500) ≈ 1e299) nor the slowly decaying tail overflow.
 */
class BinomialSequence {
  private i = 0;
  private mantissa = 1;
  private logScale = 0;

  constructor(private readonly alpha: number) {}

  get sign(): number {
    return Math.sign(this.mantissa);
  }

  get logAbs(): number {
    return this.logScale + Math.log(Math.abs(this.mantissa));
  }

  next(): void {
    this.mantissa *= (this.alpha - this.i) / (this.i + 1);
    this.i++;
    const m = Math.abs(this.mantissa);
    if (m > 1e200 || (m < 1e-200 && m > 0)) {
      this.logScale += Math.log(m);
      this.mantissa = Math.sign(this.mantissa);
    }
  }
}

/**
 * Integer α: A_α = Σ_{i=0..α} C(α,i) q^i (1−q)^(α−i) exp((i²−i)/(2σ²)).
 */
function logAInteger(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q),
    log1mQ = Math.log1p(-q),
    twoVar = 2 * sigma * sigma;
  const binom = new BinomialSequence(alpha);
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++, binom.next()) {
    logA = logAdd(logA, binom.logAbs + i * logQ + (alpha - i) * log1mQ + (i * i - i) / twoVar);
  }
  return logA;
}

/**
 * Fractional α: the integral defining A_α split at z0 = σ² log(1/q − 1) + ½, where the two
 * mixture components' ratio crosses 1; on each side the binomial series in q converges, its
 * i-th term being a Gaussian moment over a half line (hence the erfc factors). Terms of
 * C(α, i) change sign once i > α, so the partial sums subtract in log space. Summation stops
 * once both new terms are below e^−30 relative to 1, Opacus's criterion.
 */
function logAFractional(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q),
    log1mQ = Math.log1p(-q),
    twoVar = 2 * sigma * sigma;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const sqrt2Sigma = Math.SQRT2 * sigma;
  const binom = new BinomialSequence(alpha);
  let logA0 = -Infinity,
    logA1 = -Infinity;
  for (let i = 0; ; i++, binom.next()) {
    const j = alpha - i;
    const logCoef = binom.logAbs;
    const logS0 = logCoef + i * logQ + j * log1mQ + (i * i - i) / twoVar + Math.log(0.5) + logErfc((i - z0) / sqrt2Sigma);
    const logS1 = logCoef + j * logQ + i * log1mQ + (j * j - j) / twoVar + Math.log(0.5) + logErfc((z0 - j) / sqrt2Sigma);
    if (binom.sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}
