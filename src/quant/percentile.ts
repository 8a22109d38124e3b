/**
 * Nearest-rank percentile ranges by selection (Hoare's quickselect, O(n) on average),
 * not sorting: QAT takes one every training step for every layer's activations.
 */

/** Rearranges `a` so that a[k] holds the value of rank k (0-based); returns it. */
export function selectRank(a: Float32Array | Float64Array, k: number): number {
  if (!(k >= 0 && k < a.length && Number.isInteger(k))) throw new RangeError(`rank ${k} outside 0..${a.length - 1}`);
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot: sorted or constant inputs stay linear.
    const mid = (lo + hi) >>> 1;
    const pivot = Math.max(Math.min(a[lo], a[mid]), Math.min(Math.max(a[lo], a[mid]), a[hi]));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/**
 * The p-th and (100 − p)-th percentiles of `values` (nearest rank: values actually
 * seen, numpy's 'lower'/'higher' pair). `scratch`, when given and large enough, is
 * used instead of a fresh copy. NaN is rejected.
 */
export function percentileRange(values: ArrayLike<number>, percentile: number, scratch?: Float32Array): { min: number; max: number } {
  if (!(percentile > 50 && percentile <= 100)) throw new RangeError(`percentile must be in (50, 100], got ${percentile}`);
  const n = values.length;
  if (n === 0) throw new RangeError('percentile of no values');
  const a = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) throw new RangeError('percentile of NaN');
    a[i] = v;
  }
  const hiIdx = Math.min(n - 1, Math.ceil((percentile / 100) * n) - 1);
  const loIdx = Math.max(0, n - 1 - hiIdx);
  const max = selectRank(a, hiIdx);
  // A second selection over the rearranged array: still linear on average.
  const min = selectRank(a, loIdx);
  return { min, max };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * At most about `maxCount` values of a row-major [rows × cols] array, every s-th with s
 * coprime to `cols`, so that every column (neuron) is sampled, not every s-th one.
 * Returns `values` itself when it is small enough. The sample (never more than
 * `maxCount` values) is written to `out` when it is large enough.
 */
export function stridedSample(values: Float32Array, cols: number, maxCount: number, out?: Float32Array): Float32Array {
  if (values.length <= maxCount) return values;
  let s = Math.ceil(values.length / maxCount);
  while (gcd(s, cols) !== 1) s++;
  const n = Math.ceil(values.length / s);
  const dst = out && out.length >= n ? out.subarray(0, n) : new Float32Array(n);
  for (let i = 0, j = 0; i < values.length; i += s, j++) dst[j] = values[i];
  return dst;
}
