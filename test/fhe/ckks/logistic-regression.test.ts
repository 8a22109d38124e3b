/**
 * Encrypted logistic-regression training: the packing round-trips; the float64 reference follows
 * the update rule as numpy computes it; two encrypted epochs on 128 breast-cancer rows (one
 * ciphertext) at TenSEAL's parameters stay within 0.01 of the reference's parameters and predict the
 * 170 test rows as it does (within 1 accuracy point); too little depth is a RangeError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createCkksContext, generateKeys, TENSEAL_LOGREG_PARAMETERS } from '../../../src/fhe/ckks';
import {
  packing,
  packRows,
  packLabels,
  packModel,
  unpackModel,
  ciphertextCount,
  initialModel,
  trainPlain,
  accuracy,
  epochLevels,
  trainingRotationSteps,
  LogisticDataParty,
  EncryptedLogisticTrainer,
  TENSEAL_TRAINING,
  type LogisticModel,
} from '../../../src/fhe/ckks/logistic-regression';
import { loadBreastCancer } from '../../../src/data/breast-cancer';
import { splitRows, standardize } from '../../../src/data/tabular';
import { PRECISE } from './fixtures';

const split = standardize(splitRows(loadBreastCancer(), 0.3, 73));

test('packing: 9 features → blocks of 16 slots, 256 rows per ciphertext, bias slot 1, model replicated', () => {
  const p = packing(9, 4096);
  assert.deepEqual([p.block, p.rowsPerCiphertext], [16, 256]);
  assert.equal(ciphertextCount(p, 780), 4);
  const rows = packRows(p, split.xTrain.slice(0, 300));
  assert.equal(rows.length, 2);
  assert.deepEqual(Array.from(rows[1].subarray(16 * 3, 16 * 3 + 10)), [...split.xTrain[259], 1]);
  assert.equal(rows[1][16 * 50], 0, 'padding rows are zero');
  assert.equal(packLabels(p, split.yTrain.slice(0, 300))[0][16 * 7], split.yTrain[7]);
  const m: LogisticModel = { weights: [1, 2, 3, 4, 5, 6, 7, 8, 9], bias: -1 };
  const v = packModel(p, m);
  assert.deepEqual(unpackModel(p, v.subarray(16 * 200)), m);
  assert.equal(trainingRotationSteps(p).length, 4 + 4 + 8);
  assert.throws(() => packing(4096, 4096), RangeError);
});

test('the float64 reference is the update rule as numpy computes it', () => {
  const x = split.xTrain.slice(0, 50);
  const y = split.yTrain.slice(0, 50);
  const init = initialModel(9, 5);
  const models = trainPlain(init, x, y, { epochs: 3 });
  const script = `
import json, sys, numpy as np
d = json.load(sys.stdin)
x, y, w, b = np.array(d['x']), np.array(d['y']), np.array(d['w']), d['b']
for _ in range(3):
    z = x @ w + b
    e = 0.5 + 0.197 * z - 0.004 * z**3 - y
    w, b = w - (x.T @ e) / len(y) - 0.05 * w, b - e.sum() / len(y)
print(json.dumps({'w': w.tolist(), 'b': b}))`;
  const out = JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ x, y, w: init.weights, b: init.bias }), encoding: 'utf8' }),
  );
  const last = models[2];
  last.weights.forEach((w, j) => assert.ok(Math.abs(w - out.w[j]) < 1e-12));
  assert.ok(Math.abs(last.bias - out.b) < 1e-12);
  assert.deepEqual(TENSEAL_TRAINING.sigmoid, [0.5, 0.197, 0, -0.004]);
});

test("two encrypted epochs at TenSEAL's parameters follow the float64 reference", async () => {
  const x = split.xTrain.slice(0, 128);
  const y = split.yTrain.slice(0, 128);
  const init = initialModel(9, 73);
  const plain = trainPlain(init, x, y, { epochs: 2 });
  const ctx = await createCkksContext(TENSEAL_LOGREG_PARAMETERS);
  const keys = generateKeys(ctx, { galoisSteps: trainingRotationSteps(packing(9, ctx.slotCount)) });
  const client = new LogisticDataParty(ctx, keys, 9);
  const server = new EncryptedLogisticTrainer(ctx, keys.evaluationKeys, 9);
  const data = client.encryptTrainingSet(x, y);
  let model = client.encryptModel(init);
  try {
    assert.deepEqual(server.levels, { input: 6, sigmoid: 3, output: 0, depth: 6, workingScale: 2 ** 30 });
    for (let e = 0; e < 2; e++) {
      const updated = server.epoch(model, data);
      assert.equal(ctx.levelOf(updated), 0);
      assert.throws(() => server.epoch(updated, data), /level 0, expected a fresh one at 6/);
      model.delete();
      const r = client.refresh(updated);
      updated.delete();
      model = r.ciphertext;
      const diff = Math.max(Math.abs(r.model.bias - plain[e].bias), ...r.model.weights.map((w, j) => Math.abs(w - plain[e].weights[j])));
      assert.ok(diff < 0.01, `epoch ${e + 1}: parameters differ by ${diff}`);
      const gap = Math.abs(accuracy(r.model, split.xTest, split.yTest) - accuracy(plain[e], split.xTest, split.yTest));
      assert.ok(gap <= 0.01, `epoch ${e + 1}: accuracy gap ${gap}`);
    }
  } finally {
    model.delete();
    data.delete();
    client.delete();
    keys.delete();
    ctx.delete();
  }
});

test('parameters without depth 6 are rejected before any key is made', async () => {
  const ctx = await createCkksContext(PRECISE);
  try {
    assert.throws(() => epochLevels(ctx, TENSEAL_TRAINING.sigmoid), /needs depth 6 .* allow 3/);
  } finally {
    ctx.delete();
  }
});
