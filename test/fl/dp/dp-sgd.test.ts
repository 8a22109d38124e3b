import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { dpSgdGradients, gradientsByName } from '../../../src/fl/dp/dp-sgd';
import { SeededGaussianNoise } from '../../../src/fl/dp/noise';
import { ConstantNoise } from './constant-noise';

before(async () => {
  await tf.setBackend('cpu');
});

// A linear model ŷ = x·w + b with squared loss ½(ŷ − y)²: example i's gradient is
// r·x (for w) and r (for b), r = ŷ − y, in closed form.
const X = [
  [1, 2, -1],
  [0.5, -3, 2],
  [4, 0, 1],
  [-0.2, 0.1, 0.3],
];
const Y = [1, -2, 3, 0.5];
const W0 = [0.3, -0.4, 0.9];
const B0 = 0.2;

function model(): { w: tf.Variable; b: tf.Variable; loss: (i: number) => tf.Scalar } {
  const w = tf.variable(tf.tensor2d(W0, [3, 1]), true, `w${Math.random()}`);
  const b = tf.variable(tf.tensor1d([B0]), true, `b${Math.random()}`);
  const loss = (i: number): tf.Scalar =>
    tf.tidy(() => {
      const yHat = tf.add(tf.matMul(tf.tensor2d([X[i]]), w), b);
      return tf.mul(0.5, tf.square(tf.sub(yHat, Y[i]))).sum() as tf.Scalar;
    });
  return { w, b, loss };
}

function closedFormGradient(i: number): number[] {
  const r = X[i].reduce((s, x, k) => s + x * W0[k], B0) - Y[i];
  return [...X[i].map((x) => r * x), r];
}

test('σ = 0: the result is the hand-computed sum of clipped per-example gradients over the expected batch size', () => {
  const { w, b, loss } = model();
  const clipNorm = 1.5,
    expectedBatchSize = 2.5;
  const batch = [0, 1, 2, 3];
  const out = dpSgdGradients([w, b], loss, batch, { clipNorm, noiseMultiplier: 0, expectedBatchSize });
  const expected = [0, 0, 0, 0];
  const norms: number[] = [];
  let clippedCount = 0;
  for (const i of batch) {
    const g = closedFormGradient(i);
    const norm = Math.hypot(...g);
    norms.push(norm);
    const scale = Math.min(1, clipNorm / norm);
    if (scale < 1) clippedCount++;
    g.forEach((v, k) => (expected[k] += (scale * v) / expectedBatchSize));
  }
  assert.ok(clippedCount >= 2 && clippedCount < batch.length, 'the data exercises both clipped and unclipped examples');
  out.norms.forEach((n, k) => assert.ok(Math.abs(n - norms[k]) <= 1e-5 * norms[k], `norm ${k}: ${n} vs ${norms[k]}`));
  const got = [...out.grads[0], ...out.grads[1]];
  assert.equal(out.grads[0].length, 3);
  assert.equal(out.grads[1].length, 1);
  got.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) <= 1e-5 * Math.max(1, Math.abs(expected[k])), `coordinate ${k}: ${v} vs ${expected[k]}`));
  // An unclipped single example is its plain gradient over B.
  const single = dpSgdGradients([w, b], loss, [3], { clipNorm: 100, noiseMultiplier: 0, expectedBatchSize: 1 });
  closedFormGradient(3).forEach((v, k) => assert.ok(Math.abs([...single.grads[0], ...single.grads[1]][k] - v) < 1e-6));
  // As named tensors for Adam.apply.
  const named = gradientsByName([w, b], out.grads);
  assert.deepEqual(named[w.name].shape, [3, 1]);
  assert.deepEqual(Array.from(named[b.name].dataSync()), Array.from(out.grads[1]));
  tf.dispose([w, b, ...Object.values(named)]);
});

