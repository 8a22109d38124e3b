/**
 * A row-major matrix as the non-zero entries of each row (compressed sparse rows). The
 * integer layers are mostly zeros: pruning caps each neuron's fan-in, and a convolution
 * written as a dense matrix (quant/conv-as-dense.ts) keeps only its kernel's taps in each
 * row, so a product over the non-zeros skips most of the work (a 6-layer CNN's rows keep
 * at most 64 of thousands of inputs). Zeros add nothing, so the sums are the dense ones.
 */
export interface SparseRows {
  rows: number;
  cols: number;
  /** Row r's entries are index[start[r]] … index[start[r + 1] − 1], with their values. */
  start: Int32Array;
  index: Int32Array;
  value: Float64Array;
}

/** The non-zero entries of m [rows × cols], row-major, each row in column order. */
export function sparseRows(m: ArrayLike<number>, rows: number, cols: number): SparseRows {
  if (m.length !== rows * cols) throw new RangeError(`a ${rows} × ${cols} matrix needs ${rows * cols} values, got ${m.length}`);
  let nonZero = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) nonZero++;
  const start = new Int32Array(rows + 1);
  const index = new Int32Array(nonZero);
  const value = new Float64Array(nonZero);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    start[r] = k;
    for (let c = 0, at = r * cols; c < cols; c++, at++) {
      if (m[at] !== 0) {
        index[k] = c;
        value[k++] = m[at];
      }
    }
  }
  start[rows] = k;
  return { rows, cols, start, index, value };
}

/** Row r of the matrix times the vector at x[offset … offset + cols − 1]. */
export function rowDot(s: SparseRows, r: number, x: ArrayLike<number>, offset: number): number {
  let acc = 0;
  for (let k = s.start[r], end = s.start[r + 1]; k < end; k++) acc += s.value[k] * x[offset + s.index[k]];
  return acc;
}
