/**
 * The cgan-mnist task (the class-conditional GAN federated): names carry the sizes and make the
 * GAN conditional on 10 classes; D's DP-SGD gradient with each example's own class matches an
 * independent computation with plain tfjs ops (a DP round of it: test/fl/tasks/dp-gan-step.test.ts); and a briefly trained generator
 * respects the requested class — the cached FID LeNet (trained on real digits, independent of the
 * GAN) reads the requested digit in each class's samples well above chance.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { datasetSplit, subset } from '../../../src/data';
import { Gan } from '../../../src/nn/gan';
import { dpDiscriminatorGradient, ganOf, getTask, parseGanTaskName } from '../../../src/fl';
import { loadFeatureModel, predictClasses } from '../../../src/metrics/feature-model';
import { SeededRng } from '../../../src/util/rng';
import { assertClippedSum } from './dp-gradient-check';
import { selectBackend } from '../../../src/backend';

before(() => selectBackend({ quiet: true, blasThreads: 1 }));

/** Local steps of the label test's generator. */
const STEPS = 3000;

const digits = subset(
  datasetSplit('mnist').test,
  Array.from({ length: 60 }, (_, i) => i),
);

test('cgan-mnist names: conditional on 10 classes, sizes in the name, clear errors', () => {
  assert.deepEqual(parseGanTaskName('cgan-mnist'), { numClasses: 10 });
  assert.deepEqual(parseGanTaskName('cgan-mnist:8:32.16:64'), { latentDim: 8, generatorHidden: [32, 16], discriminatorHidden: [64], numClasses: 10 });
  assert.deepEqual(parseGanTaskName('gan-mnist:8:32:64'), { latentDim: 8, generatorHidden: [32], discriminatorHidden: [64] });
  assert.throws(() => parseGanTaskName('cgan-mnist:8:32'), /cgan-mnist:LATENT:G_HIDDEN:D_HIDDEN/);
  const model = getTask('cgan-mnist:8:16:16').createModel(0);
  const gan = ganOf(model, getTask('cgan-mnist:8:16:16'));
  assert.equal(gan.config.numClasses, 10);
  // G reads latent + one-hot, D reads pixels + one-hot.
  assert.deepEqual(model.variables[0].shape, [18, 16]);
  assert.ok(model.variables.some((v, i) => model.names[i] === 'discriminator/layer0/kernel' && v.shape[0] === 794));
  model.dispose();
  const fashionLike = { ...digits, classNames: ['a', 'b'] };
  const t = getTask('cgan-mnist:8:16:16');
  const m2 = t.createModel(0);
  assert.rejects(() => t.trainLocal(m2, fashionLike, { localSteps: 1 }, 0), /conditional on 10 classes, got 2/).finally(() => m2.dispose());
});

function pixels(indices: number[]): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(indices.flatMap((j) => Array.from(digits.images.subarray(j * 784, (j + 1) * 784), (p) => p / 127.5 - 1))), [
    indices.length,
    784,
  ]);
}

/** D's logits written out on [pixels, one-hot]: dense layers, LeakyReLU(0.2) between them. */
function logits(params: tf.Tensor[], x: tf.Tensor2D, classes: number[]): tf.Tensor {
  let h: tf.Tensor = tf.concat([x, tf.oneHot(tf.tensor1d(classes, 'int32'), 10).toFloat()], 1);
  for (let l = 0; l < params.length; l += 2) {
    h = tf.add(tf.matMul(h as tf.Tensor2D, params[l] as tf.Tensor2D), params[l + 1]);
    if (l + 2 < params.length) h = tf.leakyRelu(h, 0.2);
  }
  return h;
}

const gradOf = (params: tf.Tensor[], loss: (...p: tf.Tensor[]) => tf.Scalar): Float32Array[] =>
  tf
    .grads(loss as (...a: tf.Tensor[]) => tf.Tensor)(params)
    .map((g) => g.dataSync() as Float32Array);

