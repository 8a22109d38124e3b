/**
 * Refitting a GAN's critic to a fixed generator (fit key trainGenerator false), and a federated
 * job that starts from given weights (runFederated's initialWeights): D-only rounds leave the
 * generator bit for bit as it was, in the plain and the DP-SGD round, while the discriminator's
 * loss on held-out digits against that generator falls; a job started from given weights ends
 * with their generator and moved discriminator, and its directory refuses other start weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetSplit, subset } from '../../../src/data';
import { Config, getTask, initialWeights, runFederated, weightsFromVariables, Weights } from '../../../src/fl';
import { tmpDir } from '../../support/tmp';

const TASK = 'cgan-mnist:8:32:32';
const range = (a: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + i);

/** The largest |a − b| over the tensors whose name starts with `prefix`. */
function maxChange(a: Weights, b: Weights, prefix: string): number {
  let m = 0;
  a.specs.forEach((s, i) => {
    if (s.name.startsWith(prefix)) a.values[i].forEach((v, j) => (m = Math.max(m, Math.abs(v - b.values[i][j]))));
  });
  return m;
}

test('D-only rounds (trainGenerator false) keep G bit for bit, plain and DP-SGD; D learns: its held-out loss against that G falls', async () => {
  const task = getTask(TASK);
  const test = datasetSplit('mnist').test;
  const train = subset(test, range(0, 200));
  const heldOut = subset(test, range(5000, 500));
  const fits: Config[] = [
    { localSteps: 40, batchSize: 32, learningRate: 1e-3, trainGenerator: false },
    { localSteps: 20, learningRate: 1e-3, dpNoiseMultiplier: 0.5, dpClipNorm: 1, dpSampleRate: 0.1, trainGenerator: false },
  ];
  for (const fit of fits) {
    const what = 'dpNoiseMultiplier' in fit ? 'DP-SGD' : 'plain';
    const model = task.createModel(4);
    try {
      const before = weightsFromVariables(model.variables, model.names);
      const lossBefore = task.evaluate(model, heldOut).d_loss;
      const m = await task.trainLocal(model, train, fit, 1);
      const after = weightsFromVariables(model.variables, model.names);
      assert.equal(maxChange(before, after, 'generator/'), 0, `${what}: the generator is not trained`);
      assert.ok(maxChange(before, after, 'discriminator/') > 1e-4, `${what}: the discriminator is`);
      assert.equal(m.g_loss, undefined, `${what}: no generator loss is reported for a round that does not train G`);
      const lossAfter = task.evaluate(model, heldOut).d_loss;
      // A fresh D sits near BCE = 2 ln 2 (real + generated); one that learns real from generated goes below it.
      assert.ok(lossAfter < lossBefore - 0.05, `${what}: D's held-out loss ${lossBefore.toFixed(3)} → ${lossAfter.toFixed(3)}`);
    } finally {
      model.dispose();
    }
  }
  // The default still trains both networks.
  const model = task.createModel(4);
  try {
    const before = weightsFromVariables(model.variables, model.names);
    const m = await task.trainLocal(model, train, { localSteps: 3, batchSize: 32 }, 1);
    assert.ok(maxChange(before, weightsFromVariables(model.variables, model.names), 'generator/') > 0, 'G trains by default');
    assert.ok(Number.isFinite(m.g_loss), 'and its loss is reported');
  } finally {
    model.dispose();
  }
  await assert.rejects(
    task.trainLocal(task.createModel(0), train, { localSteps: 1, trainGenerator: 'no' }, 0),
    /config "trainGenerator" must be true or false/,
  );
});

test('a federated job started from given weights: D-only rounds return their generator exactly; the directory refuses other start weights', async () => {
  const start = initialWeights(getTask(TASK), 11);
  const job = {
    sites: 2,
    rounds: 1,
    task: TASK,
    fit: { localSteps: 5, batchSize: 16, trainGenerator: false, globalEvalExamples: 100 },
    trainExamples: 200,
    testExamples: 100,
    seed: 2,
    roundTimeoutSeconds: 60,
  };
  const dir = tmpDir('privlab-fl-refit-');
  const lines: string[] = [];
  const r = await runFederated({ ...job, dir, initialWeights: start, log: (l) => lines.push(l) });
  assert.ok(
    lines.some((l) => /starting from the weights in .*server\.ckpt/.test(l)),
    lines.join('\n'),
  );
  assert.equal(maxChange(r.state.weights, start, 'generator/'), 0, "the job's generator is the one it was given");
  assert.ok(maxChange(r.state.weights, start, 'discriminator/') > 1e-4, 'its discriminator trained from the given one');
  // Not the job's own fresh model (seed 2), which a launcher that ignored the weights would start from.
  assert.ok(maxChange(initialWeights(getTask(TASK), 2), start, 'generator/') > 1e-3);

  await assert.rejects(runFederated({ ...job, dir, initialWeights: initialWeights(getTask(TASK), 12) }), /other settings \(initialWeights\)/);
  await assert.rejects(runFederated({ ...job, dir }), /other settings \(initialWeights\)/);
  const again = await runFederated({ ...job, dir, initialWeights: start });
  assert.deepEqual(again.state.weights.values, r.state.weights.values, 'the same start weights resume the finished job');
});
