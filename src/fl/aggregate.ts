/** Weighted means: FedAvg's average of updates and of the metrics sites report. */
import { Metrics } from './strategy';

function checkWeightsOfMean(count: number, weights: readonly number[]): number {
  if (count === 0) throw new RangeError('a weighted mean of nothing');
  if (weights.length !== count) throw new RangeError(`${count} items but ${weights.length} weights`);
  if (!weights.every((w) => Number.isFinite(w) && w > 0)) throw new RangeError(`weights must be positive, got [${weights}]`);
  return weights.reduce((a, b) => a + b, 0);
}

/**
 * Σ_k w_k·u_k / Σ_k w_k, tensor by tensor, accumulated in float64 so the result does not
 * depend on the order of the sites beyond the last float32 rounding.
 */
export function weightedMean(updates: readonly (readonly Float32Array[])[], weights: readonly number[]): Float32Array[] {
  const total = checkWeightsOfMean(updates.length, weights);
  return updates[0].map((first, t) => {
    const acc = new Float64Array(first.length);
    updates.forEach((u, k) => {
      const x = u[t];
      if (x.length !== acc.length) throw new RangeError(`update ${k}, tensor ${t}: ${x.length} values, expected ${acc.length}`);
      const w = weights[k] / total;
      for (let i = 0; i < acc.length; i++) acc[i] += w * x[i];
    });
    return Float32Array.from(acc);
  });
}

/** Each metric's mean weighted by example counts, over the results that report it; plus num_examples. */
export function weightedMetrics(results: readonly { numExamples: number; metrics: Metrics }[]): Metrics {
  const sums = new Map<string, { s: number; n: number }>();
  for (const r of results) {
    for (const [k, v] of Object.entries(r.metrics)) {
      const e = sums.get(k) ?? { s: 0, n: 0 };
      e.s += r.numExamples * v;
      e.n += r.numExamples;
      sums.set(k, e);
    }
  }
  const out: Metrics = { num_examples: results.reduce((n, r) => n + r.numExamples, 0) };
  for (const [k, { s, n }] of sums) if (n > 0) out[k] = s / n;
  return out;
}
