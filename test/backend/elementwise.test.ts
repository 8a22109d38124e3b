import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../src/util/rng';
import { compareBackends, nativeCalls, randomInput, requireNativeBackend, runOn } from './compare';

// Elementwise results are computed the same way on both backends up to float32 rounding
// of exp/tanh: 1e-6 of (1 + the largest reference magnitude).
const TOL = 1e-6;

requireNativeBackend();

test('Add, Sub, Multiply, RealDiv: same shapes, scalars and row broadcasts natively; others fall back', async () => {
  const rng = new SeededRng(21);
  const ops: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
  ];
  const native: Array<[number[], number[]]> = [
    [
      [5, 7],
      [5, 7],
    ],
    [[5, 7], [1]],
    [[1], [5, 7]],
    [[4, 5, 7], [7]],
    [[7], [4, 5, 7]],
    [
      [4, 5, 7],
      [1, 5, 7],
    ],
    [[3, 6], []],
  ];
  const fallback: Array<[number[], number[]]> = [
    [
      [5, 7],
      [5, 1],
    ],
    [
      [3, 1],
      [1, 4],
    ],
  ];
  for (const [name, op] of ops) {
    for (const [sa, sb] of native) {
      const a = randomInput(rng, sa, 2);
      const b = randomInput(rng, sb, 2);
      if (name === 'div') for (let i = 0; i < b.values.length; i++) b.values[i] += b.values[i] >= 0 ? 0.5 : -0.5;
      const calls = await nativeCalls('binaryCyclic', () => compareBackends([a, b], op, TOL, `${name} [${sa}] [${sb}]`));
      assert.equal(calls, 1, `${name} [${sa}] [${sb}] ran natively`);
    }
    for (const [sa, sb] of fallback) {
      const calls = await nativeCalls('binaryCyclic', () => compareBackends([randomInput(rng, sa), randomInput(rng, sb)], op, TOL, `${name} [${sa}] [${sb}]`));
      assert.equal(calls, 0, `${name} [${sa}] [${sb}] fell back`);
    }
  }
});

test('Sum over leading or trailing axes natively, other axes via cpu, with and without keepDims', async () => {
  const rng = new SeededRng(22);
  const x = randomInput(rng, [3, 4, 5, 6]);
  for (const [axis, native] of [
    [0, true],
    [[0, 1], true],
    [3, true],
    [[2, 3], true],
    [[1, 2, 3], true],
    [[0, 1, 2, 3], true],
    [1, false],
    [[0, 2], false],
  ] as Array<[number | number[], boolean]>) {
    for (const keepDims of [false, true]) {
      const calls = await nativeCalls((Array.isArray(axis) && axis[0] !== 0) || axis === 3 ? 'sumCols' : 'sumRows', () =>
        compareBackends([x], (t) => tf.sum(t, axis, keepDims), 1e-5, `sum axis ${axis} keepDims ${keepDims}`),
      );
      assert.equal(calls > 0, native, `sum axis ${axis}: native ${native}`);
    }
  }
});

test('Relu, Relu6, LeakyRelu, Sigmoid, Tanh, Elu forward and gradients match the cpu backend', async () => {
  const rng = new SeededRng(23);
  const x = randomInput(rng, [6, 50], 8);
  const fns: Array<[string, (t: tf.Tensor) => tf.Tensor]> = [
    ['relu', tf.relu],
    ['relu6', tf.relu6],
    ['leakyRelu', (t) => tf.leakyRelu(t, 0.2)],
    ['sigmoid', tf.sigmoid],
    ['tanh', tf.tanh],
    ['elu', tf.elu],
  ];
  for (const [name, f] of fns) {
    await compareBackends([x], f, TOL, name);
    await compareBackends([x], (t) => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(f(u), u)))(t), TOL, `d ${name}`);
  }
});

test('NaN propagates through the native activations as through the cpu ones', async () => {
  const x = { shape: [4], values: Float32Array.from([NaN, -1, 0, 2]) };
  for (const f of [tf.relu, tf.sigmoid, tf.tanh, (t: tf.Tensor) => tf.leakyRelu(t, 0.2)]) await compareBackends([x], f, TOL, 'NaN');
});

test('Sigmoid and Tanh (vectorised exp) stay within 1e-6 of the cpu backend from tiny to huge inputs', async () => {
  const xs = [0, 1e-8, -1e-8, 1e-3, 0.3, 0.6249, 0.625, 0.6251, 1, 2.5, 9, 15, 20, 40, 87, 88.5, 89, 100, 1e30, Infinity];
  const values = Float32Array.from([...xs, ...xs.map((x) => -x)]);
  const x = { shape: [values.length], values };
  await compareBackends([x], tf.tanh, TOL, 'tanh');
  await compareBackends([x], tf.sigmoid, TOL, 'sigmoid');
  // Relative accuracy where the values are small: tanh(x) ≈ x.
  const native = await runOn('privlab-native', [{ shape: [3], values: Float32Array.from([1e-8, 1e-4, 0.01]) }], tf.tanh);
  native[0].values.forEach((v, i) => assert.ok(Math.abs(v / Math.tanh([1e-8, 1e-4, 0.01][i]) - 1) < 1e-6, `tanh relative error at ${i}: ${v}`));
});
