import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { DropoutTransform, Gan, ganOptimizers, ganTrainStep, randomNormal, trainGan } from '../../src/nn';
import { ImageDataset } from '../../src/data/dataset';
import { SeededRng } from '../../src/util/rng';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const SMALL = { latentDim: 4, imageHeight: 3, imageWidth: 3, generatorHidden: [8], discriminatorHidden: [8] };

/** Textbook BCE of one logit against target t: −(t·log σ(x) + (1 − t)·log(1 − σ(x))). */
function bce(x: number, t: number): number {
  const s = 1 / (1 + Math.exp(-x));
  return -(t * Math.log(s) + (1 - t) * Math.log(1 - s));
}
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/**
 * D's loss of a step recomputed by hand from D's logits before the update: the generated
 * batch comes from a copy of the step's rng (latents first, then the instance noise).
 */
function expectedDLoss(gan: Gan, real: tf.Tensor2D, rngSeed: number, realTarget: number, sigma: number): number {
  const rng = new SeededRng(rngSeed);
  const n = real.shape[0];
  return tf.tidy(() => {
    const fake = gan.generate(gan.sampleLatent(rng, n));
    let images = tf.concat([real, fake], 0) as tf.Tensor2D;
    if (sigma > 0) images = images.add(randomNormal(rng, images.shape, 0, sigma)) as tf.Tensor2D;
    const logits = Array.from(gan.discriminate(images).dataSync());
    return mean(logits.slice(0, n).map((x) => bce(x, realTarget))) + mean(logits.slice(n).map((x) => bce(x, 0)));
  });
}

function realBatch(n: number): tf.Tensor2D {
  const r = new SeededRng(7);
  return tf.tensor2d(
    Float32Array.from({ length: n * 9 }, () => r.next() * 2 - 1),
    [n, 9],
  );
}

for (const c of [
  { name: "one-sided label smoothing: D's loss is BCE(D(real), 0.9) + BCE(D(fake), 0), by hand", realTarget: 0.9, sigma: 0, seed: 11 },
  { name: 'instance noise: D sees real and generated images plus N(0, σ²) noise, by hand', realTarget: 1, sigma: 0.5, seed: 12 },
]) {
  test(c.name, () => {
    const gan = new Gan(SMALL, c.seed);
    const real = realBatch(6);
    const expected = expectedDLoss(gan, real, c.seed, c.realTarget, c.sigma);
    const reference = expectedDLoss(gan, real, c.seed, 1, 0);
    const got = ganTrainStep(gan, ganOptimizers(gan), real, new SeededRng(c.seed), undefined, { realTarget: c.realTarget, instanceNoise: c.sigma });
    assert.ok(Math.abs(got.d - expected) < 1e-5, `D loss ${got.d} vs hand-computed ${expected}`);
    assert.ok(Math.abs(expected - reference) > 1e-3, 'the stabiliser changes the loss (the test can tell them apart)');
    real.dispose();
    gan.dispose();
  });
}

test('step options are checked', () => {
  const gan = new Gan(SMALL, 5);
  const real = realBatch(2);
  assert.throws(() => ganTrainStep(gan, ganOptimizers(gan), real, new SeededRng(1), undefined, { realTarget: 0.4 }), /real target .* \(0.5, 1\], got 0.4/);
  assert.throws(() => ganTrainStep(gan, ganOptimizers(gan), real, new SeededRng(1), undefined, { instanceNoise: -1 }), /instance noise/);
  real.dispose();
  gan.dispose();
});

test('DropoutTransform zeroes about `rate` of hidden units, scales the rest by 1/(1 − rate), spares the output layer', () => {
  const t = new DropoutTransform(0.3, 2, new SeededRng(5));
  const y = tf.ones([100, 200]) as tf.Tensor2D;
  const v = Array.from(t.output(0, y).dataSync());
  const zeros = v.filter((x) => x === 0).length / v.length;
  assert.ok(Math.abs(zeros - 0.3) < 0.01, `dropped ${zeros}`);
  assert.ok(v.every((x) => x === 0 || Math.abs(x - 1 / 0.7) < 1e-6));
  assert.deepEqual(Array.from(t.output(2, y).dataSync()), Array.from(y.dataSync()), 'the last layer (the logit) is never dropped');
  t.training = false;
  assert.deepEqual(Array.from(t.output(0, y).dataSync()), Array.from(y.dataSync()), 'no dropout outside training');
  const a = new DropoutTransform(0.5, 1, new SeededRng(9)).output(0, y).dataSync();
  const b = new DropoutTransform(0.5, 1, new SeededRng(9)).output(0, y).dataSync();
  assert.deepEqual(Array.from(a), Array.from(b), 'seeded masks');
  assert.throws(() => new DropoutTransform(1, 1, new SeededRng(1)), /rate must be in \[0, 1\)/);
  y.dispose();
});

test('trainGan with D dropout trains, is seeded, and leaves D without the transform', async () => {
  const r = new SeededRng(3);
  const ds: ImageDataset = {
    name: 'tiny',
    count: 32,
    height: 3,
    width: 3,
    classNames: ['a'],
    images: Uint8Array.from({ length: 32 * 9 }, () => Math.floor(r.next() * 256)),
    labels: new Uint8Array(32),
  };
  const run = () =>
    trainGan({
      dataset: ds,
      epochs: 2,
      batchSize: 8,
      seed: 1,
      config: SMALL,
      sampleEpochs: [],
      stabilizers: { discriminatorDropout: 0.3, realTarget: 0.9, instanceNoise: 0.1 },
    });
  const a = await run();
  const b = await run();
  const plain = await trainGan({ dataset: ds, epochs: 2, batchSize: 8, seed: 1, config: SMALL, sampleEpochs: [] });
  assert.deepEqual(a.history.steps.d, b.history.steps.d, 'same seed, same losses');
  assert.notDeepEqual(a.history.steps.d, plain.history.steps.d, 'the stabilisers change training');
  assert.equal(a.gan.discriminator.transform, undefined);
  for (const x of [a, b, plain]) x.gan.dispose();
});
