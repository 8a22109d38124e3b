/**
 * The x² MLP: the activation and its gradient equal tfjs's x·x (a different op) and 2x; the
 * forward pass equals a float64 loop over the exported weights (the layout encrypted inference
 * reads); training learns a separable 3-class task from a seeded start; bad input is a RangeError.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { SquareMlp, squareActivation, trainSquareMlp, predictSquareMlp } from '../../src/nn';
import { SeededRng } from '../../src/util/rng';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

test('x² and its gradient: as tf.mul(x, x) and 2x', () => {
  const x = tf.tensor1d([-3, -0.5, 0, 0.25, 2]);
  const [y, viaMul] = [squareActivation(x), tf.mul(x, x)];
  assert.deepEqual(Array.from(y.dataSync()), Array.from(viaMul.dataSync()));
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(squareActivation(v), tf.tensor1d([1, 2, 3, 4, 5]))))(x);
  assert.deepEqual(Array.from(g.dataSync()), [-6, -2, 0, 2, 20]);
  tf.dispose([x, y, viaMul, g]);
});

function float64Forward(layers: ReturnType<SquareMlp['export']>, x: number[]): number[] {
  let h = x;
  for (const l of layers) {
    h = l.weights.map((row, r) => row.reduce((s, w, c) => s + w * h[c], l.bias[r]));
    if (l.square) h = h.map((v) => v * v);
  }
  return h;
}

test('forward pass = float64 over the exported weights; penultimate features = the first layers', () => {
  const mlp = new SquareMlp({ sizes: [6, 5, 4, 3] }, new SeededRng(3));
  const rng = new SeededRng(4);
  const x = Float32Array.from({ length: 2 * 6 }, () => rng.next());
  const logits = mlp.apply(tf.tensor2d(x, [2, 6]));
  const features = mlp.apply(tf.tensor2d(x, [2, 6]), 2);
  assert.deepEqual(features.shape, [2, 4]);
  for (let i = 0; i < 2; i++) {
    const row = Array.from(x.subarray(i * 6, (i + 1) * 6));
    const want = float64Forward(mlp.export(), row);
    const got = Array.from(logits.dataSync().subarray(i * 3, (i + 1) * 3));
    got.forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-5, `logit ${j}: ${v} vs ${want[j]}`));
    const wantF = float64Forward(mlp.export(2), row);
    assert.ok(mlp.export(2).every((l) => l.square));
    Array.from(features.dataSync().subarray(i * 4, (i + 1) * 4)).forEach((v, j) => assert.ok(Math.abs(v - wantF[j]) < 1e-5));
  }
  tf.dispose([logits, features]);
  mlp.dispose();
});

test('training learns a separable 3-class task (class = argmax of x0, x1, x2)', () => {
  const rng = new SeededRng(9);
  const rows = 600;
  const x = Float32Array.from({ length: rows * 8 }, () => rng.next() * 2 - 1);
  const y = Array.from({ length: rows }, (_, i) => [0, 1, 2].reduce((b, k) => (x[i * 8 + k] > x[i * 8 + b] ? k : b), 0));
  const mlp = new SquareMlp({ sizes: [8, 16, 8, 3] }, new SeededRng(1));
  const before = predictSquareMlp(mlp, x).filter((p, i) => p === y[i]).length / rows;
  const losses = trainSquareMlp(mlp, x, y, { epochs: 30, batchSize: 32, learningRate: 5e-3, seed: 2 });
  const after = predictSquareMlp(mlp, x).filter((p, i) => p === y[i]).length / rows;
  assert.ok(losses[losses.length - 1] < losses[0] / 2, `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  assert.ok(after > 0.85 && after > before + 0.3, `accuracy ${before} → ${after}`);
  assert.throws(
    () =>
      trainSquareMlp(
        mlp,
        x,
        y.map(() => 3),
        { epochs: 1 },
      ),
    /label 0 is 3/,
  );
  assert.throws(() => trainSquareMlp(mlp, x.subarray(1), y, { epochs: 1 }), /rows × 8 inputs/);
  mlp.dispose();
  assert.throws(() => new SquareMlp({ sizes: [4, 2] }, new SeededRng(0)), /at least three/);
});