test('noise: per-coordinate std is σC/B (sample std of 40 000 coordinates within 5 standard errors, ±1.8 %)', () => {
  const n = 40000;
  const v = tf.variable(tf.zeros([n]), true, `v${Math.random()}`);
  const u = tf.variable(tf.zeros([2]), true, `u${Math.random()}`);
  const xs = [tf.randomUniform([n], -1, 1, 'float32', 1), tf.randomUniform([n], -1, 1, 'float32', 2)];
  // Linear in v (gradient = x_i, norm ≈ 115, so clipped); u unused (zero gradient).
  const loss = (i: number): tf.Scalar => tf.sum(tf.mul(v, xs[i]));
  const options = { clipNorm: 0.5, expectedBatchSize: 4 };
  const clean = dpSgdGradients([v, u], loss, [0, 1], { ...options, noiseMultiplier: 0 });
  const sigma = 1.3;
  const noisy = dpSgdGradients([v, u], loss, [0, 1], { ...options, noiseMultiplier: sigma, noise: new SeededGaussianNoise(42) });
  const residual = Float64Array.from(noisy.grads[0], (g, j) => g - clean.grads[0][j]);
  let s = 0,
    s2 = 0;
  for (const r of residual) {
    s += r;
    s2 += r * r;
  }
  const mean = s / n,
    sd = Math.sqrt(s2 / n - mean * mean);
  const expected = (sigma * options.clipNorm) / options.expectedBatchSize;
  // The sample std of n normals has relative standard error 1/√(2n) = 0.35 %: a bound of 5 of
  // them (1.8 %) rejects a 20 % error in σ by over 50 standard errors.
  assert.ok(Math.abs(sd / expected - 1) < 5 / Math.sqrt(2 * n), `std ${sd} vs σC/B = ${expected}`);
  assert.ok(Math.abs(mean) < (5 * expected) / Math.sqrt(n), `mean ${mean}`);
  // Every variable gets noise, including one the loss does not touch.
  assert.ok(noisy.grads[1].every((g) => g !== 0));
  // An empty Poisson batch still releases noise alone (never the bare zero gradient).
  const empty = dpSgdGradients([v, u], loss, [], { ...options, noiseMultiplier: sigma, noise: new SeededGaussianNoise(1) });
  assert.deepEqual(empty.norms, []);
  assert.ok(empty.grads[0].some((g) => g !== 0));
  // Without a noise option the noise comes from the CSPRNG: two runs differ.
  const a = dpSgdGradients([v, u], loss, [0], { ...options, noiseMultiplier: sigma });
  const b = dpSgdGradients([v, u], loss, [0], { ...options, noiseMultiplier: sigma });
  assert.notDeepEqual(a.grads[1], b.grads[1]);
  tf.dispose([v, u, ...xs]);
});

test('bad options are RangeErrors', () => {
  const { w, b, loss } = model();
  const ok = { clipNorm: 1, noiseMultiplier: 1, expectedBatchSize: 2 };
  assert.throws(() => dpSgdGradients([w, b], loss, [0], { ...ok, clipNorm: 0 }), /clip norm must be a finite number > 0/);
  assert.throws(() => dpSgdGradients([w, b], loss, [0], { ...ok, noiseMultiplier: -1 }), /noise multiplier/);
  assert.throws(() => dpSgdGradients([w, b], loss, [0], { ...ok, expectedBatchSize: 0 }), /expected batch size/);
  assert.throws(() => dpSgdGradients([], loss, [0], ok), /at least one variable/);
  assert.throws(() => gradientsByName([w, b], [new Float32Array(3)]), /1 gradients for 2 variables/);
  tf.dispose([w, b]);
});

test('the noise is σC per coordinate, added to the clipped sum before dividing by B (a noise source that writes its std)', () => {
  const { w, b, loss } = model();
  const clipNorm = 0.7,
    sigma = 1.3,
    expectedBatchSize = 3;
  const batch = [0, 2, 3];
  // The clipped sum by hand from the closed-form gradients.
  const sum = [0, 0, 0, 0];
  for (const i of batch) {
    const g = closedFormGradient(i);
    const norm = Math.hypot(...g);
    const scale = Math.min(1, clipNorm / norm);
    g.forEach((v, k) => (sum[k] += scale * v));
  }
  const noise = new ConstantNoise();
  const before = tf.memory().numTensors;
  const out = dpSgdGradients([w, b], loss, batch, { clipNorm, noiseMultiplier: sigma, expectedBatchSize, noise });
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  assert.deepEqual(noise.stds, [sigma * clipNorm, sigma * clipNorm], 'one draw per variable, std σC');
  const got = [...out.grads[0], ...out.grads[1]];
  sum.forEach((s, k) => {
    const expected = (s + sigma * clipNorm) / expectedBatchSize;
    assert.ok(Math.abs(got[k] - expected) <= 1e-6, `coordinate ${k}: ${got[k]} vs ${expected}`);
  });
  assert.throws(() => gradientsByName([w, b], [new Float32Array(3), new Float32Array(2)]), /gradient 1 has 2 values, variable .* has 1/);
  tf.dispose([w, b]);
});
