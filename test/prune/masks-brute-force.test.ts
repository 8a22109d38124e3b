/**
 * Pruning masks against brute force (survivors of mutation testing, scripts/mutation.sh prune):
 * the fan-in cap on non-square kernels along both axes, with and without a base mask; ties
 * broken by position; the global mask equal to one mask over the concatenated layers; and the
 * size and range checks, each named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMask, fanInCapMask, globalL1Masks, l1Mask } from '../../src/prune';
import { calibratedAccumulator, worstCaseAccumulator } from '../../src/prune/accumulator';
import { SeededRng } from '../../src/util/rng';

/** The fan-in cap by enumeration: per neuron, its active inputs ranked by |w| descending, then by input index. */
function capByHand(w: number[], rows: number, cols: number, inputAxis: 0 | 1, k: number, base?: Uint8Array): number[] {
  const mask = base ? Array.from(base) : new Array<number>(w.length).fill(1);
  const neurons = inputAxis === 0 ? cols : rows;
  const fanIn = inputAxis === 0 ? rows : cols;
  for (let o = 0; o < neurons; o++) {
    const cells: { i: number; pos: number }[] = [];
    for (let i = 0; i < fanIn; i++) {
      const pos = inputAxis === 0 ? i * cols + o : o * cols + i;
      if (mask[pos] === 1) cells.push({ i, pos });
    }
    cells.sort((a, b) => Math.abs(w[b.pos]) - Math.abs(w[a.pos]) || a.i - b.i);
    for (const c of cells.slice(k)) mask[c.pos] = 0;
  }
  return mask;
}

test('fan-in cap: non-square kernels, both input axes, with ties and a base mask, equal the enumeration', () => {
  const rng = new SeededRng(11);
  for (const [rows, cols] of [
    [5, 3],
    [3, 7],
  ] as const) {
    // magnitudes from a few values, so ties are common; signs random
    const w = Array.from({ length: rows * cols }, () => (rng.next() < 0.5 ? -1 : 1) * [0.5, 1, 2, 3][Math.floor(rng.next() * 4)]);
    const base = Uint8Array.from({ length: rows * cols }, () => (rng.next() < 0.3 ? 0 : 1));
    for (const axis of [0, 1] as const) {
      for (const k of [1, 2, 4]) {
        assert.deepEqual(Array.from(fanInCapMask(w, rows, cols, axis, k)), capByHand(w, rows, cols, axis, k), `${rows}x${cols} axis ${axis} k ${k}`);
        assert.deepEqual(Array.from(fanInCapMask(w, rows, cols, axis, k, base)), capByHand(w, rows, cols, axis, k, base), `with base, axis ${axis} k ${k}`);
      }
    }
  }
});

test('fan-in cap: bad sizes and caps are refused by name', () => {
  const w = [1, 2, 3, 4, 5, 6];
  assert.throws(() => fanInCapMask(w, 2, 2, 0, 1), /2x2 needs 4 weights, got 6/);
  for (const k of [0, 1.5, NaN]) assert.throws(() => fanInCapMask(w, 2, 3, 0, k), /maxActive must be a positive integer/);
  assert.deepEqual(Array.from(fanInCapMask(w, 2, 3, 1, 3)), [1, 1, 1, 1, 1, 1], 'a cap at the fan-in keeps everything');
});

test('l1 masks: ties go by position (earlier pruned first), magnitude not sign decides', () => {
  assert.deepEqual(Array.from(l1Mask([1, -1, 1, -1, 1, -1], 0.5)), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(l1Mask([-3, 2, 0.5, -0.1], 0.5)), [1, 1, 0, 0]);
  for (const f of [-0.1, 1, 1.5, NaN]) assert.throws(() => l1Mask([1, 2], f), /pruning fraction must be in \[0, 1\)/);
  for (const f of [-0.1, 1]) assert.throws(() => globalL1Masks([[1, 2]], f), /pruning fraction must be in \[0, 1\)/);
});

test('global masks equal one l1 mask over the concatenated layers, cut back into the layers', () => {
  const rng = new SeededRng(5);
  const layers = [7, 1, 12, 4].map((n) => Array.from({ length: n }, () => rng.next() * 2 - 1));
  const flat = Array.from(l1Mask(layers.flat(), 0.4));
  const got = globalL1Masks(layers, 0.4);
  assert.deepEqual(
    got.map((m) => m.length),
    [7, 1, 12, 4],
  );
  assert.deepEqual(
    got.flatMap((m) => Array.from(m)),
    flat,
  );
});

test('applyMask and the accumulators refuse arrays of the wrong size, naming both sizes', () => {
  assert.throws(() => applyMask([1, 2, 3], new Uint8Array(2)), /mask of 2 for 3 weights/);
  assert.deepEqual(Array.from(applyMask([1, -2, 3], Uint8Array.from([1, 0, 1]))), [1, 0, 3]);
  assert.throws(() => worstCaseAccumulator({ weights: [1, 2, 3], outputs: 2, inputs: 2 }, 0, 1), /2x2 layer needs 4 weights, got 3/);
  assert.throws(() => calibratedAccumulator({ weights: [1, 2, 3, 4], outputs: 2, inputs: 2 }, [1, 2, 3], 2), /2 inputs of 2 need 4 values, got 3/);
});
