/** Order statistics of src/util/stats.ts against numpy (the nearest-rank percentile is numpy's 'inverted_cdf'). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { percentile } from '../../src/util/stats';
import { SeededRng } from '../../src/util/rng';

test('percentile: nearest rank, equal to numpy.percentile(method="inverted_cdf")', () => {
  const rng = new SeededRng(4);
  const xs = Array.from({ length: 37 }, () => Math.round(rng.next() * 1000) / 10);
  const ps = [1, 10, 25, 50, 90, 99, 100];
  const py = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `import json, sys, numpy as np; d = json.load(sys.stdin); print(json.dumps([float(np.percentile(d["x"], p, method="inverted_cdf")) for p in d["p"]]))`,
    ],
    { input: JSON.stringify({ x: xs, p: ps }), encoding: 'utf8' },
  );
  assert.equal(py.status, 0, py.stderr);
  assert.deepEqual(
    ps.map((p) => percentile(xs, p)),
    JSON.parse(py.stdout) as number[],
  );
  assert.equal(percentile([3, 1, 2], 50), 2);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], 0), RangeError);
  assert.throws(() => percentile([1], 100.5), /percentile must be in \(0, 100\], got 100\.5/);
  assert.throws(() => percentile([1], NaN), RangeError);
});
