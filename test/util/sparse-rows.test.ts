/** Sparse rows against the dense product written out by hand, on matrices with empty, full and mixed rows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowDot, sparseRows } from '../../src/util/sparse-rows';
import { SeededRng } from '../../src/util/rng';

test('sparseRows keeps exactly the non-zero entries of each row, in column order', () => {
  // rows: empty, full, mixed (a negative, a zero between non-zeros, the last column)
  const m = [0, 0, 0, 0, 1, -2, 3, 4, 0, 5, 0, -6];
  const s = sparseRows(m, 3, 4);
  assert.deepEqual([...s.start], [0, 0, 4, 6]);
  assert.deepEqual([...s.index], [0, 1, 2, 3, 1, 3]);
  assert.deepEqual([...s.value], [1, -2, 3, 4, 5, -6]);
  assert.throws(() => sparseRows(m, 3, 3), /3 × 3 matrix needs 9 values, got 12/);
});

test('rowDot equals the dense sum over every column, at every offset, on a seeded random integer matrix', () => {
  const rng = new SeededRng(7);
  const rows = 23;
  const cols = 41;
  const count = 5;
  // about 80 % zeros, like a pruned layer; weights in {-3..3}, inputs in {0..15}
  const m = Array.from({ length: rows * cols }, () => (rng.next() < 0.8 ? 0 : Math.floor(rng.next() * 7) - 3));
  const x = Int32Array.from({ length: count * cols }, () => Math.floor(rng.next() * 16));
  const s = sparseRows(m, rows, cols);
  let nonZero = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (m[r * cols + c] !== 0) nonZero++;
    for (let v = 0; v < count; v++) {
      let dense = 0;
      for (let c = 0; c < cols; c++) dense += m[r * cols + c] * x[v * cols + c];
      assert.equal(rowDot(s, r, x, v * cols), dense, `row ${r}, vector ${v}`);
    }
  }
  assert.equal(s.index.length, nonZero);
  assert.ok(nonZero > 0.1 * rows * cols && nonZero < 0.3 * rows * cols, `${nonZero} non-zeros`);
});
