/**
 * Predicted error of table reads: the probability that noise moves a read to a position
 * whose table value differs from the noise-free read's. Because each table is a step
 * function of the accumulator, only reads near a step can go wrong, and then by one step;
 * the probability depends on where the accumulator lands, so it is averaged over the
 * accumulators the input set actually produces.
 *
 * The read is round(x + σ·z) with x the exact real position and σ the continuous noise
 * (positions.ts, noise.ts) — the same model simulation draws from.
 */
import { normalTail } from '../core/noise_model';
import { levelAt } from './positions';

/** P(the reads of `tables` at position x differ from the noise-free ones), noise std σ positions. */
export function readErrorProbability(tables: readonly Int32Array[], x: number, sigma: number): number {
  if (!(sigma > 0)) return 0;
  const n2 = 2 * tables[0].length;
  const wrap = (t: number): number => ((t % n2) + n2) % n2;
  const t0 = wrap(Math.floor(x + 0.5));
  const base = tables.map((tb) => levelAt(tb, t0));
  const reach = Math.ceil(8.5 * sigma) + 1;
  const centre = Math.floor(x + 0.5);
  let p = 0;
  for (let t = centre - reach; t <= centre + reach; t++) {
    const tt = wrap(t);
    if (tables.every((tb, i) => levelAt(tb, tt) === base[i])) continue;
    // P(round(x + σz) = t) = P(t − 1/2 ≤ x + σz < t + 1/2)
    p += normalTail((t - 0.5 - x) / sigma) - normalTail((t + 0.5 - x) / sigma);
  }
  return Math.min(1, Math.max(0, p));
}

/**
 * Mean read error of one neuron over observed accumulator values, with its position map
 * x(acc) = u·acc + c. Values repeat a lot, so each distinct one is evaluated once.
 */
export function meanReadError(tables: readonly Int32Array[], accs: ArrayLike<number>, positionsPerValue: number, centre: number, sigma: number, out?: Float64Array): number {
  const cache = new Map<number, number>();
  let sum = 0;
  for (let s = 0; s < accs.length; s++) {
    const a = accs[s];
    let p = cache.get(a);
    if (p === undefined) {
      p = readErrorProbability(tables, positionsPerValue * a + centre, sigma);
      cache.set(a, p);
    }
    if (out) out[s] = p;
    sum += p;
  }
  return accs.length ? sum / accs.length : 0;
}
