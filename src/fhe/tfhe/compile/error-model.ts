/**
 * Predicted error of table reads: the probability that noise moves a read to a position
 * whose table value differs from the noise-free read's. Because each table is a step
 * function of the accumulator, only reads near a step can go wrong, and then by one step;
 * the probability depends on where the accumulator lands, so it is averaged over the
 * accumulators the input set actually produces.
 *
 * The read is round(x + σ·z) with x the exact real position and σ the continuous noise
 * (positions.ts, noise.ts) — the same model simulation draws from. A neuron's tables are
 * kept as runs of equal values around the whole 2N-position circle (the second half
 * negated), so a read's error is a sum over the few runs within reach, not over positions.
 */
import { normalTail } from '../core/noise_model';
import { levelAt } from './positions';

/** The circle of 2N positions as runs [start, end] of equal values of all a neuron's tables. */
export class ReadRuns {
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  /** Runs with the same value tuple share an id. */
  private readonly id: Int32Array;
  readonly positions: number;

  constructor(tables: readonly Int32Array[]) {
    const n2 = 2 * tables[0].length;
    this.positions = n2;
    const ids = new Map<string, number>();
    const start: number[] = [];
    const end: number[] = [];
    const id: number[] = [];
    const changed = (t: number): boolean => tables.some((tb) => levelAt(tb, t) !== levelAt(tb, t - 1));
    for (let t = 0; t < n2; t++) {
      if (t === 0 || changed(t)) {
        const k = tables.map((tb) => levelAt(tb, t)).join(',');
        if (!ids.has(k)) ids.set(k, ids.size);
        start.push(t);
        end.push(t);
        id.push(ids.get(k) as number);
      } else end[end.length - 1] = t;
    }
    this.start = Int32Array.from(start);
    this.end = Int32Array.from(end);
    this.id = Int32Array.from(id);
  }

  /** Index of the run holding position t ∈ [0, 2N). */
  private runAt(t: number): number {
    let lo = 0;
    let hi = this.start.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.start[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** P(a read at real position x, noise σ, lands on a run with other values than round(x)'s). */
  errorProbability(x: number, sigma: number): number {
    if (!(sigma > 0)) return 0;
    const n2 = this.positions;
    const centre = Math.floor(x + 0.5);
    const base = this.id[this.runAt(((centre % n2) + n2) % n2)];
    const reach = Math.ceil(8.5 * sigma) + 1;
    const from = centre - reach;
    const to = centre + reach;
    let p = 0;
    // walk the runs covering [from, to] in unwrapped positions (the circle repeats every 2N)
    let t = from;
    while (t <= to) {
      const wrapped = ((t % n2) + n2) % n2;
      const r = this.runAt(wrapped);
      const runEnd = Math.min(to, t + (this.end[r] - wrapped));
      if (this.id[r] !== base) p += normalTail((t - 0.5 - x) / sigma) - normalTail((runEnd + 0.5 - x) / sigma);
      t = runEnd + 1;
    }
    return Math.min(1, Math.max(0, p));
  }
}

/** P(the reads of `tables` at position x differ from the noise-free ones), noise std σ positions. */
export function readErrorProbability(tables: readonly Int32Array[], x: number, sigma: number): number {
  return new ReadRuns(tables).errorProbability(x, sigma);
}

/**
 * Mean read error of one neuron over observed accumulator values, with its position map
 * x(acc) = u·acc + c. Values repeat a lot, so each distinct one is evaluated once.
 */
export function meanReadError(
  tables: readonly Int32Array[],
  accs: ArrayLike<number>,
  positionsPerValue: number,
  centre: number,
  sigma: number,
  out?: Float64Array,
): number {
  const runs = new ReadRuns(tables);
  const cache = new Map<number, number>();
  let sum = 0;
  for (let s = 0; s < accs.length; s++) {
    const a = accs[s];
    let p = cache.get(a);
    if (p === undefined) {
      p = runs.errorProbability(positionsPerValue * a + centre, sigma);
      cache.set(a, p);
    }
    if (out) out[s] = p;
    sum += p;
  }
  return accs.length ? sum / accs.length : 0;
}
