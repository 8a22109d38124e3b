/**
 * DP-SGD on the GAN's discriminator (src/fl/tasks/dp-gan-step.ts), against an independent
 * computation with plain tfjs ops: D's gradient is Σ_i clip_C(∇ BCE(D(x_i), 1)) / (q·n) plus
 * the unclipped mean gradient of BCE(D(G(z)), 0) — with clipping off (huge C) and fully on (tiny
 * C). And a DP round of gan-mnist and of cgan-mnist: it reports the steps and (σ, q, C), no D loss, moves both
 * networks and leaves no tensors behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { datasetSplit, subset } from '../../../src/data';
import { Gan } from '../../../src/nn/gan';
import { dpDiscriminatorGradient, getTask, weightsFromVariables } from '../../../src/fl';
import { SeededGaussianNoise } from '../../../src/fl/dp';
import { SeededRng } from '../../../src/util/rng';
import { assertClippedSum } from './dp-gradient-check';

const digits = subset(
  datasetSplit('mnist').test,
  Array.from({ length: 60 }, (_, i) => i),
);

function pixels(indices: number[]): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(indices.flatMap((j) => Array.from(digits.images.subarray(j * 784, (j + 1) * 784), (p) => p / 127.5 - 1))), [
    indices.length,
    784,
  ]);
}

/** D's logits written out: dense layers, LeakyReLU(0.2) between them, linear output. */
function logits(params: tf.Tensor[], x: tf.Tensor2D): tf.Tensor {
  let h: tf.Tensor = x;
  for (let l = 0; l < params.length; l += 2) {
    h = tf.add(tf.matMul(h as tf.Tensor2D, params[l] as tf.Tensor2D), params[l + 1]);
    if (l + 2 < params.length) h = tf.leakyRelu(h, 0.2);
  }
  return h;
}

function gradOf(params: tf.Tensor[], loss: (...p: tf.Tensor[]) => tf.Scalar): Float32Array[] {
  return tf
    .grads(loss as (...a: tf.Tensor[]) => tf.Tensor)(params)
    .map((g) => g.dataSync() as Float32Array);
}

test("D's DP gradient = Σ clipped per-example real gradients / (q·n) + the mean generated-batch gradient", () => {
  const gan = new Gan({ latentDim: 8, generatorHidden: [16], discriminatorHidden: [32, 16] }, 3);
  const real = pixels([0, 5, 9, 17, 33]);
  const fake = tf.tidy(() => gan.generate(gan.sampleLatent(new SeededRng(1), 3)));
  const expectedBatchSize = 4.3;
  const params = gan.discriminator.variables().map((v) => v.clone() as tf.Tensor);
  // softplus(−z) = BCE(z, 1), softplus(z) = BCE(z, 0).
  const perExample = [0, 1, 2, 3, 4].map((i) =>
    gradOf(params, (...p) => tf.sum(tf.softplus(tf.neg(logits(p, tf.slice(real, [i, 0], [1, -1]) as tf.Tensor2D)))) as tf.Scalar),
  );
  const fakeGrad = gradOf(params, (...p) => tf.mean(tf.softplus(logits(p, fake))) as tf.Scalar);
  assertClippedSum(perExample, fakeGrad, expectedBatchSize, (clipNorm) =>
    dpDiscriminatorGradient(gan, real, fake, { clipNorm, noiseMultiplier: 0, expectedBatchSize }),
  );
  // With noise, the result differs from the noiseless one (the noise reaches D's gradient).
  const noisy = dpDiscriminatorGradient(gan, real, fake, { clipNorm: 1, noiseMultiplier: 1, expectedBatchSize, noise: new SeededGaussianNoise(4) });
  const clean = dpDiscriminatorGradient(gan, real, fake, { clipNorm: 1, noiseMultiplier: 0, expectedBatchSize });
  assert.notDeepEqual(noisy, clean);
  tf.dispose([real, fake, ...params]);
  gan.dispose();
});

for (const name of ['gan-mnist:8:16:16', 'cgan-mnist:8:16:16'])
  test(`a DP-SGD round of ${name} reports steps and (σ, q, C), no D loss, moves both networks, leaks nothing`, async () => {
    const task = getTask(name);
    const model = task.createModel(0);
    const before = weightsFromVariables(model.variables, model.names);
    const tensors = tf.memory().numTensors;
    const m = await task.trainLocal(model, digits, { dpNoiseMultiplier: 1, dpClipNorm: 1, dpSampleRate: 0.1, localSteps: 4 }, 0, {
      sampling: new SeededRng(5),
      noise: new SeededGaussianNoise(6),
    });
    assert.equal(tf.memory().numTensors, tensors, 'tensors left behind');
    assert.deepEqual([m.steps, m.dp_noise_multiplier, m.dp_sample_rate, m.dp_clip_norm], [4, 1, 0.1, 1]);
    assert.equal(m.d_loss, undefined, "D's loss reads real digits: not reported under DP");
    assert.ok(Number.isFinite(m.g_loss) && m.g_loss > 0);
    const after = weightsFromVariables(model.variables, model.names);
    for (const prefix of ['generator/', 'discriminator/']) {
      const moved = before.values.some((v, i) => before.specs[i].name.startsWith(prefix) && v.some((x, j) => x !== after.values[i][j]));
      assert.ok(moved, `${prefix} moved`);
    }
    model.dispose();
  });
