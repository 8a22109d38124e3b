/**
 * A 3-class one-vs-rest head trained on encrypted features (shared feature ciphertexts, one label
 * set and model per head) follows the float64 reference: heads within 0.01, test accuracy within 1
 * point after each epoch; labels out of range are RangeErrors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCkksContext, generateKeys, TENSEAL_LOGREG_PARAMETERS } from '../../../src/fhe/ckks';
import {
  packing,
  trainingRotationSteps,
  LogisticDataParty,
  EncryptedLogisticTrainer,
  initialHeads,
  oneVsRestLabels,
  trainOneVsRestPlain,
  trainOneVsRestEncrypted,
  multiclassAccuracy,
} from '../../../src/fhe/ckks/logistic-regression';
import { separableGaussian } from '../../../src/data/tabular';

test('3-class one-vs-rest head on encrypted features follows float64', async () => {
  // 9 standard normal features; class = argmax(x0, x1, x2)
  const { x } = separableGaussian(450, 9, 11);
  const y = x.map((r) => [r[0], r[1], r[2]].indexOf(Math.max(r[0], r[1], r[2])));
  const [xTrain, yTrain, xTest, yTest] = [x.slice(0, 300), y.slice(0, 300), x.slice(300), y.slice(300)];
  const init = initialHeads(9, 3, 5);
  const plain = trainOneVsRestPlain(init, xTrain, yTrain, { epochs: 2 });
  const ctx = await createCkksContext(TENSEAL_LOGREG_PARAMETERS);
  const keys = generateKeys(ctx, { galoisSteps: trainingRotationSteps(packing(9, ctx.slotCount)) });
  const client = new LogisticDataParty(ctx, keys, 9);
  const server = new EncryptedLogisticTrainer(ctx, keys.evaluationKeys, 9);
  try {
    const seen: number[] = [];
    trainOneVsRestEncrypted(client, server, init, xTrain, yTrain, 2, (epoch, heads) => {
      seen.push(epoch);
      const ref = plain[epoch - 1];
      const diff = Math.max(...heads.flatMap((h, k) => [Math.abs(h.bias - ref[k].bias), ...h.weights.map((w, j) => Math.abs(w - ref[k].weights[j]))]));
      assert.ok(diff < 0.01, `epoch ${epoch}: heads differ by ${diff}`);
      const gap = Math.abs(multiclassAccuracy(heads, xTest, yTest) - multiclassAccuracy(ref, xTest, yTest));
      assert.ok(gap <= 0.01, `epoch ${epoch}: accuracy gap ${gap}`);
    });
    assert.deepEqual(seen, [1, 2]);
    assert.ok(multiclassAccuracy(plain[1], xTest, yTest) > 0.6, 'the head learns something (chance: 1/3)');
  } finally {
    client.delete();
    keys.delete();
    ctx.delete();
  }
  assert.throws(() => oneVsRestLabels([0, 3], 3), /label 1 is 3/);
  assert.throws(() => oneVsRestLabels([0], 1), /classes must be/);
});
