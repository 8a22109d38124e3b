/**
 * The fit key learningRateDecay of local training (src/fl/tasks/local-training.ts): 'linear' runs
 * step t of T at lr·(1 − t/T). On a loss with a constant gradient c the displacement after T steps
 * has a closed form: lr·c·T at a constant rate, lr·c·(T + 1)/2 under linear decay (plain SGD);
 * Adam's step on a constant gradient is lr·sign(c) (its bias-corrected m̂/√v̂ = c/|c|), so the
 * same sums hold per coordinate with sign(c) for c. The GAN tasks refuse the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, subset } from '../../../src/data';
import { getTask, localTrainingPlan, trainSteps, TaskModel } from '../../../src/fl';

const data = subset(
  loadMnist(),
  Array.from({ length: 8 }, (_, i) => i),
);
const c = [0.5, -2, 1.25];
const start = [1, 2, 3];

/** w after T steps on loss = Σ c_i·w_i (the batch is drawn and ignored). */
async function trained(config: Record<string, string | number>): Promise<number[]> {
  const w = tf.variable(tf.tensor1d(start), true, `lr-decay-w-${Math.random()}`);
  const model: TaskModel = { variables: [w], names: ['w'], dispose: () => w.dispose() };
  const coefficients = tf.tensor1d(c);
  try {
    await trainSteps(model, data, { batchSize: 2, ...config }, 0, () => tf.sum(tf.mul(w, coefficients)) as tf.Scalar);
    return Array.from(w.dataSync());
  } finally {
    coefficients.dispose();
    model.dispose();
  }
}

const close = (got: number[], want: number[], tol: number, what: string): void =>
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= tol, `${what}: w[${i}] = ${g}, expected ${want[i]}`));

test('linear decay: T steps move a constant-gradient loss by lr·(T + 1)/2 per unit of gradient, a constant rate by lr·T', async () => {
  const T = 10;
  const lr = 0.01;
  const sgd = { localSteps: T, optimizer: 'sgd', learningRate: lr };
  close(
    await trained(sgd),
    start.map((w, i) => w - lr * c[i] * T),
    1e-5,
    'SGD, constant',
  );
  close(
    await trained({ ...sgd, learningRateDecay: 'linear' }),
    start.map((w, i) => w - (lr * c[i] * (T + 1)) / 2),
    1e-5,
    'SGD, linear',
  );
  const adam = { localSteps: T, optimizer: 'adam', learningRate: lr };
  close(
    await trained(adam),
    start.map((w, i) => w - lr * Math.sign(c[i]) * T),
    1e-5,
    'Adam, constant',
  );
  close(
    await trained({ ...adam, learningRateDecay: 'linear' }),
    start.map((w, i) => w - (lr * Math.sign(c[i]) * (T + 1)) / 2),
    1e-5,
    'Adam, linear',
  );
});

test('learningRateDecay: the plan reads it (default none); bad values and GAN tasks are refused', async () => {
  assert.equal(localTrainingPlan({}, 100).learningRateDecay, 'none');
  assert.equal(localTrainingPlan({ learningRateDecay: 'linear' }, 100).learningRateDecay, 'linear');
  assert.throws(() => localTrainingPlan({ learningRateDecay: 'cosine' }, 100), /learningRateDecay/);
  const gan = getTask('gan-mnist:8:16:16');
  const model = gan.createModel(0);
  try {
    await assert.rejects(gan.trainLocal(model, data, { localSteps: 1, learningRateDecay: 'linear' }, 0), /a GAN trains at a constant rate/);
  } finally {
    model.dispose();
  }
});
