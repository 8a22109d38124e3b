/**
 * LiRA (offline) against the loss-threshold attack on a deliberately overfitted classifier:
 * an MLP trained to 100 % accuracy on 250 MNIST digits. Shadow models with the same recipe
 * each train on a random half of the same 500-digit pool (every digit in exactly half of
 * them). The target's members and non-members are an explicit split of that pool.
 * LiRA calibrates each digit's difficulty, so at low FPR it finds members that a global
 * loss threshold cannot tell from easy non-members.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { ImageDataset, loadDataset, subset } from '../../src/data';
import { Adam, epochBatches, Mlp } from '../../src/nn';
import {
  crossEntropyFromLogits,
  evaluateAttack,
  liraOfflineScores,
  logitScaledConfidenceFromLogits,
  lossThresholdScores,
  shadowOutConfidences,
} from '../../src/privacy';
import { SeededRng } from '../../src/util/rng';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const POOL = 500;
const SHADOWS = 16;
const EPOCHS = 40;
const CLASSES = 10;

/** Softmax cross-entropy of a batch. */
function meanCrossEntropy(logits: tf.Tensor2D, labels: Uint8Array): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), CLASSES), logits) as tf.Scalar);
}

/** An MLP 784-128-10 trained with Adam for EPOCHS epochs: enough to fit 250 digits exactly. */
function train(ds: ImageDataset, seed: number): Mlp {
  const mlp = new Mlp({ sizes: [784, 128, CLASSES], hiddenActivation: 'relu' }, new SeededRng(seed));
  const adam = new Adam(mlp.variables(), { learningRate: 1e-3, beta1: 0.9 });
  const rng = new SeededRng(seed + 1);
  for (let e = 0; e < EPOCHS; e++) {
    for (const b of epochBatches(ds, 32, rng)) {
      const { value, grads } = tf.variableGrads(() => meanCrossEntropy(mlp.apply(b.images), b.labels), mlp.variables());
      adam.apply(grads);
      tf.dispose([value, b.images, ...Object.values(grads)]);
    }
  }
  adam.dispose();
  return mlp;
}

/** The model's logits for every image of `ds`, in order. */
function logits(mlp: Mlp, ds: ImageDataset): Float32Array {
  const px = ds.height * ds.width;
  const x = tf.tensor2d(
    Float32Array.from(ds.images, (v) => v / 127.5 - 1),
    [ds.count, px],
  );
  const out = mlp.apply(x);
  const values = out.dataSync() as Float32Array;
  tf.dispose([x, out]);
  return values;
}

function accuracy(z: Float32Array, labels: Uint8Array, indices: number[]): number {
  let correct = 0;
  for (const i of indices) {
    const row = Array.from(z.subarray(i * CLASSES, (i + 1) * CLASSES));
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
  return correct / indices.length;
}

test('LiRA beats the loss threshold at 1 % FPR on an overfitted MNIST MLP', async (t) => {
  const all = loadDataset('mnist-small');
  const rng = new SeededRng(2024);
  const pool = subset(all, Array.from(rng.permutation(all.count).subarray(0, POOL)), 'mnist-small pool');
  // The target's explicit split: half of the pool are members.
  const order = Array.from(rng.permutation(POOL));
  const members = order.slice(0, POOL / 2).sort((a, b) => a - b);
  const nonMembers = order.slice(POOL / 2).sort((a, b) => a - b);

  const target = train(subset(pool, members), 1);
  const targetLogits = logits(target, pool);
  target.dispose();
  const trainAccuracy = accuracy(targetLogits, pool.labels, members);
  const heldOutAccuracy = accuracy(targetLogits, pool.labels, nonMembers);
  assert.equal(trainAccuracy, 1, 'the target fits its members exactly');
  assert.ok(heldOutAccuracy < 0.95, `a generalization gap: ${heldOutAccuracy} on non-members`);

  const { out } = await shadowOutConfidences({
    examples: POOL,
    models: SHADOWS,
    seed: 7,
    trainAndScore(indices, m) {
      const shadow = train(subset(pool, indices), 100 + m);
      const z = logits(shadow, pool);
      shadow.dispose();
      return logitScaledConfidenceFromLogits(z, pool.labels, CLASSES);
    },
  });
  assert.ok(
    out.every((o) => o.length === SHADOWS / 2),
    'each digit has 8 OUT shadows',
  );

  const pick = (scores: Float64Array, idx: number[]): number[] => idx.map((i) => scores[i]);
  const lossScores = lossThresholdScores(crossEntropyFromLogits(targetLogits, pool.labels, CLASSES));
  const liraScores = liraOfflineScores(logitScaledConfidenceFromLogits(targetLogits, pool.labels, CLASSES), out, { fixedVariance: true });
  const loss = evaluateAttack('loss-threshold', pick(lossScores, members), pick(lossScores, nonMembers));
  const lira = evaluateAttack('lira-offline', pick(liraScores, members), pick(liraScores, nonMembers));
  for (const r of [loss, lira]) {
    t.diagnostic(
      `${r.attack}: AUC ${r.auc.toFixed(3)}, TPR@1%FPR ${r.tprAt1PctFpr.toFixed(3)}, TPR@0.1%FPR ${r.tprAt01PctFpr.toFixed(3)}, ε ≥ ${r.epsilonLowerBound.toFixed(3)}`,
    );
  }
  t.diagnostic(`target: train accuracy ${trainAccuracy}, non-member accuracy ${heldOutAccuracy}`);
  assert.ok(loss.auc > 0.6, `the loss threshold works at all on an overfitted model: AUC ${loss.auc}`);
  // Measured: LiRA 0.204, loss threshold 0.012 (AUC 0.795 vs 0.661).
  assert.ok(lira.tprAt1PctFpr >= loss.tprAt1PctFpr + 0.1, `TPR@1%FPR: LiRA ${lira.tprAt1PctFpr} vs loss ${loss.tprAt1PctFpr}`);
  assert.ok(lira.auc > loss.auc, `AUC: LiRA ${lira.auc} vs loss ${loss.auc}`);
});
