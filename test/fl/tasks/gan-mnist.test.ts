/**
 * The gan-mnist task: a federated job of 2 rounds over 2 sites (separate processes) trains a
 * small MLP GAN with both networks averaged — the sites' losses are finite every round, the
 * global generator and discriminator moved from their initial weights — and the FID of the
 * final generator comes out of src/metrics. Task names carry the sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { datasetSplit, subset } from '../../../src/data';
import { federatedGeneratorFid, getTask, initialWeights, parseGanTaskName, runFederated } from '../../../src/fl';
import { loadFeatureModel } from '../../../src/metrics/feature-model';
import { tmpDir } from '../../support/tmp';

const TASK = 'gan-mnist:8:32:32';

test('gan-mnist: 2 rounds over 2 site processes, finite losses, both networks federated and moved', async () => {
  const seed = 2;
  const job = await runFederated({
    sites: 2,
    rounds: 2,
    task: TASK,
    fit: { localSteps: 5, batchSize: 16, globalEvalExamples: 200 },
    trainExamples: 400,
    seed,
    dir: tmpDir('privlab-fl-gan-'),
    roundTimeoutSeconds: 60,
  });
  const h = job.state.history;
  assert.equal(h.length, 2);
  for (const r of h) {
    assert.deepEqual(
      r.accepted.map((a) => a.site),
      ['site-1', 'site-2'],
    );
    for (const a of r.accepted) {
      for (const k of ['d_loss', 'g_loss', 'global_d_loss', 'global_g_loss'])
        assert.ok(Number.isFinite(a.metrics[k]) && a.metrics[k] > 0, `${r.round} ${a.site} ${k} = ${a.metrics[k]}`);
      assert.equal(a.metrics.steps, 5);
    }
    assert.equal(r.privacy.epsilon, null);
  }
  const ev = job.state.evaluation!.metrics;
  assert.ok(Number.isFinite(ev.d_loss) && Number.isFinite(ev.g_loss), JSON.stringify(ev));

  const init = initialWeights(getTask(TASK), seed);
  const moved = (prefix: string): number => {
    let m = 0;
    init.specs.forEach((s, i) => {
      if (s.name.startsWith(prefix)) init.values[i].forEach((v, j) => (m = Math.max(m, Math.abs(job.state.weights.values[i][j] - v))));
    });
    return m;
  };
  assert.deepEqual(
    init.specs.map((s) => s.name).filter((n) => n.endsWith('kernel')),
    ['generator/layer0/kernel', 'generator/layer1/kernel', 'discriminator/layer0/kernel', 'discriminator/layer1/kernel'],
  );
  assert.ok(moved('generator/') > 1e-4, `the global generator changed (max ${moved('generator/')})`);
  assert.ok(moved('discriminator/') > 1e-4, `the global discriminator changed (max ${moved('discriminator/')})`);

  // FID of the final generator, once, against held-out digits (few samples: a smoke check of the path).
  const fm = await loadFeatureModel();
  try {
    const real = subset(
      datasetSplit('mnist').test,
      Array.from({ length: 300 }, (_, i) => i),
    );
    const fid = federatedGeneratorFid(getTask(TASK), job.state.weights, fm, real, 300);
    const initialFid = federatedGeneratorFid(getTask(TASK), init, fm, real, 300);
    assert.ok(Number.isFinite(fid) && fid > 0, `FID ${fid}`);
    assert.notEqual(fid, initialFid, 'the FID is of the trained generator, not the initial one');
  } finally {
    fm.dispose();
  }
});

test('gan-mnist task names carry the sizes; a round runs its steps across epochs without leaking tensors', async () => {
  assert.deepEqual(parseGanTaskName('gan-mnist'), {});
  assert.deepEqual(parseGanTaskName('gan-mnist:8:32.16:64'), { latentDim: 8, generatorHidden: [32, 16], discriminatorHidden: [64] });
  assert.equal(parseGanTaskName('mlp-mnist'), undefined);
  assert.throws(() => parseGanTaskName('gan-mnist:8:32'), /gan-mnist:LATENT:G_HIDDEN:D_HIDDEN/);
  assert.throws(() => parseGanTaskName('gan-mnist:8:0:32'), /gan-mnist:LATENT:G_HIDDEN:D_HIDDEN/);
  const reference = getTask('gan-mnist').createModel(0);
  assert.equal(reference.names.length, 16, 'the reference GAN: 4 layers each in G and D, kernel and bias');
  reference.dispose();
  const model = getTask(TASK).createModel(0);
  const tensors = tf.memory().numTensors;
  const m = await getTask(TASK).trainLocal(
    model,
    subset(
      datasetSplit('mnist').test,
      Array.from({ length: 40 }, (_, i) => i),
    ),
    { localSteps: 5, batchSize: 16 },
    0,
  );
  assert.equal(m.steps, 5, 'steps run on across epochs (40 images, batch 16)');
  assert.equal(tf.memory().numTensors, tensors, 'no tensors left behind by a GAN round');
  model.dispose();
});
