/**
 * Contracts of the encrypted logistic-regression trainer that the accuracy tests do not reach,
 * each against an independent expectation:
 *  - training labels other than 0 and 1 are refused by the documented message (a label 2 or 0.5
 *    would otherwise train a head towards a target the sigmoid cannot reach);
 *  - multiplyPlain on a ciphertext with no depth left is refused naming the operation;
 *  - an encrypted epoch and a one-vs-rest run leave SEAL's heap where a warm-up left it: the
 *    epoch's summed gradient (one ciphertext per epoch) and the extra heads' label ciphertexts
 *    (one per head beyond the first and call) are freed. The leaks would grow the heap by
 *    ~7 MB and ~5 MB over these loops (sizes worked out below); 1 MiB is allowed as slack.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCkksContext, generateKeys, modSwitchTo, multiplyPlain, sealHeapBytes, CkksEncryptor, TENSEAL_LOGREG_PARAMETERS } from '../../../src/fhe/ckks';
import type { CkksContext, CkksKeySet } from '../../../src/fhe/ckks';
import {
  checkTrainingData,
  packing,
  trainingRotationSteps,
  LogisticDataParty,
  EncryptedLogisticTrainer,
  trainOneVsRestEncrypted,
} from '../../../src/fhe/ckks/logistic-regression';

// TenSEAL's training parameters: N = 8192, [40, 21×6, 40], top level 6.
let ctx: CkksContext;
let keys: CkksKeySet;
let client: LogisticDataParty;
let server: EncryptedLogisticTrainer;
const FEATURES = 2;
before(async () => {
  ctx = await createCkksContext(TENSEAL_LOGREG_PARAMETERS);
  keys = generateKeys(ctx, { galoisSteps: trainingRotationSteps(packing(FEATURES, ctx.slotCount)) });
  client = new LogisticDataParty(ctx, keys, FEATURES);
  server = new EncryptedLogisticTrainer(ctx, keys.evaluationKeys, FEATURES);
});
after(() => {
  client.delete();
  keys.delete();
  ctx.delete();
});

const x = [
  [0.5, -1],
  [1, 0.25],
  [-0.5, 0.75],
  [0, -0.25],
];

test('training labels must be 0 or 1', () => {
  assert.equal(checkTrainingData(x, [0, 1, 1, 0]), FEATURES);
  assert.throws(() => checkTrainingData(x, [0, 1, 2, 0]), /label 2 is 2, expected 0 or 1/);
  assert.throws(() => checkTrainingData(x, [0.5, 1, 1, 0]), /label 0 is 0.5, expected 0 or 1/);
  assert.throws(() => checkTrainingData(x, [0, 1, 1, -1]), /label 3 is -1, expected 0 or 1/);
  assert.throws(() => client.encryptTrainingSet(x, [0, 1, 1, 3]), /label 3 is 3, expected 0 or 1/);
});

test('multiplyPlain at level 0 is refused naming the operation', () => {
  const enc = new CkksEncryptor(ctx, keys.publicKey);
  const fresh = enc.encrypt([1, 2]);
  const last = modSwitchTo(ctx, fresh, 0);
  try {
    assert.throws(() => multiplyPlain(ctx, last, [2, 2]), /^RangeError: multiplyPlain: ciphertext is at level 0, no multiplicative depth left$/);
    // one level up it still multiplies
    const one = modSwitchTo(ctx, fresh, 1);
    multiplyPlain(ctx, one, [2, 2]).delete();
    one.delete();
  } finally {
    last.delete();
    fresh.delete();
    enc.delete();
  }
});

test('encrypted epochs free their gradient: SEAL heap flat over 30 epochs', () => {
  const data = client.encryptTrainingSet(x, [0, 1, 1, 0]);
  const model = client.encryptModel({ weights: [0.25, -0.5], bias: 0.125 });
  try {
    const epoch = (): void => server.epoch(model, data).delete();
    for (let i = 0; i < 3; i++) epoch();
    const warm = sealHeapBytes();
    for (let i = 0; i < 30; i++) epoch();
    // The gradient lands at level 1 (two 21/40-bit data primes): 2 polynomials × 8192 × 2 primes
    // × 8 bytes = 256 KiB per epoch, 7.5 MiB over 30 epochs if it were not deleted.
    assert.ok(sealHeapBytes() <= warm + 2 ** 20, `heap grew from ${warm} to ${sealHeapBytes()} bytes`);
  } finally {
    model.delete();
    data.delete();
  }
});

test('one-vs-rest frees the extra heads’ labels: SEAL heap flat over 4 runs', () => {
  const y = [0, 1, 2, 1];
  const init = [0, 1, 2].map((k) => ({ weights: [0.1 * k, -0.1], bias: 0 }));
  const run = (): void => void trainOneVsRestEncrypted(client, server, init, x, y, 1);
  run();
  const warm = sealHeapBytes();
  for (let i = 0; i < 4; i++) run();
  // Heads 2 and 3 each encrypt one label ciphertext at the sigmoid level (3: four primes):
  // 2 × 8192 × 4 × 8 bytes = 512 KiB each, 4 MiB over 4 runs if they were not deleted.
  assert.ok(sealHeapBytes() <= warm + 2 ** 20, `heap grew from ${warm} to ${sealHeapBytes()} bytes`);
});
