/**
 * The compute party on two worker threads computes the same epoch as in one thread: the shares'
 * gradient sums add exactly (ciphertext addition is exact modular arithmetic), so the decrypted
 * models are equal slot for slot. Bad use fails clearly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCkksContext, generateKeys, CkksDecryptor, TENSEAL_LOGREG_PARAMETERS } from '../../../src/fhe/ckks';
import {
  packing,
  trainingRotationSteps,
  initialModel,
  LogisticDataParty,
  EncryptedLogisticTrainer,
  ParallelLogisticTrainer,
} from '../../../src/fhe/ckks/logistic-regression';
import { separableGaussian, splitRows, standardize } from '../../../src/data/tabular';

test('two worker threads give the one-thread epoch exactly', async () => {
  const split = standardize(splitRows(separableGaussian(800, 9, 3), 0.3, 3));
  const ctx = await createCkksContext(TENSEAL_LOGREG_PARAMETERS);
  const keys = generateKeys(ctx, { galoisSteps: trainingRotationSteps(packing(9, ctx.slotCount)) });
  const client = new LogisticDataParty(ctx, keys, 9);
  const dec = new CkksDecryptor(ctx, keys.secretKey);
  const data = client.encryptTrainingSet(split.xTrain, split.yTrain);
  const model = client.encryptModel(initialModel(9, 3));
  const parallel = await ParallelLogisticTrainer.create(ctx, keys.evaluationKeys, 9, {}, 2);
  try {
    assert.equal(data.x.length, 3, '560 rows: 3 ciphertexts, shared 2 + 1');
    await assert.rejects(parallel.epoch(model), /setTrainingSet first/);
    await parallel.setTrainingSet(data);
    const one = new EncryptedLogisticTrainer(ctx, keys.evaluationKeys, 9).epoch(model, data);
    const two = await parallel.epoch(model);
    try {
      assert.deepEqual(dec.decrypt(two), dec.decrypt(one));
      assert.equal(two.scale, one.scale);
    } finally {
      one.delete();
      two.delete();
    }
    await assert.rejects(
      parallel.epoch(data.y[0]).then((c) => c.delete()),
      /CKKS worker: model ciphertext is at level 3, expected a fresh one at 6/,
    );
  } finally {
    await parallel.close();
    model.delete();
    data.delete();
    dec.delete();
    client.delete();
    keys.delete();
    ctx.delete();
  }
});
