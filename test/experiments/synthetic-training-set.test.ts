/**
 * What the generative-privacy server trains its classifier on (syntheticTrainingSet) and the
 * discriminator rejection sampler (drsSyntheticSet).
 *
 * Fresh synthetic digits per epoch: epochs × N digits, all distinct, for one pass, whose first N
 * (GAN-Leaks's set) are the plain N-digit draw; without the switch, the N digits for `epochs`
 * passes. Rejection sampling with γ = 0 is plain rejection sampling at rate exp(D̃ − D̃_M): on a
 * GAN built by hand whose pixel 0 is tanh(a·z), z ~ N(0, 1), and whose D's logit is β·pixel 0,
 * the accepted digits' pixel 0 must follow the tilted law ∝ φ(z)·exp(β·tanh(a·z)), whose mean the
 * test integrates numerically (an answer that owes nothing to the sampler's code). The acceptance
 * floor is tested in drs-acceptance-floor.test.ts.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../src/data';
import { getTask } from '../../src/fl';
import { syntheticSet, syntheticTrainingSet } from '../../src/experiments/generative-privacy';
import { drsScore, drsSyntheticSet } from '../../src/experiments/rejection-sampling';
import { Gan } from '../../src/nn/gan';
import { selectBackend } from '../../src/backend';

before(() => selectBackend({ quiet: true, blasThreads: 1 }));

const CLASSES = Array.from({ length: 10 }, (_, i) => String(i));
const key = (ds: ImageDataset, i: number): string => Buffer.from(ds.images.subarray(i * 784, (i + 1) * 784)).toString('base64');

test('fresh synthetic digits per epoch: epochs × N distinct digits in one pass; the first N are the plain draw', () => {
  const task = 'cgan-mnist:8:16:16';
  const model = getTask(task).createModel(5);
  try {
    const o = { count: 100, epochs: 3, rejectionSampling: null, seed: 9, classNames: CLASSES };
    const fresh = syntheticTrainingSet(model, task, { ...o, freshPerEpoch: true });
    const fixed = syntheticTrainingSet(model, task, { ...o, freshPerEpoch: false });
    assert.equal(fresh.train.count, 300);
    assert.equal(fresh.passes, 1);
    assert.equal(new Set(Array.from({ length: 300 }, (_, i) => key(fresh.train, i))).size, 300, 'no digit repeats: each epoch-worth of steps sees new digits');
    for (let e = 0; e < 3; e++) {
      const block = Array.from(fresh.train.labels.subarray(e * 100, (e + 1) * 100));
      assert.deepEqual(
        CLASSES.map((_, c) => block.filter((l) => l === c).length),
        Array(10).fill(10),
        `classes balanced in epoch-worth ${e}`,
      );
    }
    const plain = syntheticSet(model, task, 100, 9, CLASSES);
    assert.deepEqual(fresh.sample.images, plain.images, "GAN-Leaks's set is the plain draw");
    assert.deepEqual(fixed.train.images, plain.images);
    assert.equal(fixed.passes, 3);
    assert.equal(fixed.sample, fixed.train);
  } finally {
    model.dispose();
  }
});

/** A hand-built conditional GAN: pixel 0 = tanh(a·z₀), every other pixel tanh(0) = 0; D's logit = β·pixel 0. */
function tiltGan(a: number, beta: number): Gan {
  const gan = new Gan({ latentDim: 2, generatorHidden: [], discriminatorHidden: [], numClasses: 10 }, 0);
  const [gk, gb] = gan.generator.variables();
  const [dk, db] = gan.discriminator.variables();
  const set = (v: tf.Variable, at: number[], value: number): void => {
    const x = new Float32Array(v.size);
    if (at.length) x[at[0] * (v.shape[1] ?? 1) + (at[1] ?? 0)] = value;
    const t = tf.tensor(x, v.shape);
    v.assign(t);
    t.dispose();
  };
  set(gk, [0, 0], a);
  set(gb, [], 0);
  set(dk, [0, 0], beta);
  set(db, [], 0);
  return gan;
}

/** E[tanh(a z)] under the density ∝ φ(z)·exp(β tanh(a z)), by the trapezoid rule on [-10, 10]. */
function tiltedMean(a: number, beta: number): number {
  let num = 0,
    den = 0;
  const h = 1e-3;
  for (let z = -10; z <= 10; z += h) {
    const w = Math.exp((-z * z) / 2 + beta * Math.tanh(a * z));
    num += w * Math.tanh(a * z);
    den += w;
  }
  return num / den;
}

