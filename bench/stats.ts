/** Small statistics for benchmarks. */
export { median, percentile } from '../src/util/stats';

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
