import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { batchNorm, batchNormReference, NATIVE_BACKEND_NAME } from '../../src/backend';
import { SeededRng } from '../../src/util/rng';
import { assertClose, nativeCalls, randomInput, requireNativeBackend, runOn } from './compare';

requireNativeBackend();

test('batchNorm: the closed form on one channel of four values', async () => {
  for (const backend of [NATIVE_BACKEND_NAME, 'cpu']) {
    const [y] = await runOn(backend, [{ shape: [1, 2, 2, 1], values: Float32Array.from([1, 2, 3, 4]) }], (x) =>
      batchNorm(x as tf.Tensor4D, tf.tensor1d([2]), tf.tensor1d([0.5])),
    );
    // mean 2.5, biased variance 1.25: y = 2·(x − 2.5)/sqrt(1.25 + 1e-5) + 0.5
    const s = Math.sqrt(1.25 + 1e-5);
    const expected = [1, 2, 3, 4].map((v) => (2 * (v - 2.5)) / s + 0.5);
    y.values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `${backend}: y[${i}] = ${v}, expected ${expected[i]}`));
  }
});

test('batchNorm: forward and gradients match tfjs autodiff of moments(), natively and with standard ops', async () => {
  const rng = new SeededRng(5);
  // Channels with a large mean against their spread test the two-pass variance.
  const x = randomInput(rng, [3, 5, 4, 6], 2);
  for (let i = 0; i < x.values.length; i += 6) x.values[i] += 50;
  const gamma = randomInput(rng, [6]);
  const beta = randomInput(rng, [6]);
  const r = randomInput(rng, [3, 5, 4, 6]);
  const withGrads = (norm: typeof batchNorm) => (xt: tf.Tensor, gt: tf.Tensor, bt: tf.Tensor, rt: tf.Tensor) => {
    const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(norm(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D), rt));
    return [norm(xt as tf.Tensor4D, gt as tf.Tensor1D, bt as tf.Tensor1D), ...tf.grads(loss)([xt, gt, bt])];
  };
  let native: Awaited<ReturnType<typeof runOn>> = [];
  const calls = await nativeCalls('batchNormBackward', async () => {
    native = await runOn(NATIVE_BACKEND_NAME, [x, gamma, beta, r], withGrads(batchNorm));
  });
  assert.equal(calls, 1, 'the gradient ran natively');
  const fallback = await runOn('cpu', [x, gamma, beta, r], withGrads(batchNorm));
  const reference = await runOn('cpu', [x, gamma, beta, r], withGrads(batchNormReference));
  ['y', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => {
    assertClose(native[i], reference[i], 2e-4, `native ${name}`);
    assertClose(fallback[i], reference[i], 2e-4, `standard ops ${name}`);
  });
});

test('batchNorm: clear errors on bad shapes', () => {
  tf.tidy(() => {
    assert.throws(() => batchNorm(tf.zeros([2, 3, 3]) as unknown as tf.Tensor4D, tf.ones([3]), tf.zeros([3])), /NHWC/);
    assert.throws(() => batchNorm(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, tf.ones([4]), tf.zeros([3])), /must be \[3\]/);
  });
});
