/**
 * The GAN tasks' fit key keepOptimizerState (src/fl/tasks/optimizer-slot.ts). With one site the
 * server's average is the site's own weights, so two rounds with the switch on must equal one
 * uninterrupted run of 2 × steps of ONE Adam pair on the same batches — written out here with
 * the GAN step of src/nn and a single ganOptimizers pair, not through the task. With it off, each
 * round must equal a run with a fresh pair per round (and differ clearly from the kept run). A
 * new learning rate resets the state; the state is freed on dispose. Through a real one-site job
 * (server and site processes), the site's reported Adam step count runs on into round 2.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { datasetSplit, subset } from '../../../src/data';
import { getTask, keptGanOptimizers, TaskModel } from '../../../src/fl/tasks';
import { addWeights, assignWeights, subtractWeights, weightsFromVariables } from '../../../src/fl/weights';
import { weightedMean } from '../../../src/fl/aggregate';
import { Gan } from '../../../src/nn/gan';
import { ganOptimizers, ganTrainStep, GanOptimizers } from '../../../src/nn/gan-step';
import { epochBatches } from '../../../src/nn/batches';
import { SeededRng } from '../../../src/util/rng';
import { selectBackend } from '../../../src/backend';
import { runFederated } from '../../../src/fl';
import { tmpDir } from '../../support/tmp';

before(() => selectBackend({ quiet: true, blasThreads: 1 }));

const TASK = 'cgan-mnist:8:16:16';
const STEPS = 6;
const BATCH = 8;
const ROUND_SEEDS = [11, 12];
const data = subset(
  datasetSplit('mnist').test,
  Array.from({ length: 40 }, (_, i) => i),
);

/** One FedAvg round with a single site, as the server computes it: global + mean of (local − global). */
async function oneSiteRound(model: TaskModel, fit: Record<string, number | boolean>, seed: number): Promise<void> {
  const global = weightsFromVariables(model.variables, model.names);
  await getTask(TASK).trainLocal(model, data, fit, seed);
  const update = subtractWeights(weightsFromVariables(model.variables, model.names), global);
  assignWeights(model.variables, model.names, addWeights(global, weightedMean([update.values], [data.count])));
}

function disposePair(opt: GanOptimizers | undefined): void {
  opt?.discriminator.dispose();
  opt?.generator.dispose();
}

/** The reference: the task's round loop written out, with one Adam pair per element of `lrs` (null: carry the previous pair on). */
function reference(lrs: (number | null)[]): Float32Array[] {
  const gan = new Gan(ganSizes(), 3);
  let opt: GanOptimizers | undefined;
  lrs.forEach((lr, r) => {
    if (lr !== null) {
      disposePair(opt);
      opt = ganOptimizers(gan, { learningRate: lr, beta1: 0.5, beta2: 0.999 });
    }
    const rng = new SeededRng(ROUND_SEEDS[r]);
    let steps = 0;
    while (steps < STEPS) {
      for (const b of epochBatches(data, BATCH, rng)) {
        ganTrainStep(gan, opt as GanOptimizers, b.images, rng, b.labels);
        b.images.dispose();
        if (++steps >= STEPS) break;
      }
    }
  });
  const out = [...gan.generator.variables(), ...gan.discriminator.variables()].map((v) => v.dataSync() as Float32Array);
  disposePair(opt);
  gan.dispose();
  return out;
}

/** The sizes TASK names (latent 8, G [16], D [16], 10 classes). */
function ganSizes() {
  return { latentDim: 8, generatorHidden: [16], discriminatorHidden: [16], numClasses: 10 };
}

/** Two one-site rounds through the task with the given fit configs; the final weights. */
async function viaTask(fits: Record<string, number | boolean>[]): Promise<{ values: Float32Array[]; adamSteps: number | undefined }> {
  const model = getTask(TASK).createModel(3);
  try {
    for (let r = 0; r < fits.length; r++) await oneSiteRound(model, fits[r], ROUND_SEEDS[r]);
    return { values: model.variables.map((v) => v.dataSync() as Float32Array), adamSteps: keptGanOptimizers(model, getTask(TASK))?.discriminator.step };
  } finally {
    model.dispose();
  }
}