test("conditional D's DP gradient reads each example's own class: Σ clipped per-example gradients / (q·n) + the generated mean", () => {
  const gan = new Gan({ latentDim: 8, generatorHidden: [16], discriminatorHidden: [32, 16], numClasses: 10 }, 3);
  const rows = [0, 5, 9, 17];
  const real = pixels(rows);
  const realClasses = rows.map((j) => digits.labels[j]);
  const fakeClasses = [3, 7, 1];
  const fake = tf.tidy(() => gan.generate(gan.sampleLatent(new SeededRng(1), 3), gan.oneHot(fakeClasses)));
  const params = gan.discriminator.variables().map((v) => v.clone() as tf.Tensor);
  const perExample = rows.map((_, i) =>
    gradOf(params, (...p) => tf.sum(tf.softplus(tf.neg(logits(p, tf.slice(real, [i, 0], [1, -1]) as tf.Tensor2D, [realClasses[i]])))) as tf.Scalar),
  );
  const fakeGrad = gradOf(params, (...p) => tf.mean(tf.softplus(logits(p, fake, fakeClasses))) as tf.Scalar);
  const expectedBatchSize = 3.7;
  assertClippedSum(perExample, fakeGrad, expectedBatchSize, (clipNorm) =>
    dpDiscriminatorGradient(gan, real, fake, { clipNorm, noiseMultiplier: 0, expectedBatchSize }, { real: realClasses, fake: fakeClasses }),
  );
  // Other classes give another gradient: the class is part of each example's loss.
  const shifted = dpDiscriminatorGradient(
    gan,
    real,
    fake,
    { clipNorm: 1e6, noiseMultiplier: 0, expectedBatchSize },
    { real: realClasses.map((c) => (c + 1) % 10), fake: fakeClasses },
  );
  const same = dpDiscriminatorGradient(gan, real, fake, { clipNorm: 1e6, noiseMultiplier: 0, expectedBatchSize }, { real: realClasses, fake: fakeClasses });
  assert.notDeepEqual(shifted, same);
  assert.throws(() => dpDiscriminatorGradient(gan, real, fake, { clipNorm: 1, noiseMultiplier: 0, expectedBatchSize }), /conditional GAN needs labels/);
  tf.dispose([real, fake, ...params]);
  gan.dispose();
});

test('a briefly trained cgan-mnist draws the requested digit: the FID LeNet reads each class above chance', async () => {
  const task = getTask('cgan-mnist:32:128.256:256.128');
  const train = subset(
    datasetSplit('mnist').train,
    Array.from({ length: 3000 }, (_, i) => i),
  );
  const model = task.createModel(1);
  // The task's own round (what a site runs), seeded: Adam at 1e-3, batch 64.
  await task.trainLocal(model, train, { localSteps: STEPS, batchSize: 64, learningRate: 1e-3 }, 7);
  const gan = ganOf(model, task);
  const perClass = 50;
  const requested = Array.from({ length: 10 * perClass }, (_, i) => Math.floor(i / perClass));
  const images = tf.tidy(() => gan.generate(gan.sampleLatent(new SeededRng(3), requested.length), gan.oneHot(requested)).reshape([-1, 28, 28, 1]));
  const fm = await loadFeatureModel();
  try {
    const read = predictClasses(fm, images, '[-1,1]');
    const hits = Array.from({ length: 10 }, (_, c) => requested.filter((r, i) => r === c && read[i] === c).length / perClass);
    // chance is 0.1 per class; a generator ignoring its label would score ~0.1 on average
    assert.ok(
      hits.every((h) => h > 0.2),
      `share read as the requested class, per class: ${hits.map((h) => h.toFixed(2)).join(' ')}`,
    );
    assert.ok(hits.reduce((a, b) => a + b, 0) / 10 > 0.5, `mean ${hits.reduce((a, b) => a + b, 0) / 10}`);
  } finally {
    fm.dispose();
    images.dispose();
    model.dispose();
  }
});
