/**
 * Input checks and small contracts of the CKKS layer that the other tests do not reach, each
 * against an independent expectation: the exact documented error messages (slot count N/2 = 4096
 * worked out from N = 8192) of dotProduct's blockSize check, encode's scale check, the MLP's layer
 * widths and a bundle header's shape; powerOfTwoSteps against the powers of two written out by
 * hand; accuracy against a hand count (logit exactly 0 counts as class 1); rotate by 0 works
 * without Galois keys and returns a distinct copy; encrypted inference (logits) leaves SEAL's heap
 * flat over 30 calls (a product ciphertext leaked per row and call grows it by ~50 MB).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dotProduct, dotProductPlain, encode, powerOfTwoSteps, rotate, sealHeapBytes, TENSEAL_LOGREG_PARAMETERS, type CipherText } from '../../../src/fhe/ckks';
import { accuracy, LogisticDataParty, EncryptedLogisticTrainer, type LogisticModel } from '../../../src/fhe/ckks/logistic-regression';
import { inferPlain, inferEncrypted, type DenseLayer } from '../../../src/fhe/ckks/mlp';
import { decodeBundle, BUNDLE_MAGIC } from '../../../src/fhe/ckks/run';
import { setUp, maxAbsDiff, type Ckks } from './fixtures';

// N = 8192: 4096 slots; 8 primes, top level 6 (what the encrypted logistic trainer needs).
const SLOTS = 4096;
let k: Ckks;
let ct: CipherText;
const x = [0.5, -0.25, 1, 2];
before(async () => {
  k = await setUp(TENSEAL_LOGREG_PARAMETERS, [1]);
  assert.equal(k.ctx.slotCount, SLOTS);
  ct = k.enc.encrypt(x);
});
after(() => {
  ct.delete();
  k.dispose();
});

test('dotProduct and dotProductPlain refuse a blockSize that is not a power of two ≤ the slot count', () => {
  for (const blockSize of [0, 3, 6, -4, 1.5, NaN, 2 * SLOTS, 8192 * 4]) {
    const message = `blockSize must be a power of two ≤ 4096, got ${blockSize}`;
    assert.throws(() => dotProduct(k.ctx, ct, ct, blockSize, k.keys), { name: 'RangeError', message });
    assert.throws(() => dotProductPlain(k.ctx, ct, [1, 1, 1, 1], blockSize, k.keys), { name: 'RangeError', message });
  }
});

test('encode refuses a scale that is not a positive finite number', () => {
  for (const [scale, shown] of [
    [0, '0'],
    [-1, '-1'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ] as const)
    assert.throws(() => encode(k.ctx, [1, 2], { scale }), { name: 'RangeError', message: `scale must be a positive finite number, got ${shown}` });
  // an explicit valid scale is accepted
  const plain = encode(k.ctx, [1, 2], { scale: 2 ** 30 });
  plain.delete();
});

test('powerOfTwoSteps: 1, 2, 4, … < span, negatives only when asked', () => {
  assert.deepEqual(powerOfTwoSteps(1), []);
  assert.deepEqual(powerOfTwoSteps(2), [1]);
  assert.deepEqual(powerOfTwoSteps(8), [1, 2, 4]);
  assert.deepEqual(powerOfTwoSteps(9), [1, 2, 4, 8]);
  assert.deepEqual(powerOfTwoSteps(16, false), [1, 2, 4, 8]);
  assert.deepEqual(powerOfTwoSteps(16, true), [1, 2, 4, 8, -1, -2, -4, -8]);
  assert.deepEqual(powerOfTwoSteps(3, true), [1, 2, -1, -2]);
  assert.deepEqual(powerOfTwoSteps(1, true), []);
});

test('accuracy: hand count, a logit of exactly 0 is class 1', () => {
  const model: LogisticModel = { weights: [1, -1], bias: 0 };
  // logits 1, −1, 0, −3 → classes 1, 0, 1, 0
  const rows = [
    [1, 0],
    [0, 1],
    [2, 2],
    [0, 3],
  ];
  assert.equal(accuracy(model, rows, [1, 0, 1, 1]), 3 / 4);
  assert.equal(accuracy(model, rows, [1, 0, 1, 0]), 1);
  assert.equal(accuracy(model, rows, [0, 1, 0, 1]), 0);
  // with a bias: 0.5·2 − 1 = 0 → class 1; 0.5·1 − 1 = −0.5 → class 0
  const biased: LogisticModel = { weights: [0.5], bias: -1 };
  assert.equal(accuracy(biased, [[2]], [1]), 1);
  assert.equal(accuracy(biased, [[2], [1]], [0, 0]), 1 / 2);
});

test('MLP layers: inputs wider than the previous layer’s outputs are refused, naming both layers', () => {
  const layer0: DenseLayer = {
    weights: [
      [1, 0, 0],
      [0, 1, 0],
    ],
    bias: [0, 0],
    activation: 'none',
  };
  const tooWide: DenseLayer = { weights: [[1, 1, 1]], bias: [0], activation: 'none' };
  const message = "layer 1: inputs wider than layer 0's 2 outputs";
  assert.throws(() => inferPlain([layer0, tooWide], [1, 2, 3]), { name: 'RangeError', message });
  assert.throws(() => inferEncrypted(k.ctx, [layer0, tooWide], ct, k.keys), { name: 'RangeError', message });
  // the third layer: layer 1 has 1 output, layer 2 reads 2 inputs
  const narrow: DenseLayer = { weights: [[1, 1]], bias: [0], activation: 'none' };
  const two: DenseLayer = { weights: [[1, 1]], bias: [0], activation: 'none' };
  assert.throws(() => inferPlain([layer0, narrow, two], [1, 2, 3]), { name: 'RangeError', message: "layer 2: inputs wider than layer 1's 1 outputs" });
  // as wide as the previous outputs is fine: layer 1 sums layer 0's 2 outputs
  assert.deepEqual(inferPlain([layer0, narrow], [1, 2, 3]), [3]);
});

function bundleBytes(header: unknown): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(BUNDLE_MAGIC.length + 4 + json.length);
  out.write(BUNDLE_MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, BUNDLE_MAGIC.length);
  json.copy(out, BUNDLE_MAGIC.length + 4);
  return out;
}

test('decodeBundle: a header without kind, parameters or entries is refused', () => {
  const parameters = { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 60], scaleBits: 40 };
  const good = { kind: 'test', parameters, entries: [], meta: {} };
  // the well-formed header parses (no entries, nothing after the header)
  assert.deepEqual(decodeBundle(bundleBytes(good)), { kind: 'test', parameters, entries: [], meta: {} });
  const bad: Record<string, unknown>[] = [
    { parameters, entries: [] },
    { kind: 7, parameters, entries: [] },
    { kind: 'test', entries: [] },
    { kind: 'test', parameters: { coeffModulusBits: [60, 40, 60], scaleBits: 40 }, entries: [] },
    { kind: 'test', parameters: { polyModulusDegree: 8192, scaleBits: 40 }, entries: [] },
    { kind: 'test', parameters: { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 60] }, entries: [] },
    { kind: 'test', parameters },
    { kind: 'test', parameters, entries: { a: 1 } },
    { kind: 'test', parameters, entries: [], meta: null },
    { kind: 'test', parameters, entries: [], meta: 'x' },
  ];
  for (const header of bad) {
    assert.throws(
      () => decodeBundle(bundleBytes(header)),
      { name: 'TypeError', message: 'bundle: header lacks kind, parameters or entries' },
      JSON.stringify(header),
    );
    assert.throws(() => decodeBundle(bundleBytes(header), 'keys.bundle', { kind: 'test' }), {
      name: 'TypeError',
      message: 'keys.bundle: header lacks kind, parameters or entries',
    });
  }
});

test('rotate by 0 needs no Galois keys and returns a distinct copy of the input', () => {
  // at scale 2^30 (rather than the parameters' 2^21) a fresh ciphertext's error is far below 1e-3
  const precise = k.enc.encrypt(x, { scale: 2 ** 30 });
  try {
    const r = rotate(k.ctx, precise, 0, { galoisKeys: undefined, galoisSteps: [] });
    try {
      assert.notEqual(r, precise);
      assert.ok(maxAbsDiff(k.dec.decrypt(r, x.length), x) < 1e-3);
    } finally {
      r.delete();
    }
    // the input survives the copy's deletion
    assert.ok(maxAbsDiff(k.dec.decrypt(precise, x.length), x) < 1e-3);
  } finally {
    precise.delete();
  }
});

test('encrypted logits: w·x + b by hand, and SEAL’s heap flat over 30 calls', () => {
  const party = new LogisticDataParty(k.ctx, k.keys, 1);
  const trainer = new EncryptedLogisticTrainer(k.ctx, k.keys.evaluationKeys, 1);
  const model = party.encryptModel({ weights: [0.5], bias: 0.25 });
  const rows = party.encryptRows([[2], [-1]]);
  const round = (): number[] => {
    const out = trainer.logits(model, rows);
    try {
      return party.decryptLogits(out, 2);
    } finally {
      for (const c of out) c.delete();
    }
  };
  try {
    // 0.5·2 + 0.25 = 1.25, 0.5·(−1) + 0.25 = −0.25
    assert.ok(maxAbsDiff(round(), [1.25, -0.25]) < 1e-2);
    for (let i = 0; i < 3; i++) round();
    const warm = sealHeapBytes();
    for (let i = 0; i < 30; i++) round();
    // a product ciphertext (2 polynomials × 8192 coefficients × ≤ 7 primes × 8 bytes, under 1 MB) leaked per row and call would add
    // ~50 MB (measured: 53 MB); allow 1 MiB of allocator slack
    assert.ok(sealHeapBytes() <= warm + 2 ** 20, `heap grew from ${warm} to ${sealHeapBytes()} bytes`);
  } finally {
    for (const c of rows) c.delete();
    model.delete();
    party.delete();
  }
});
