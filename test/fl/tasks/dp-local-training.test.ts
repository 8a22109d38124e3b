/**
 * DP-SGD in a site's local training (mlp-mnist's trainLocal with the DP-SGD keys):
 *   - with σ = 0 and a clip norm no gradient reaches, one step equals plain SGD on the same
 *     Poisson batch — the batch redrawn here from the seed the test gave the sampler, the gradient written out with
 *     plain tfjs ops, summed over the batch and divided by the expected batch size q·n;
 *   - with noise, the step's deviation from the noiseless one is Gaussian with std
 *     lr·σC/(q·n) per coordinate, checked to within a bound set by the number of coordinates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, subset } from '../../../src/data';
import { assignWeights, dpSgdPlan, mlpMnist, weightsFromVariables, Weights } from '../../../src/fl';
import { poissonSample, SeededGaussianNoise } from '../../../src/fl/dp';
import { SeededRng } from '../../../src/util/rng';

const data = subset(
  loadMnist(),
  Array.from({ length: 500 }, (_, i) => i * 20),
);

/** Σ over `indices` of each example's cross-entropy gradient of the 784-100-10 ReLU MLP, with plain tfjs ops. */
function summedGradient(w: Weights, indices: number[]): Float32Array[] {
  return tf.tidy(() => {
    const n = indices.length;
    const px = new Float32Array(n * 784);
    indices.forEach((j, i) => data.images.subarray(j * 784, (j + 1) * 784).forEach((p, k) => (px[i * 784 + k] = p / 127.5 - 1)));
    const x = tf.tensor2d(px, [n, 784]);
    const y = tf.oneHot(
      tf.tensor1d(
        Int32Array.from(indices, (j) => data.labels[j]),
        'int32',
      ),
      10,
    );
    const loss = (w0: tf.Tensor, b0: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor): tf.Scalar => {
      const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w0 as tf.Tensor2D), b0)), w1 as tf.Tensor2D), b1);
      return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)))) as tf.Scalar;
    };
    const params = w.values.map((v, i) => tf.tensor(v, [...w.specs[i].shape]));
    return tf
      .grads(loss as (...a: tf.Tensor[]) => tf.Tensor)(params)
      .map((g) => g.dataSync() as Float32Array);
  });
}

/** One local DP-SGD step of plain SGD from `start`, Poisson batch drawn from `seed`; returns the weights after it. */
async function oneStep(
  start: Weights,
  config: Record<string, number | string>,
  seed: number,
  noise?: SeededGaussianNoise,
): Promise<{ after: Weights; metrics: Record<string, number> }> {
  const model = mlpMnist.createModel(0);
  try {
    assignWeights(model.variables, model.names, start);
    // Seeded batches (and noise), so the test can redraw them; a site draws both from node:crypto.
    const metrics = await mlpMnist.trainLocal(model, data, config, 0, { sampling: new SeededRng(seed), noise });
    return { after: weightsFromVariables(model.variables, model.names), metrics };
  } finally {
    model.dispose();
  }
}

test('σ = 0 and an unreachable clip norm: one DP-SGD step = plain SGD on the same Poisson batch over q·n', async () => {
  const start = (() => {
    const m = mlpMnist.createModel(5);
    const w = weightsFromVariables(m.variables, m.names);
    m.dispose();
    return w;
  })();
  const q = 0.04,
    lr = 0.5,
    seed = 99;
  const config = { dpNoiseMultiplier: 0, dpClipNorm: 1e6, dpSampleRate: q, localSteps: 1, optimizer: 'sgd', learningRate: lr };
  const { after, metrics } = await oneStep(start, config, seed);
  assert.deepEqual(metrics.steps, 1);
  assert.equal(metrics.dp_sample_rate, q);
  assert.equal(metrics.train_loss, undefined, 'no training loss leaves a DP-SGD site');

  // The site's batch, redrawn from the seed as Poisson sampling draws it.
  const batch = poissonSample(data.count, q, new SeededRng(seed));
  assert.ok(batch.length >= 5 && batch.length !== q * data.count, `a non-empty batch whose size (${batch.length}) differs from q·n, so the divisor is tested`);
  const sum = summedGradient(start, batch);
  let maxErr = 0,
    maxStep = 0;
  start.values.forEach((w0, t) =>
    w0.forEach((v, j) => {
      const expected = v - (lr * sum[t][j]) / (q * data.count);
      maxErr = Math.max(maxErr, Math.abs(after.values[t][j] - expected));
      maxStep = Math.max(maxStep, Math.abs(after.values[t][j] - v));
    }),
  );
  assert.ok(maxStep > 1e-2, `the step moved the weights (max ${maxStep})`);
  assert.ok(maxErr < 2e-6, `DP-SGD vs plain SGD on the same batch: max |diff| ${maxErr}`);
});

