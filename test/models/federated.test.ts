/**
 * A model trained by privlab's FL engine, deployed to FHE: the linear task logreg-mnist is
 * trained by FedAvg over a server and two site processes, its checkpoint is read by the
 * engine, imported as a LogisticRegression, compiled and run encrypted. Checked against the
 * FL model itself (the task's tfjs model with the checkpoint's weights, a different code
 * path): the same predictions and accuracy on held-out digits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { datasetSplit, subset } from '../../src/data';
import { asMlp, assignWeights, loadCheckpoint, logregMnist, runFederated } from '../../src/fl';
import { LogisticRegression, federatedInputs, logisticRegressionFromFederated } from '../../src/models';
import { tmpDir } from '../support/tmp';

test('logreg-mnist by FedAvg (2 site processes) imports as a LogisticRegression: its predictions on 300 held-out digits; compiled, 3 encrypted rows = simulate', async () => {
  const job = await runFederated({
    task: 'logreg-mnist',
    sites: 2,
    rounds: 2,
    fit: { localSteps: 20, batchSize: 32, optimizer: 'adam', learningRate: 1e-2 },
    trainExamples: 1000,
    testExamples: 200,
    seed: 2,
    dir: tmpDir('privlab-fl-logreg-'),
    roundTimeoutSeconds: 120,
  });
  const state = loadCheckpoint(job.checkpoint, 'logreg-mnist')!;
  assert.equal(state.round, 2);
  const m = logisticRegressionFromFederated(state);
  assert.deepEqual(m.classes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  const split = datasetSplit('mnist');
  const held = subset(
    split.test,
    Array.from({ length: 300 }, (_, i) => i),
  );
  // the FL model's own predictions: the task's model (tfjs, float32) with the global weights
  const model = logregMnist.createModel(0);
  assignWeights(model.variables, model.names, state.weights);
  const x = federatedInputs(held.images, held.count);
  const flPred = tf.tidy(() => Array.from(asMlp(model).apply(tf.tensor2d(x)).argMax(1).dataSync()));
  const flAccuracy = logregMnist.evaluate(model, held).accuracy;
  model.dispose();
  const labels = Array.from(held.labels);
  assert.deepEqual(await m.predict(x), flPred, 'float predictions equal the FL model');
  assert.equal(await m.score(x, labels), flAccuracy);
  assert.ok(flAccuracy > 0.7, `the federated model learned: ${flAccuracy}`);

  // compile on training digits, then the three FHE modes
  const cal = subset(
    split.train,
    Array.from({ length: 500 }, (_, i) => i),
  );
  m.compile(federatedInputs(cal.images, cal.count));
  const clear = await m.outputs(x, { fhe: 'disable' });
  const sim = await m.outputs(x, { fhe: 'simulate' });
  assert.deepEqual(sim.levels, clear.levels);
  const q = m.predictFromOutputs(clear, true);
  assert.ok(q.filter((v, i) => v === flPred[i]).length >= 297, '8-bit quantization changes at most 1 % of the classes');
  const exec = await m.outputs(x.slice(0, 3), { fhe: 'execute' });
  assert.deepEqual(exec.levels, sim.levels!.slice(0, 3), 'encrypted accumulators equal the simulated ones');
  assert.deepEqual(m.predictFromOutputs(exec, true), q.slice(0, 3));
  m.dispose();
});

test('two classes: the softmax pair becomes one row w1 − w0, whose sigmoid is the softmax (probabilities equal); bad weights name the problem', async () => {
  // kernel [3 features × 2 classes] row-major, bias [2]
  const kernel = Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5]);
  const bias = Float32Array.from([0.1, -0.2]);
  const weights = {
    specs: [
      { name: 'layer0/kernel', shape: [3, 2] },
      { name: 'layer0/bias', shape: [2] },
    ],
    values: [kernel, bias],
  };
  const m = logisticRegressionFromFederated(weights);
  const x = [
    [1, 2, 3],
    [-1, 0.5, 0],
    [0, 0, 0],
  ];
  const proba = await m.predictProba(x);
  x.forEach((r, i) => {
    const z = [0, 1].map((k) => r.reduce((s, v, j) => s + v * kernel[j * 2 + k], bias[k]));
    const softmax1 = Math.exp(z[1]) / (Math.exp(z[0]) + Math.exp(z[1]));
    assert.ok(Math.abs(proba[i][1] - softmax1) < 1e-12, `row ${i}: ${proba[i][1]} vs softmax ${softmax1}`);
  });
  assert.throws(() => logisticRegressionFromFederated({ task: 'mlp-mnist', weights }), /not a linear classifier/);
  assert.throws(() => logisticRegressionFromFederated({ specs: weights.specs.slice(0, 1), values: [kernel] }), /two tensors/);
  assert.throws(() => logisticRegressionFromFederated({ ...weights, specs: [weights.specs[0], { name: 'b', shape: [3] }] }), /kernel \[features × K\]/);
  assert.throws(() => LogisticRegression.fromWeights([[1, 2]], [0], [0, 1, 2]), /3 classes need 3 coef rows/);
  assert.throws(() => federatedInputs(new Uint8Array(10), 3), /do not split/);
});