const maxDiff = (a: Float32Array[], b: Float32Array[]): number => Math.max(...a.map((x, i) => x.reduce((m, v, j) => Math.max(m, Math.abs(v - b[i][j])), 0)));

const fit = (lr: number, keep?: boolean) => ({
  localSteps: STEPS,
  batchSize: BATCH,
  learningRate: lr,
  ...(keep === undefined ? {} : { keepOptimizerState: keep }),
});

test('keepOptimizerState: two one-site rounds equal one uninterrupted Adam run of 2 × steps on the same batches', async () => {
  const tensors = tf.memory().numTensors;
  const kept = await viaTask([fit(1e-3, true), fit(1e-3, true)]);
  const fresh = await viaTask([fit(1e-3, false), fit(1e-3, false)]);
  const byDefault = await viaTask([fit(1e-3), fit(1e-3)]);
  const uninterrupted = reference([1e-3, null]);
  const restarted = reference([1e-3, 1e-3]);
  // The server's average adds (local − global) back to global in float32: an ulp of rounding per weight, no more.
  assert.ok(maxDiff(kept.values, uninterrupted) < 1e-6, `kept vs one Adam run: ${maxDiff(kept.values, uninterrupted)}`);
  assert.ok(maxDiff(fresh.values, restarted) < 1e-6, `fresh vs a new Adam per round: ${maxDiff(fresh.values, restarted)}`);
  // The two references differ by far more than that: the test can tell them apart.
  assert.ok(maxDiff(uninterrupted, restarted) > 1e-4, `kept and fresh runs differ by ${maxDiff(uninterrupted, restarted)}`);
  assert.equal(kept.adamSteps, 2 * STEPS, 'bias correction carries on: the kept pair has counted both rounds');
  assert.equal(fresh.adamSteps, undefined, 'nothing is kept when the switch is off');
  assert.equal(maxDiff(byDefault.values, fresh.values), 0, 'the default is a fresh pair per round');
  assert.equal(tf.memory().numTensors, tensors, 'kept moments are freed with the model');
});

test('keepOptimizerState: a new learning rate starts a fresh Adam pair; a bad value is refused', async () => {
  const changed = await viaTask([fit(1e-3, true), fit(5e-4, true)]);
  assert.ok(maxDiff(changed.values, reference([1e-3, 5e-4])) < 1e-6, 'the second round ran a fresh pair at the new rate');
  assert.equal(changed.adamSteps, STEPS);
  const model = getTask(TASK).createModel(0);
  try {
    await assert.rejects(() => getTask(TASK).trainLocal(model, data, { localSteps: 1, keepOptimizerState: 'yes' }, 0), /keepOptimizerState.*true or false/);
  } finally {
    model.dispose();
  }
});

test('keepOptimizerState under DP-SGD: the pair carries on across rounds (post-processing of the private gradients)', async () => {
  const model = getTask(TASK).createModel(0);
  try {
    const dp = { localSteps: 3, learningRate: 1e-3, dpNoiseMultiplier: 1, dpClipNorm: 1, dpSampleRate: 0.1, keepOptimizerState: true };
    await getTask(TASK).trainLocal(model, data, dp, 0);
    await getTask(TASK).trainLocal(model, data, dp, 1);
    assert.equal(keptGanOptimizers(model, getTask(TASK))?.discriminator.step, 6);
    assert.equal(keptGanOptimizers(model, getTask(TASK))?.generator.step, 6);
  } finally {
    model.dispose();
  }
});

test('keepOptimizerState through a real job: the site process carries its Adam pair into the next round', async () => {
  const steps = (keep: boolean) =>
    runFederated({
      sites: 1,
      rounds: 2,
      task: TASK,
      fit: { localSteps: 3, batchSize: 8, keepOptimizerState: keep, evaluateGlobal: false },
      trainExamples: 40,
      seed: 1,
      dir: tmpDir('privlab-fl-keep-'),
      roundTimeoutSeconds: 60,
    }).then((job) => job.state.history.map((r) => r.accepted[0].metrics.optimizer_steps));
  assert.deepEqual(await steps(true), [3, 6], 'kept: the second round continues the first round count');
  assert.deepEqual(await steps(false), [3, 3], 'fresh: each round counts from zero');
});
