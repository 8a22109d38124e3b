import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, activate, applyActivation, NATIVE_BACKEND_NAME } from '../../src/backend';
import { SeededRng } from '../../src/util/rng';
import { assertClose, randomInput, requireNativeBackend, runOn } from './compare';

requireNativeBackend();

test("activate: values and gradients equal tfjs's own activations and their registered gradients, on both backends", async () => {
  const rng = new SeededRng(17);
  const x = randomInput(rng, [2, 5, 5, 3], 3);
  const r = randomInput(rng, [2, 5, 5, 3]);
  for (const activation of ACTIVATIONS) {
    const ours = (xt: tf.Tensor, rt: tf.Tensor) => [
      activate(xt, activation, 0.2),
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(activate(a, activation, 0.2), rt)))(xt),
    ];
    const theirs = (xt: tf.Tensor, rt: tf.Tensor) => [
      applyActivation(xt, activation, 0.2),
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(applyActivation(a, activation, 0.2), rt)))(xt),
    ];
    const expected = await runOn('cpu', [x, r], theirs);
    for (const backend of [NATIVE_BACKEND_NAME, 'cpu']) {
      const got = await runOn(backend, [x, r], ours);
      assertClose(got[0], expected[0], 1e-6, `${activation} on ${backend}: value`);
      assertClose(got[1], expected[1], 1e-6, `${activation} on ${backend}: gradient`);
    }
  }
});
