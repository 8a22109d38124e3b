import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../src/util/rng';
import { compareBackends, nativeCalls, randomInput, requireNativeBackend } from './compare';

requireNativeBackend();

test('SplitV and Concat along the last axis (a channel concat and its gradient) match the cpu backend; other axes fall back', async () => {
  const rng = new SeededRng(8);
  const x = randomInput(rng, [2, 3, 4, 10]);
  const calls = await nativeCalls('splitColumns', () => compareBackends([x], (t) => tf.split(t, [3, 7], 3), 0, 'split last axis'));
  assert.equal(calls, 1);
  const y = randomInput(rng, [2, 3, 4, 1]);
  const joins = await nativeCalls('concatColumns', () => compareBackends([x, y, x], (p, q, s) => tf.concat([p, q, s], -1), 0, 'concat last axis'));
  assert.equal(joins, 1);
  assert.equal(await nativeCalls('concatColumns', () => compareBackends([x, x], (p, q) => tf.concat([p, q], 0), 0, 'concat axis 0')), 0);
  await compareBackends([x], (t) => tf.split(t, 2, -1), 0, 'split last axis in halves');
  const other = await nativeCalls('splitColumns', () => compareBackends([x], (t) => tf.split(t, [1, 2], 1), 0, 'split axis 1'));
  assert.equal(other, 0);
  // Through a concat's gradient, as the U-Net's skips use it.
  const a = randomInput(rng, [1, 4, 4, 3]);
  const b = randomInput(rng, [1, 4, 4, 5]);
  const r = randomInput(rng, [1, 4, 4, 8]);
  await compareBackends(
    [a, b, r],
    (p, q, s) => tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(tf.concat([u, v], 3), s)))([p, q]),
    0,
    'concat gradient',
  );
});
