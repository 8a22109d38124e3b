/**
 * Whole federated jobs, server and three sites each in its own process over HTTP:
 *   - exactness: with one full-batch step of plain SGD per site, FedAvg weighted by example
 *     counts equals one centralized full-batch gradient step over the union of the shards,
 *     computed here independently with plain tfjs ops (and differs from an unweighted mean);
 *   - convergence: a few rounds of local Adam lift the held-out accuracy well above chance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadSiteShard } from '../../src/data';
import { initialWeights, mlpMnist, RoundRecord, runFederated, siteDir, Weights } from '../../src/fl';
import { tmpDir } from '../support/tmp';

/** Mean cross-entropy of the 784-100-10 ReLU MLP written out with plain tfjs ops. */
function gradientStep(w: Weights, images: Uint8Array, labels: Uint8Array, lr: number): Float32Array[] {
  return tf.tidy(() => {
    const n = labels.length;
    const x = tf.tensor2d(
      Float32Array.from(images, (p) => p / 127.5 - 1),
      [n, 784],
    );
    const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 10);
    const loss = (w0: tf.Tensor, b0: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor): tf.Scalar => {
      const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w0 as tf.Tensor2D), b0)), w1 as tf.Tensor2D), b1);
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    };
    const params = w.values.map((v, i) => tf.tensor(v, [...w.specs[i].shape]));
    const grads = tf.grads(loss as (...a: tf.Tensor[]) => tf.Tensor)(params);
    return params.map((p, i) => tf.sub(p, tf.mul(grads[i], lr)).dataSync() as Float32Array);
  });
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

test('one full-batch SGD step per site, weighted by counts = one centralized full-batch step', async () => {
  const lr = 0.5;
  const seed = 4;
  const job = await runFederated({
    sites: 3,
    rounds: 1,
    fit: { localSteps: 1, batchSize: 0, optimizer: 'sgd', learningRate: lr },
    trainExamples: 600,
    fractions: [5, 3, 2],
    seed,
    dir: tmpDir('privlab-fl-exact-'),
    roundTimeoutSeconds: 60,
  });
  const record = job.state.history[0];
  assert.equal(record.accepted.length, 3);
  assert.deepEqual(
    record.accepted.map((a) => a.numExamples),
    [300, 180, 120],
  );

  const init = initialWeights(mlpMnist, seed);
  const shards = ['site-1', 'site-2', 'site-3'].map((s) => loadSiteShard(siteDir(job.dir, s)).train);
  const union = (f: (d: (typeof shards)[number]) => Uint8Array): Uint8Array => Uint8Array.from(shards.flatMap((d) => Array.from(f(d))));
  const central = gradientStep(
    init,
    union((d) => d.images),
    union((d) => d.labels),
    lr,
  );
  const fed = job.state.weights.values;
  const err = maxAbsDiff(fed, central);
  assert.ok(err < 2e-6, `federated vs centralized step: max |diff| ${err}`);
  assert.ok(maxAbsDiff(fed, init.values) > 1e-3, 'the step moved the weights');

  // An unweighted mean of the sites' steps is a different answer: the weighting is tested.
  const perSite = shards.map((d) => gradientStep(init, d.images, d.labels, lr));
  const unweighted = perSite[0].map((t, i) => t.map((_, j) => (perSite[0][i][j] + perSite[1][i][j] + perSite[2][i][j]) / 3));
  assert.ok(maxAbsDiff(unweighted, central) > 50 * 2e-6, 'an unweighted mean would be distinguishable');
});

test('three sites converge: held-out accuracy rises far above chance', async () => {
  const live: RoundRecord[] = [];
  const job = await runFederated({
    sites: 3,
    rounds: 4,
    fit: { localSteps: 25, batchSize: 32, optimizer: 'adam', learningRate: 1e-3 },
    trainExamples: 3000,
    seed: 1,
    dir: tmpDir('privlab-fl-conv-'),
    roundTimeoutSeconds: 60,
    onRound: (r) => live.push(r),
  });
  const h = job.state.history;
  assert.deepEqual(live, h, 'each round was reported live as it was checkpointed');
  assert.equal(h.length, 4);
  for (const r of h) {
    assert.deepEqual(
      r.accepted.map((a) => a.site),
      ['site-1', 'site-2', 'site-3'],
    );
    assert.equal(r.rejected.length + r.missing.length, 0);
    for (const a of r.accepted) assert.ok(a.metrics.global_accuracy >= 0 && a.metrics.train_loss > 0);
  }
  const first = h[0].metrics.global_accuracy;
  const last = job.state.evaluation!.metrics.accuracy;
  assert.ok(first < 0.3, `the initial model is near chance (${first})`);
  assert.ok(last > 0.8, `final held-out accuracy ${last}`);
  assert.ok(h[3].metrics.train_loss < h[0].metrics.train_loss / 2, `train loss ${h[0].metrics.train_loss} → ${h[3].metrics.train_loss}`);
  assert.equal(
    job.state.evaluation!.metrics.num_examples,
    10000,
    'every site evaluated its held-out images (the canonical 10,000 test digits, split over the sites)',
  );
});
