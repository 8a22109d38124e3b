/**
 * DP-SGD for Pix2Pix (src/fl/tasks/dp-pix2pix-step.ts), against the non-private step of
 * src/nn/pix2pix as the independent path: with no noise and no clipping, one DP step on one
 * example gives the same weights as pix2pixTrainStep on that example (same dropout masks); the
 * pre-clipping norms it returns are those of each example's own gradient; a DP round of the
 * task reports the steps and (σ, q, C) and no loss; and the server's ledger composes two
 * mechanisms per step for this task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fashionEdgePairs } from '../../../src/data/pix2pix-pairs';
import { subset } from '../../../src/data';
import { loadFashionMnist } from '../../../src/data/fashion';
import { sitePairs } from '../../../src/fl';
import { Pix2Pix, pix2pixOptimizers, pix2pixTrainStep } from '../../../src/nn/pix2pix';
import { discriminatorLoss } from '../../../src/nn/pix2pix/losses';
import {
  asPix2Pix,
  dpPix2PixTrainStep,
  PIX2PIX_SMALL_CONFIG,
  pix2pixFashionSmall,
  pix2pixFashionTask,
  PrivacyLedger,
  weightsFromVariables,
} from '../../../src/fl';
import { epsilonFor, SeededGaussianNoise } from '../../../src/fl/dp';
import { SeededRng } from '../../../src/util/rng';

const TINY = { generator: { ...PIX2PIX_SMALL_CONFIG.generator, filters: 4 }, discriminator: { ...PIX2PIX_SMALL_CONFIG.discriminator, filters: 4 } };

function maxDiff(a: tf.Variable[], b: tf.Variable[]): number {
  let worst = 0;
  a.forEach((v, k) => {
    const x = v.dataSync();
    const y = b[k].dataSync();
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - y[j]));
  });
  return worst;
}

test('σ = 0, no clipping, one example: the DP step equals the non-private step on that example', () => {
  const pairs = fashionEdgePairs('test', { count: 4 });
  const a = new Pix2Pix(TINY, 5);
  const b = new Pix2Pix(TINY, 5);
  const optA = pix2pixOptimizers(a);
  const optB = pix2pixOptimizers(b);
  try {
    const before = maxDiff(a.variables(), b.variables());
    assert.equal(before, 0);
    const x = pairs.edges.slice([2, 0, 0, 0], [1, -1, -1, -1]);
    const y = pairs.images.slice([2, 0, 0, 0], [1, -1, -1, -1]);
    pix2pixTrainStep(a, optA, x, y, new SeededRng(9));
    tf.dispose([x, y]);
    const norms = dpPix2PixTrainStep(b, optB, pairs, [2], new SeededRng(9), { clipNorm: 1e9, noiseMultiplier: 0, expectedBatchSize: 1 });
    const moved = maxDiff(a.variables(), new Pix2Pix(TINY, 5).variables());
    assert.ok(moved > 1e-5, `the step moved the weights (${moved})`);
    assert.ok(maxDiff(a.variables(), b.variables()) < 1e-5, `DP vs plain: ${maxDiff(a.variables(), b.variables())}`);
    assert.equal(norms.d.length, 1);
    assert.equal(norms.g.length, 1);
  } finally {
    [optA, optB].forEach((o) => (o.generator.dispose(), o.discriminator.dispose()));
    a.dispose();
    b.dispose();
    tf.dispose([pairs.edges, pairs.images]);
  }
});

test("the norms returned are each example's own D-gradient norm (dropout off for the check)", () => {
  const pairs = fashionEdgePairs('test', { count: 3 });
  const m = new Pix2Pix({ ...TINY, generator: { ...TINY.generator, dropout: 0 } }, 2);
  const opt = pix2pixOptimizers(m);
  try {
    const want = [0, 2].map((i) =>
      tf.tidy(() => {
        const x = pairs.edges.slice([i, 0, 0, 0], [1, -1, -1, -1]);
        const y = pairs.images.slice([i, 0, 0, 0], [1, -1, -1, -1]);
        const { grads } = tf.variableGrads(
          () => discriminatorLoss(m.discriminator.apply(x, y), m.discriminator.apply(x, m.generator.apply(x))),
          m.discriminator.variables(),
        );
        return Math.sqrt(Object.values(grads).reduce((s, g) => s + tf.sum(tf.square(g)).dataSync()[0], 0));
      }),
    );
    const norms = dpPix2PixTrainStep(m, opt, pairs, [0, 2], new SeededRng(1), {
      clipNorm: 0.01,
      noiseMultiplier: 1,
      expectedBatchSize: 2,
      noise: new SeededGaussianNoise(4),
    });
    norms.d.forEach((n, k) => assert.ok(Math.abs(n - want[k]) <= 1e-4 * want[k], `example ${k}: ${n} vs ${want[k]}`));
    assert.ok(norms.g.every((n) => n > 0 && Number.isFinite(n)));
  } finally {
    opt.generator.dispose();
    opt.discriminator.dispose();
    m.dispose();
    tf.dispose([pairs.edges, pairs.images]);
  }
});

test('a DP-SGD round of the pix2pix task (4 filters): steps and (σ, q, C) reported, no loss, both networks moved, no tensors left', async () => {
  const shard = subset(
    loadFashionMnist('test'),
    Array.from({ length: 6 }, (_, i) => i),
  );
  const task = pix2pixFashionTask('pix2pix-tiny', TINY, 'test');
  const model = task.createModel(1);
  const w0 = weightsFromVariables(model.variables, model.names);
  sitePairs(shard); // the site's pairs live as long as its shard
  const tensors = tf.memory().numTensors;
  const m = await task.trainLocal(model, shard, { localSteps: 3, dpNoiseMultiplier: 0.8, dpClipNorm: 1, dpSampleRate: 0.5 }, 7, {
    noise: new SeededGaussianNoise(1),
  });
  assert.deepEqual([m.steps, m.dp_noise_multiplier, m.dp_sample_rate, m.dp_clip_norm], [3, 0.8, 0.5, 1]);
  assert.ok(!('d_loss' in m) && !('train_loss' in m) && !('l1' in m), 'no training loss under DP-SGD');
  const w1 = weightsFromVariables(model.variables, model.names);
  for (const net of ['generator/', 'discriminator/']) {
    const moved = model.names.some((n, k) => n.startsWith(net) && w1.values[k].some((v, j) => v !== w0.values[k][j]));
    assert.ok(moved, `${net} moved`);
  }
  asPix2Pix(model);
  await assert.rejects(
    () => task.trainLocal(model, shard, { localSteps: 1, dpNoiseMultiplier: 1, dpClipNorm: 1, dpSampleRate: 0.5, optimizer: 'sgd' }, 1),
    /Adam/,
  );
  assert.equal(tf.memory().numTensors, tensors, 'no tensors left behind');
  model.dispose();
});

test('the ledger composes two mechanisms per DP-SGD step when the task says so', () => {
  const fit = { localSteps: 5, dpNoiseMultiplier: 1.2, dpClipNorm: 1, dpSampleRate: 0.01 };
  const answer = { site: 'site-1', metrics: { steps: 5, dp_noise_multiplier: 1.2, dp_sample_rate: 0.01, dp_clip_norm: 1 } };
  const one = new PrivacyLedger({ policy: { name: 'none', params: {} }, fit, totalSites: 1 });
  const two = new PrivacyLedger({ policy: { name: 'none', params: {} }, fit, totalSites: 1, releasesPerStep: pix2pixFashionSmall.dpReleasesPerStep });
  const e1 = one.completeRound(['site-1'], [answer as never]).epsilon!;
  const e2 = two.completeRound(['site-1'], [answer as never]).epsilon!;
  const want = (steps: number): number => epsilonFor({ noiseMultiplier: 1.2, sampleRate: 0.01, steps, delta: 1e-5 }).epsilon;
  assert.equal(e1, want(5));
  assert.equal(e2, want(10));
  assert.throws(() => new PrivacyLedger({ policy: { name: 'none', params: {} }, fit, totalSites: 1, releasesPerStep: 0 }), /releasesPerStep/);
});
