/**
 * The mlp-mnist task in one process: the local-training plan from a round's config,
 * training that lowers the loss, weights moved in and out of the model exactly, and no
 * tensors left behind from one round to the next (a site runs many rounds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, subset } from '../../src/data';
import { assignWeights, localTrainingPlan, mlpMnist, weightsFromVariables, getTask, WeightsError } from '../../src/fl';

test('the local-training plan: steps or epochs, full batch, checked values', () => {
  assert.deepEqual(localTrainingPlan({ localSteps: 7, batchSize: 10, optimizer: 'sgd', learningRate: 0.1 }, 95), {
    steps: 7,
    batchSize: 10,
    optimizer: 'sgd',
    learningRate: 0.1,
    learningRateDecay: 'none',
    augmentShift: 0,
  });
  assert.equal(localTrainingPlan({ localEpochs: 2, batchSize: 10 }, 95).steps, 20, '2 epochs of ceil(95/10) batches');
  assert.equal(localTrainingPlan({ localEpochs: 3, batchSize: 0 }, 95).steps, 3, 'full batch: one step per epoch');
  assert.throws(() => localTrainingPlan({ localSteps: 1, localEpochs: 1 }, 10), /both "localSteps" and "localEpochs"/);
  assert.throws(() => localTrainingPlan({ localSteps: 0 }, 10), /"localSteps" must be a positive integer/);
  assert.throws(() => localTrainingPlan({ optimizer: 'lbfgs' }, 10), /"optimizer" must be one of sgd, adam/);
  assert.throws(() => localTrainingPlan({ learningRate: -1 }, 10), /"learningRate" must be a positive number/);
  assert.throws(
    () => getTask('gan-mnist-nope'),
    /unknown federated task "gan-mnist-nope" \(available: mlp-mnist, gan-mnist, cgan-mnist, pix2pix-fashion, pix2pix-fashion-small, logreg-mnist\)/,
  );
});

test('mlp-mnist trains (loss falls), moves weights exactly and leaks no tensors across rounds', async () => {
  const data = subset(
    loadMnist(),
    Array.from({ length: 500 }, (_, i) => i * 20),
  );
  const model = mlpMnist.createModel(3);
  const start = weightsFromVariables(model.variables, model.names);
  assert.deepEqual(
    start.specs.map((s) => `${s.name}:${s.shape}`),
    ['layer0/kernel:784,100', 'layer0/bias:100', 'layer1/kernel:100,10', 'layer1/bias:10'],
  );
  const before = mlpMnist.evaluate(model, data);
  const tensors = tf.memory().numTensors;
  const losses: number[] = [];
  for (let round = 0; round < 3; round++) {
    assignWeights(model.variables, model.names, start);
    const m = await mlpMnist.trainLocal(
      model,
      data,
      { localSteps: 15, batchSize: 50, optimizer: round === 1 ? 'sgd' : 'adam', learningRate: round === 1 ? 0.1 : 1e-3 },
      round,
    );
    losses.push(m.train_loss);
    assert.equal(m.steps, 15);
    assert.equal(tf.memory().numTensors, tensors, `round ${round}: tensors left behind`);
  }
  const after = mlpMnist.evaluate(model, data);
  assert.ok(after.loss < before.loss * 0.8, `loss ${before.loss} → ${after.loss}`);
  assert.ok(after.accuracy > before.accuracy + 0.3, `accuracy ${before.accuracy} → ${after.accuracy}`);
  // the same seed and start give the same round
  assignWeights(model.variables, model.names, start);
  const again = await mlpMnist.trainLocal(model, data, { localSteps: 15, batchSize: 50, optimizer: 'adam', learningRate: 1e-3 }, 2);
  assert.equal(again.train_loss, losses[2]);
  assignWeights(model.variables, model.names, start);
  assert.deepEqual(weightsFromVariables(model.variables, model.names).values, start.values);
  const wrong = { specs: [...start.specs].reverse(), values: [...start.values].reverse() };
  assert.throws(() => assignWeights(model.variables, model.names, wrong), WeightsError);
  model.dispose();
});
