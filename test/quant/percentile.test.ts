import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentileRange, selectRank, stridedSample } from '../../src/quant/percentile';
import { SeededRng } from '../../src/util/rng';

function sorted(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a).sort();
}

test('selectRank returns the value of every rank, on random, sorted, reversed and constant arrays', () => {
  const rng = new SeededRng(11);
  const cases: Float32Array[] = [];
  for (const n of [1, 2, 3, 7, 64, 1001]) {
    cases.push(Float32Array.from({ length: n }, () => rng.next() * 10 - 5));
    cases.push(Float32Array.from({ length: n }, (_, i) => i));
    cases.push(Float32Array.from({ length: n }, (_, i) => n - i));
    cases.push(new Float32Array(n).fill(2.5));
    cases.push(Float32Array.from({ length: n }, () => Math.floor(rng.next() * 3))); // many ties
  }
  for (const a of cases) {
    const ref = sorted(a);
    const ranks = a.length <= 64 ? [...ref.keys()] : [0, 1, 17, a.length >> 1, a.length - 2, a.length - 1];
    for (const k of ranks) assert.equal(selectRank(a.slice(), k), ref[k], `n=${a.length} rank ${k}`);
  }
  assert.throws(() => selectRank(new Float32Array(3), 3), /rank 3 outside/);
});

test('percentileRange equals the nearest-rank percentiles of a sort, and does not touch its input', () => {
  const rng = new SeededRng(12);
  const values = Float32Array.from({ length: 5000 }, () => (rng.next() - 0.5) ** 3);
  const copy = values.slice();
  for (const p of [99, 99.9, 100]) {
    const ref = sorted(values);
    const hi = Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1);
    assert.deepEqual(percentileRange(values, p), { min: ref[values.length - 1 - hi], max: ref[hi] }, `p=${p}`);
  }
  assert.deepEqual(values, copy);
  assert.deepEqual(percentileRange(values, 100), { min: Math.min(...values), max: Math.max(...values) });
  // A scratch buffer large enough is used; the answer is the same.
  assert.deepEqual(percentileRange(values, 99.9, new Float32Array(6000)), percentileRange(values, 99.9));
  assert.throws(() => percentileRange([1, NaN], 99), /NaN/);
  assert.throws(() => percentileRange([], 99), /no values/);
  assert.throws(() => percentileRange([1], 50), /percentile must be/);
});

test('stridedSample keeps at most maxCount values and samples every column', () => {
  const rows = 64;
  for (const cols of [784, 1024, 1000, 35]) {
    const values = Float32Array.from({ length: rows * cols }, (_, i) => i % cols); // value = column
    const sample = stridedSample(values, cols, 4096);
    assert.ok(sample.length <= 4096 && sample.length > 4096 / 2, `${cols}: ${sample.length} values`);
    if (values.length > 4096) assert.equal(new Set(sample).size, cols, `${cols} columns: every one sampled`);
  }
  const small = new Float32Array(100);
  assert.equal(stridedSample(small, 10, 4096), small);
  const out = new Float32Array(4096);
  assert.equal(stridedSample(new Float32Array(64 * 1024), 1024, 4096, out).buffer, out.buffer);
});
