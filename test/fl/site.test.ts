/**
 * A site in one process, against a scripted transport: it answers only the tasks whose
 * sample includes it, its update is exactly (weights after local training) − (global
 * weights) — checked against the task trained independently from the same weights and seed
 * — it reports its example count and metrics, and it evaluates when asked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMnist, subset } from '../../src/data';
import { IDENTITY_POLICY, TaskMessage, assignWeights, initialWeights, mlpMnist, runSite, siteSeed, weightsFromVariables } from '../../src/fl';
import { scriptedSiteTransport } from '../support/fl-sites';

test('a site answers its sampled tasks with local − global, its counts and metrics', async () => {
  const all = loadMnist();
  const train = subset(
    all,
    Array.from({ length: 200 }, (_, i) => i * 37),
  );
  const held = subset(
    all,
    Array.from({ length: 100 }, (_, i) => i * 41 + 5),
  );
  const global = initialWeights(mlpMnist, 9);
  const config = { localSteps: 4, batchSize: 32, optimizer: 'adam', learningRate: 1e-3, seed: 77 };
  const base = { task: 'mlp-mnist', config, policy: IDENTITY_POLICY, weights: global };
  const script: TaskMessage[] = [
    { ...base, job: 'j.1', round: 1, mode: 'fit', sites: ['a', 'b'] },
    { ...base, job: 'j.1', round: 2, mode: 'fit', sites: ['b'] },
    { ...base, job: 'j.eval', round: 2, mode: 'evaluate', sites: ['a', 'b'] },
  ];
  const { transport, pushed } = scriptedSiteTransport(script);
  const summary = await runSite({ site: 'a', task: mlpMnist, shard: { train, test: held }, transport });
  assert.deepEqual(summary, { answered: 2, accepted: 2 });
  assert.deepEqual(
    pushed.map((p) => [p.job, p.round, p.site]),
    [
      ['j.1', 1, 'a'],
      ['j.eval', 2, 'a'],
    ],
    'round 2 (not sampled) unanswered',
  );

  const [fit, evaluation] = pushed;
  assert.equal(fit.numExamples, 200);
  assert.equal(fit.metrics.steps, 4);
  assert.ok(fit.metrics.global_accuracy >= 0 && fit.metrics.global_accuracy <= 1);
  // independently: the same local training from the same weights and seed
  const model = mlpMnist.createModel(0);
  assignWeights(model.variables, model.names, global);
  const m = await mlpMnist.trainLocal(model, train, config, siteSeed(77, 'a'));
  const local = weightsFromVariables(model.variables, model.names);
  model.dispose();
  assert.equal(fit.metrics.train_loss, m.train_loss);
  fit.update.values.forEach((u, i) => {
    const expected = local.values[i].map((x, j) => x - global.values[i][j]);
    assert.deepEqual(u, expected, `update of ${fit.update.specs[i].name}`);
  });
  assert.deepEqual(evaluation.update.specs, []);
  assert.equal(evaluation.numExamples, 100);
  assert.equal(evaluation.metrics.accuracy, fit.metrics.global_accuracy, 'evaluate = the same weights on the same held-out images');
});
