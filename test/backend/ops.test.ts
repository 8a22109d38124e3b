import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, adamUpdate, dense, NATIVE_BACKEND_NAME } from '../../src/backend';
import { SeededRng } from '../../src/util/rng';
import { assertClose, nativeCalls, randomInput, requireNativeBackend, runOn } from './compare';

requireNativeBackend();

test('dense: forward and gradients (x, w, bias) of every activation match standard ops on the cpu backend', async () => {
  const rng = new SeededRng(31);
  const x = randomInput(rng, [9, 13], 2);
  const w = randomInput(rng, [13, 7]);
  const b = randomInput(rng, [7]);
  const r = randomInput(rng, [9, 7]);
  for (const activation of ACTIVATIONS) {
    const f = (xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor, rt: tf.Tensor) => {
      const loss = (p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) =>
        tf.sum(tf.mul(dense(p as tf.Tensor2D, q as tf.Tensor2D, s as tf.Tensor1D, { activation, alpha: 0.1 }), rt));
      return [dense(xt as tf.Tensor2D, wt as tf.Tensor2D, bt as tf.Tensor1D, { activation, alpha: 0.1 }), ...tf.grads(loss)([xt, wt, bt])];
    };
    let native: Awaited<ReturnType<typeof runOn>> = [];
    const calls = await nativeCalls('activationGradFromOutput', async () => {
      native = await runOn(NATIVE_BACKEND_NAME, [x, w, b, r], f);
    });
    assert.equal(calls, 1, `${activation}: the fused gradient ran natively`);
    const cpu = await runOn('cpu', [x, w, b, r], f);
    ['y', 'dx', 'dw', 'dbias'].forEach((name, i) => assertClose(native[i], cpu[i], 1e-5, `dense ${activation} ${name}`));
  }
});

test('dense: computes only the gradients asked for (no input gradient for data)', async () => {
  await tf.setBackend(NATIVE_BACKEND_NAME);
  const x = tf.randomNormal([4, 3]) as tf.Tensor2D;
  const w = tf.variable(tf.randomNormal([3, 2]));
  const b = tf.variable(tf.zeros([2]));
  // Only w's and b's gradients: one GEMM for dW; dX would be a second one.
  const calls = await nativeCalls('batchMatMul', async () => {
    const { grads } = tf.variableGrads(() => tf.sum(dense(x, w as tf.Tensor2D, b as tf.Tensor1D, { activation: 'leakyrelu' })), [w, b]);
    tf.dispose(grads);
  });
  assert.equal(calls, 1);
  tf.dispose([x, w, b]);
});

test('dense: shape errors name the shapes', async () => {
  await tf.setBackend(NATIVE_BACKEND_NAME);
  assert.throws(() => dense(tf.zeros([2, 3]), tf.zeros([4, 5]), tf.zeros([5])), /x \[2,3\], w \[4,5\]/);
  assert.throws(() => dense(tf.zeros([2, 3]), tf.zeros([3, 5]), tf.zeros([5]), { activation: 'swish' as never }), /unknown activation "swish"/);
});

test('adamUpdate: the native kernel follows the op-by-op Adam formula over several steps', async () => {
  const rng = new SeededRng(32);
  const w0 = randomInput(rng, [40, 30]);
  const grads = [1, 2, 3, 4].map(() => randomInput(rng, [40, 30]));
  const h = { learningRate: 0.01, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };
  const run = (...t: tf.Tensor[]) => {
    const [w, ...g] = t;
    const v = tf.variable(w.clone());
    const m1 = tf.variable(tf.zerosLike(w));
    const v1 = tf.variable(tf.zerosLike(w));
    g.forEach((gi, i) => adamUpdate(v, m1, v1, gi, h, i + 1));
    const out = [v.clone(), m1.clone(), v1.clone()];
    tf.dispose([v, m1, v1]);
    return out;
  };
  let native: Awaited<ReturnType<typeof runOn>> = [];
  const calls = await nativeCalls('adamUpdate', async () => {
    native = await runOn(NATIVE_BACKEND_NAME, [w0, ...grads], run);
  });
  assert.equal(calls, 4);
  const cpu = await runOn('cpu', [w0, ...grads], run);
  ['w', 'm', 'v'].forEach((name, i) => assertClose(native[i], cpu[i], 1e-6, `adam ${name}`));
  // The weights moved by about lr per step.
  const moved = native[0].values.some((v, i) => Math.abs(v - w0.values[i]) > 0.01);
  assert.ok(moved);
});

test('adamUpdate: never writes into arrays a caller handed to tf.tensor, nor into shared storage', async () => {
  await tf.setBackend(NATIVE_BACKEND_NAME);
  const userArray = Float32Array.from([1, 2, 3, 4]);
  const t = tf.tensor(userArray, [4]);
  const v = tf.variable(t);
  t.dispose();
  const m = tf.variable(tf.zeros([4]));
  const s = tf.variable(tf.zeros([4]));
  const g = tf.ones([4]);
  const h = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
  adamUpdate(v, m, s, g, h, 1);
  assert.deepEqual(Array.from(userArray), [1, 2, 3, 4], "the caller's array is untouched");
  const snapshot = v.clone(); // shares v's storage: the next update must not change it
  const before = Array.from(snapshot.dataSync());
  const idBefore = v.dataId;
  adamUpdate(v, m, s, g, h, 2);
  assert.deepEqual(Array.from(snapshot.dataSync()), before, 'a tensor sharing the storage is untouched');
  assert.notEqual(v.dataId, idBefore);
  snapshot.dispose();
  // Now v alone holds its (kernel-owned) storage: updated in place, same dataId.
  const idOwned = v.dataId;
  adamUpdate(v, m, s, g, h, 3);
  assert.equal(v.dataId, idOwned);
  assert.ok(v.dataSync()[0] < 1 - 0.25, 'three steps of lr 0.1 moved the weight');
  tf.dispose([v, m, s, g]);
});

test('adamUpdate: bad arguments are errors, not silent updates', async () => {
  await tf.setBackend(NATIVE_BACKEND_NAME);
  const v = tf.variable(tf.zeros([3]));
  const m = tf.variable(tf.zeros([3]));
  const s = tf.variable(tf.zeros([3]));
  const h = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
  assert.throws(() => adamUpdate(v, m, s, tf.zeros([4]), h, 1), /gradient has shape \[4\]/);
  assert.throws(() => adamUpdate(v, m, s, tf.zeros([3]), h, 0), /positive integer/);
  tf.dispose([v, m, s]);
});
