/**
 * The RDP accountant for DP-SGD and DP-FedAvg: a history of (noise multiplier σ, sampling
 * rate q, steps) runs of the sampled Gaussian mechanism, composed by adding RDP order by order
 * and converted to (ε, δ) at the best order — the shape of Opacus's RDPAccountant. The same
 * accounting covers example-level DP-SGD (q = expected batch / dataset size) and client-level
 * DP-FedAvg (q = sites sampled per round / sites, σ = noise std / clipping norm).
 */
import { DEFAULT_RDP_ORDERS, checkNoiseMultiplier, checkOrder, checkSampleRate, checkSteps, sampledGaussianRdpOrders } from './rdp-sampled-gaussian';
import { checkDelta, epsilonFromRdp, PrivacySpent } from './rdp-to-dp';

/** One step's mechanism: Gaussian noise of std σ·C on a sum of C-clipped terms, each term present with probability q. */
export interface SampledGaussianStep {
  noiseMultiplier: number;
  sampleRate: number;
}

export interface HistoryEntry extends SampledGaussianStep {
  steps: number;
}

export class RdpAccountant {
  private readonly entries: HistoryEntry[] = [];
  readonly orders: readonly number[];

  constructor(orders: readonly number[] = DEFAULT_RDP_ORDERS) {
    if (orders.length === 0) throw new RangeError('the accountant needs at least one RDP order');
    orders.forEach(checkOrder);
    this.orders = Object.freeze([...orders]);
  }

  /** Record `count` steps of the mechanism; consecutive steps with the same (σ, q) share one entry. */
  step({ noiseMultiplier, sampleRate }: SampledGaussianStep, count = 1): void {
    checkNoiseMultiplier(noiseMultiplier);
    checkSampleRate(sampleRate);
    checkSteps(count);
    const last = this.entries[this.entries.length - 1];
    if (last && last.noiseMultiplier === noiseMultiplier && last.sampleRate === sampleRate) last.steps += count;
    else this.entries.push({ noiseMultiplier, sampleRate, steps: count });
  }

  /** The runs recorded so far (copies). */
  get history(): HistoryEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** Total RDP at each of `orders` (all zeros before the first step). */
  rdp(): number[] {
    const total = this.orders.map(() => 0);
    for (const e of this.entries) {
      sampledGaussianRdpOrders(e.sampleRate, e.noiseMultiplier, e.steps, this.orders).forEach((r, k) => (total[k] += r));
    }
    return total;
  }

  /** The (ε, δ) guarantee spent so far, with the order that gives it. */
  getEpsilon(delta: number): PrivacySpent {
    checkDelta(delta);
    // Nothing released yet. (The conversion alone would report a small positive ε even for
    // zero RDP: it is a bound, loose at that end.)
    if (this.entries.length === 0) return { epsilon: 0, order: NaN };
    return epsilonFromRdp(this.orders, this.rdp(), delta);
  }
}

/** ε after `steps` steps of one (σ, q) mechanism. */
export function epsilonFor(options: SampledGaussianStep & { steps: number; delta: number; orders?: readonly number[] }): PrivacySpent {
  const accountant = new RdpAccountant(options.orders);
  accountant.step(options, options.steps);
  return accountant.getEpsilon(options.delta);
}

export interface NoiseMultiplierQuery {
  targetEpsilon: number;
  delta: number;
  sampleRate: number;
  steps: number;
  orders?: readonly number[];
  /** Stop once ε is within this of the target, from below (Opacus's default 0.01). */
  epsilonTolerance?: number;
}

/** Above this the budget is treated as unreachable (Opacus's MAX_SIGMA). */
const MAX_NOISE_MULTIPLIER = 1e6;

/**
 * The noise multiplier that spends at most `targetEpsilon` in `steps` steps, found as Opacus's
 * get_noise_multiplier finds it: double an upper bracket from σ = 10 until ε ≤ target, then
 * bisect, always keeping the upper end (whose ε is within budget) until its ε is within
 * `epsilonTolerance` of the target. The result never overspends.
 */
export function noiseMultiplierFor(query: NoiseMultiplierQuery): number {
  const { targetEpsilon, delta, sampleRate, steps, orders } = query;
  const tolerance = query.epsilonTolerance ?? 0.01;
  if (!(targetEpsilon > 0 && Number.isFinite(targetEpsilon))) throw new RangeError(`target epsilon must be a finite number > 0, got ${targetEpsilon}`);
  if (!(tolerance > 0)) throw new RangeError(`epsilon tolerance must be > 0, got ${tolerance}`);
  checkDelta(delta);
  checkSampleRate(sampleRate);
  checkSteps(steps);
  const eps = (sigma: number): number => epsilonFor({ noiseMultiplier: sigma, sampleRate, steps, delta, orders }).epsilon;
  // Even zero RDP converts to a positive ε (the bound's own cost at δ); no noise gets below it.
  const used = orders ?? DEFAULT_RDP_ORDERS;
  const floor = epsilonFromRdp(
    used,
    used.map(() => 0),
    delta,
  ).epsilon;
  if (targetEpsilon <= floor) {
    throw new RangeError(
      `target epsilon ${targetEpsilon} is unreachable: at delta ${delta} the RDP conversion gives at least ${floor.toPrecision(4)} over orders up to ${Math.max(...used)}, whatever the noise (larger orders lower that floor)`,
    );
  }

  let low = 0,
    high = 10,
    epsHigh = Infinity;
  while (epsHigh > targetEpsilon) {
    high *= 2;
    if (high > MAX_NOISE_MULTIPLIER)
      throw new RangeError(`target epsilon ${targetEpsilon} is unreachable: even noise multiplier ${MAX_NOISE_MULTIPLIER} spends more`);
    epsHigh = eps(high);
  }
  while (targetEpsilon - epsHigh > tolerance) {
    const mid = (low + high) / 2;
    const epsMid = eps(mid);
    if (epsMid < targetEpsilon) {
      high = mid;
      epsHigh = epsMid;
    } else {
      low = mid;
    }
  }
  return high;
}