test('with noise, the deviation from the noiseless step has std lr·σC/(q·n) per coordinate', async () => {
  const m = mlpMnist.createModel(6);
  const start = weightsFromVariables(m.variables, m.names);
  m.dispose();
  const q = 0.04,
    lr = 0.1,
    sigma = 2,
    clip = 0.1,
    seed = 7;
  const base = { dpClipNorm: clip, dpSampleRate: q, localSteps: 1, optimizer: 'sgd', learningRate: lr };
  const clean = await oneStep(start, { ...base, dpNoiseMultiplier: 0 }, seed);
  const noisy = await oneStep(start, { ...base, dpNoiseMultiplier: sigma }, seed, new SeededGaussianNoise(2026));
  const dev: number[] = [];
  noisy.after.values.forEach((x, t) => x.forEach((v, j) => dev.push(v - clean.after.values[t][j])));
  const N = dev.length;
  const mean = dev.reduce((a, b) => a + b, 0) / N;
  const std = Math.sqrt(dev.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1));
  const expected = (lr * sigma * clip) / (q * data.count);
  // The sample std of N normals has relative standard error 1/√(2N) (≈ 0.25 % for N = 79,510);
  // five of them is far tighter than the 20 % a wrong divisor or scale would be off.
  const bound = 5 / Math.sqrt(2 * N);
  assert.ok(Math.abs(std / expected - 1) < bound, `std ${std} vs expected ${expected} (relative bound ${bound})`);
  assert.ok(Math.abs(mean) < (5 * expected) / Math.sqrt(N), `mean deviation ${mean}`);
  // Using the realised batch size as the divisor would be off by the batch's ratio to q·n.
  const realised = poissonSample(data.count, q, new SeededRng(seed)).length;
  assert.ok(Math.abs(realised / (q * data.count) - 1) > bound, 'the realised batch size is distinguishable from q·n here');
});

test('the DP-SGD plan: all three keys, epochs of 1/q steps', () => {
  assert.equal(dpSgdPlan({ localSteps: 3 }), undefined);
  assert.deepEqual(dpSgdPlan({ dpNoiseMultiplier: 1, dpClipNorm: 2, dpSampleRate: 0.01, localEpochs: 2, optimizer: 'sgd', learningRate: 0.1 }), {
    steps: 200,
    noiseMultiplier: 1,
    clipNorm: 2,
    sampleRate: 0.01,
    optimizer: 'sgd',
    learningRate: 0.1,
  });
  assert.throws(() => dpSgdPlan({ dpNoiseMultiplier: 1, dpSampleRate: 0.01 }), /"dpClipNorm" must be a positive number/);
  assert.throws(() => dpSgdPlan({ dpNoiseMultiplier: 1, dpClipNorm: 1, dpSampleRate: 1.5 }), /"dpSampleRate" must be in \(0, 1\]/);
});

test('a site draws its DP-SGD batches from node:crypto: the same round seed gives different batches; no tensors leak', async () => {
  const model = mlpMnist.createModel(1);
  const start = weightsFromVariables(model.variables, model.names);
  const config = { dpNoiseMultiplier: 0, dpClipNorm: 1e6, dpSampleRate: 0.04, localSteps: 1, optimizer: 'sgd', learningRate: 0.5 };
  const runs: Float32Array[][] = [];
  const tensors = tf.memory().numTensors;
  for (let i = 0; i < 2; i++) {
    assignWeights(model.variables, model.names, start);
    await mlpMnist.trainLocal(model, data, { ...config, localSteps: 2 }, 123);
    runs.push(weightsFromVariables(model.variables, model.names).values);
  }
  assert.equal(tf.memory().numTensors, tensors, 'no tensors left behind by a DP-SGD round');
  model.dispose();
  // Without noise the step is a function of the batch alone; two equal Poisson draws of ~20 of 500 examples are vanishingly unlikely.
  assert.notDeepEqual(runs[0], runs[1]);
});
