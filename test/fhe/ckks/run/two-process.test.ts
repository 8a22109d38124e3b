/**
 * The two roles in two processes: this process (the data party) writes evaluation keys, the
 * encrypted training set and model; `privlab ckks logreg-epoch` (the compute party, a child
 * process) runs an epoch from those files alone; the data party decrypts the result, which follows
 * the float64 reference. The key file carries no secret key, and damaged or mismatched files fail
 * with messages naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCkksContext, generateKeys, TENSEAL_LOGREG_PARAMETERS, save } from '../../../../src/fhe/ckks';
import { decodeBundle, encodeBundle, encodeEvaluationKeys, decodeEvaluationKeys } from '../../../../src/fhe/ckks/run';
import {
  packing,
  trainingRotationSteps,
  initialModel,
  trainPlain,
  LogisticDataParty,
  encodeTrainingSet,
  encodeModel,
  decodeModel,
} from '../../../../src/fhe/ckks/logistic-regression';
import { loadBreastCancer } from '../../../../src/data/breast-cancer';
import { splitRows, standardize } from '../../../../src/data/tabular';
import { privlab } from '../../../support/cli';
import { tmpDir } from '../../../support/tmp';

test('data party and compute party in two processes: one epoch from files, as the float64 reference', async () => {
  const split = standardize(splitRows(loadBreastCancer(), 0.3, 73));
  const x = split.xTrain.slice(0, 200);
  const y = split.yTrain.slice(0, 200);
  const init = initialModel(9, 7);
  const [plain] = trainPlain(init, x, y, { epochs: 1 });
  const dir = tmpDir();
  const files = {
    keys: path.join(dir, 'eval.keys'),
    data: path.join(dir, 'train.ckks'),
    model: path.join(dir, 'model.ckks'),
    out: path.join(dir, 'model-1.ckks'),
  };

  const ctx = await createCkksContext(TENSEAL_LOGREG_PARAMETERS);
  const keys = generateKeys(ctx, { galoisSteps: trainingRotationSteps(packing(9, ctx.slotCount)) });
  const client = new LogisticDataParty(ctx, keys, 9);
  try {
    const keyBytes = encodeEvaluationKeys(ctx, keys.evaluationKeys);
    fs.writeFileSync(files.keys, keyBytes);
    const entries = decodeBundle(keyBytes).entries.map((e) => e.name);
    assert.deepEqual(entries, ['public-key', 'relin-keys', 'galois-keys']);
    const secret = Buffer.from(save(ctx, keys.secretKey, 'none').subarray(16 + 32));
    assert.ok(!Buffer.from(keyBytes).includes(secret.subarray(0, 64)), 'no secret-key bytes in the key file');
    const data = client.encryptTrainingSet(x, y);
    const model = client.encryptModel(init);
    fs.writeFileSync(files.data, encodeTrainingSet(ctx, data));
    fs.writeFileSync(files.model, encodeModel(ctx, model, 9));
    data.delete();
    model.delete();

    const r = privlab(['ckks', 'logreg-epoch', '--keys', files.keys, '--data', files.data, '--model', files.model, '--out', files.out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual([report.level, report.ciphertexts, report.rows], [0, 1, 200]);

    const updated = decodeModel(ctx, fs.readFileSync(files.out), files.out);
    try {
      const m = client.decryptModel(updated.ct);
      const diff = Math.max(Math.abs(m.bias - plain.bias), ...m.weights.map((w, j) => Math.abs(w - plain.weights[j])));
      assert.ok(diff < 0.01, `parameters differ from float64 by ${diff}`);
    } finally {
      updated.ct.delete();
    }

    // The compute party refuses a key file with a secret key in it, and files of other kinds.
    const withSecret = encodeBundle({
      ...decodeBundle(keyBytes),
      entries: [...decodeBundle(keyBytes).entries, { name: 'secret-key', bytes: save(ctx, keys.secretKey) }],
    });
    assert.throws(() => decodeEvaluationKeys(ctx, withSecret), /unexpected entries secret-key/);
    fs.writeFileSync(files.keys + '.bad', withSecret);
    const bad = privlab(['ckks', 'logreg-epoch', '--keys', files.keys + '.bad', '--data', files.data, '--model', files.model, '--out', files.out]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /eval\.keys\.bad: unexpected entries secret-key/);
    const swapped = privlab(['ckks', 'logreg-epoch', '--keys', files.keys, '--data', files.model, '--model', files.data, '--out', files.out]);
    assert.equal(swapped.status, 1);
    assert.match(swapped.stderr, /model\.ckks: holds ckks-logreg-model, expected ckks-logreg-training-set/);
    fs.writeFileSync(files.data + '.cut', fs.readFileSync(files.data).subarray(0, 5000));
    const cut = privlab(['ckks', 'logreg-epoch', '--keys', files.keys, '--data', files.data + '.cut', '--model', files.model, '--out', files.out]);
    assert.equal(cut.status, 1);
    assert.match(cut.stderr, /train\.ckks\.cut: entry x0 .* runs past the end of the file/);
    assert.equal(privlab(['ckks', 'logreg-epoch', '--keys', files.keys]).status, 2);
  } finally {
    client.delete();
    keys.delete();
    ctx.delete();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
