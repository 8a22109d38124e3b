import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/util/rng';

test('SeededRng: same seed same stream, different seeds different streams', () => {
  const a = new SeededRng(1),
    b = new SeededRng(1),
    c = new SeededRng(2);
  const sa = Array.from({ length: 8 }, () => a.nextUint32());
  assert.deepEqual(
    sa,
    Array.from({ length: 8 }, () => b.nextUint32()),
  );
  assert.notDeepEqual(
    sa,
    Array.from({ length: 8 }, () => c.nextUint32()),
  );
});

test('SeededRng: nextInt is in range and roughly uniform (chi-square, 10 bins)', () => {
  const r = new SeededRng(123);
  const bins = new Array(10).fill(0);
  const n = 100000;
  for (let i = 0; i < n; i++) {
    const v = r.nextInt(10);
    assert.ok(v >= 0 && v < 10);
    bins[v]++;
  }
  const chi2 = bins.reduce((s, o) => s + (o - n / 10) ** 2 / (n / 10), 0);
  assert.ok(chi2 < 27.9, `chi2 ${chi2} (p=0.001 critical value for 9 dof is 27.9)`);
  for (let i = 0; i < 1000; i++) {
    const f = r.next();
    assert.ok(f >= 0 && f < 1);
  }
});

test('SeededRng: permutation is a permutation; bad bounds are rejected', () => {
  const p = new SeededRng(5).permutation(1000);
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.throws(() => new SeededRng(NaN), /finite/);
  assert.throws(() => new SeededRng(1).nextInt(0), /bound/);
});
