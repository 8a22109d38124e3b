/**
 * The PyTorch yardstick the train-step benchmark times against runs here (the set-up
 * installs Debian's python3-torch) and reports what the benchmark reads from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runYardstick, yardstickUnavailable } from '../../bench/pytorch-yardstick';

test('PyTorch GAN-step yardstick: runs with the system python3 and prints its JSON line', () => {
  assert.equal(yardstickUnavailable(), null, 'python3-torch is part of the set-up');
  const r = runYardstick({ steps: 2, threads: 1, batch: 8 });
  assert.equal(r.framework, 'pytorch');
  assert.equal(r.threads, 1);
  assert.equal(r.batch, 8);
  assert.ok(r.ms_per_step_median > 0 && r.ms_per_step_min > 0 && r.ms_per_step_min <= r.ms_per_step_median);
  assert.match(r.version, /^\d+\.\d+/);
});