test('rejection sampling with γ = 0 draws from the tilted law exp(D̃)·p_G (analytic mean by quadrature)', () => {
  const a = 1.5,
    beta = 2;
  const gan = tiltGan(a, beta);
  try {
    const r = drsSyntheticSet(gan, 4000, 21, CLASSES, 'drs', { gamma: 0, burnIn: 2000 });
    const x = Array.from({ length: r.set.count }, (_, i) => r.set.images[i * 784] / 127.5 - 1);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const sd = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (x.length - 1));
    const want = tiltedMean(a, beta);
    const plain = tiltedMean(a, 0);
    // 4 standard errors, plus half a byte of rounding.
    assert.ok(Math.abs(mean - want) < 4 * (sd / Math.sqrt(x.length)) + 0.004, `accepted mean ${mean}, tilted law ${want}`);
    assert.ok(want - plain > 0.3, `the tilt is large enough to see (${plain} → ${want})`);
    // Every other pixel is 0 → byte 128 (127.5 rounded up).
    assert.ok(Array.from({ length: r.set.count }, (_, i) => r.set.images[i * 784 + 5]).every((b) => b === 128));
    assert.deepEqual(
      CLASSES.map((_, c) => r.set.labels.filter((l) => l === c).length),
      Array(10).fill(400),
    );
    // Acceptance: E[exp(β x − M)] with M ≈ β·tanh(a·z_max) ≤ β; at least E[exp(β(x − 1))].
    const floor = (() => {
      let s = 0,
        w = 0;
      for (let z = -10; z <= 10; z += 1e-3) {
        const p = Math.exp((-z * z) / 2);
        s += p * Math.exp(beta * (Math.tanh(a * z) - 1));
        w += p;
      }
      return s / w;
    })();
    assert.ok(r.acceptance >= floor * 0.95 && r.acceptance <= 1, `acceptance ${r.acceptance}, at least ≈ ${floor}`);
    // The acceptance floor (5 % by default) never engaged, so this was plain rejection sampling; the report adds up.
    assert.equal(r.minAcceptance, 0.05);
    assert.deepEqual(
      r.classes.map((c) => [c.label, c.accepted, c.fallbacks, c.gammaFinal]),
      CLASSES.map((_, c) => [c, 400, 0, 0]),
    );
    assert.equal(
      r.classes.reduce((s, c) => s + c.candidates, 0),
      r.candidates,
    );
    assert.equal(r.acceptance, 4000 / r.candidates);
  } finally {
    gan.dispose();
  }
});

test('DRS score and options: F is the paper formula; bad options are refused', () => {
  // F = d − log(1 − exp(d − ε)) − γ with d = logit − max.
  assert.ok(Math.abs(drsScore(-1, 0, 0.5, 1e-6) - (-1 - Math.log(1 - Math.exp(-1 - 1e-6)) - 0.5)) < 1e-12);
  assert.ok(drsScore(0, 0, 0, 1e-6) > 13, 'the best sample is accepted with probability ≈ 1');
  const gan = tiltGan(1, 1);
  try {
    assert.throws(() => drsSyntheticSet(gan, 10, 0, CLASSES, 'x', { gammaQuantile: 2 }), /gammaQuantile must be in \[0, 1\], got 2/);
    assert.throws(() => drsSyntheticSet(gan, 10, 0, CLASSES, 'x', { burnIn: 0 }), /burnIn must be a positive integer, got 0/);
    assert.throws(() => drsSyntheticSet(gan, 0, 0, CLASSES, 'x'), /count must be a positive integer, got 0/);
    assert.throws(() => drsSyntheticSet(gan, 10, 0, CLASSES, 'x', { minAcceptance: 1 }), /minAcceptance must be in \[0, 1\), got 1/);
    assert.throws(() => drsSyntheticSet(gan, 10, 0, CLASSES, 'x', { minAcceptance: -0.1 }), /minAcceptance must be in \[0, 1\), got -0.1/);
  } finally {
    gan.dispose();
  }
  const plainGan = new Gan({ latentDim: 2, generatorHidden: [4], discriminatorHidden: [4] }, 0);
  assert.throws(() => drsSyntheticSet(plainGan, 10, 0, CLASSES, 'x'), /needs a conditional GAN/);
  plainGan.dispose();
});
