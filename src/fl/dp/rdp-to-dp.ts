/**
 * From RDP to (ε, δ)-DP. A mechanism that is (α, r)-RDP is (ε, δ)-DP with
 *   ε = r + log((α−1)/α) − (log δ + log α)/(α − 1)
 * (Balle, Barthe, Gaboardi, Hsu & Sato 2020, "Hypothesis testing interpretations and Rényi
 * differential privacy", Theorem 21 of arXiv:1905.09982) — tighter than Mironov's
 * r + log(1/δ)/(α−1). The bound holds at every order, so the best is the minimum over the
 * orders tracked, as Opacus's get_privacy_spent takes it.
 */
import { checkOrder } from './rdp-sampled-gaussian';

export interface PrivacySpent {
  /** The smallest ε over the orders (∞ when every order's RDP is infinite). */
  epsilon: number;
  /** The order attaining it (NaN when ε is ∞). */
  order: number;
}

/** δ ∈ (0, 1). */
export function checkDelta(delta: number): void {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
}

/** ε at one order; +∞ when the RDP is. */
export function epsilonAtOrder(rdp: number, alpha: number, delta: number): number {
  if (rdp === Infinity) return Infinity;
  return rdp + Math.log1p(-1 / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
}

/**
 * The best (ε, δ) guarantee from RDP values at the given orders. ε is floored at 0: a
 * negative bound (possible for large δ) says no more than ε = 0 does.
 */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number): PrivacySpent {
  if (orders.length !== rdp.length) throw new RangeError(`${orders.length} orders but ${rdp.length} RDP values`);
  if (orders.length === 0) throw new RangeError('no RDP orders given');
  checkDelta(delta);
  let best: PrivacySpent = { epsilon: Infinity, order: NaN };
  orders.forEach((alpha, k) => {
    checkOrder(alpha);
    if (!(rdp[k] >= 0)) throw new RangeError(`RDP values must be ≥ 0, got ${rdp[k]} at order ${alpha}`);
    const eps = epsilonAtOrder(rdp[k], alpha, delta);
    if (eps < best.epsilon) best = { epsilon: eps, order: alpha };
  });
  return best.epsilon < 0 ? { epsilon: 0, order: best.order } : best;
}
