/**
 * The shared tensor frame (src/util/tensor-frame.ts) reads and writes exactly the bytes of
 * the format as it was when it lived in src/fl/wire.ts: the fixtures below were written by
 * that code (privlab main at 75e5fcc, before the frame moved), an FL update message and a
 * classifier-training checkpoint. FL keeps its error (WireFormatError, "malformed
 * message: …"), the shared decoder names its own (TensorFrameError).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { TensorFrameError, decodeTensorFrame, encodeTensorFrame } from '../../src/util/tensor-frame';
import { WeightsError } from '../../src/util/named-tensors';
import { WireFormatError, decodeFrame, encodeFrame, WeightsError as FlWeightsError } from '../../src/fl';
import { loadClassifierCheckpoint, saveClassifierCheckpoint } from '../../src/metrics/classifier-checkpoint';
import { tmpDir } from '../support/tmp';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

/** encodeFrame('update', meta, weights) of the old src/fl/wire.ts. */
const OLD_UPDATE = [
  '504c464c01000200aa0000007b226d657461223a7b226a6f62223a226a31222c22726f756e64223a322c2273697465223a22732d31222c226e756d45',
  '78616d706c6573223a352c226d657472696373223a7b226c6f7373223a302e32357d7d2c2274656e736f7273223a5b7b226e616d65223a226c617965',
  '72302f6b65726e656c222c227368617065223a5b322c335d7d2c7b226e616d65223a226c61796572302f62696173222c227368617065223a5b335d7d',
  '5d7d00000000c03f00000080c2160100000050c000e07f470000e040cdcccc3dcdcc4cbe00004040',
].join('');
const UPDATE_META = { job: 'j1', round: 2, site: 's-1', numExamples: 5, metrics: { loss: 0.25 } };
const UPDATE_WEIGHTS = {
  specs: [
    { name: 'layer0/kernel', shape: [2, 3] },
    { name: 'layer0/bias', shape: [3] },
  ],
  values: [Float32Array.of(1.5, -0, 1e-40, -3.25, 65504, 7), Float32Array.of(0.1, -0.2, 3)],
};

/**
 * saveClassifierCheckpoint of the old code: a dense 3→2 (relu) → 2 (softmax) model,
 * constant initial kernels 0.3 and −0.2, Adam(0.01), two full-batch steps on two rows.
 */
const OLD_CLASSIFIER_CHECKPOINT = [
  '504c464c010003008b0200007b226d657461223a7b22666f726d6174223a22707269766c61622e636c61737369666965722d636865636b706f696e74',
  '222c2270726f6772657373223a7b2273656564223a332c2265706f636873223a342c22626174636853697a65223a322c22747261696e223a2274696e',
  '7920283229222c2265706f6368223a312c226261746368223a312c226c6f737353756d223a302e37352c2265706f6368526e67223a5b312c322c332c',
  '343239343936373239355d7d2c226164616d223a7b22697465726174696f6e73223a322c226163634265746131223a302e3732383939393931323733',
  '38382c226163634265746132223a302e393937303033303738343630363933347d7d2c2274656e736f7273223a5b7b226e616d65223a226d6f64656c',
  '2f30222c227368617065223a5b332c325d7d2c7b226e616d65223a226d6f64656c2f31222c227368617065223a5b325d7d2c7b226e616d65223a226d',
  '6f64656c2f32222c227368617065223a5b322c325d7d2c7b226e616d65223a226d6f64656c2f33222c227368617065223a5b325d7d2c7b226e616d65',
  '223a226164616d2f30222c227368617065223a5b332c325d7d2c7b226e616d65223a226164616d2f31222c227368617065223a5b325d7d2c7b226e61',
  '6d65223a226164616d2f32222c227368617065223a5b322c325d7d2c7b226e616d65223a226164616d2f33222c227368617065223a5b325d7d2c7b22',
  '6e616d65223a226164616d2f34222c227368617065223a5b332c325d7d2c7b226e616d65223a226164616d2f35222c227368617065223a5b325d7d2c',
  '7b226e616d65223a226164616d2f36222c227368617065223a5b322c325d7d2c7b226e616d65223a226164616d2f37222c227368617065223a5b325d',
  '7d5d7d00e3689d3ee3689d3ef0689d3ef0689d3eea689d3eea689d3ee0aef3bbe0aef3bb705638be2a4361be705638be2a4361be4ed5f3bb4ed5f33b',
  'c7ea70b9c7ea70b9e07ac0bae07ac0bafa1fe5b9fa1fe5b9b3acbc37b3acbc37d39b7fbdd39b7f3dd39b7fbdd39b7f3d4d67933a4d6793bad760b531',
  'd760b531ac8d6734ac8d6734940ea432940ea432fa7c5e2efa7c5e2e56e4623956e4623956e4623956e462397acc07347acc0734',
].join('');
/** That model's weights when it was saved, as the old code read them back with dataSync. */
const CHECKPOINT_WEIGHTS: number[][] = [
  [0.307440847158432, 0.307440847158432, 0.30744123458862305, 0.30744123458862305, 0.3074410557746887, 0.3074410557746887],
  [-0.007436618208885193, -0.007436618208885193],
  [-0.18001723289489746, -0.21998277306556702, -0.18001723289489746, -0.21998277306556702],
  [-0.007441199384629726, 0.007441199384629726],
];

function tinyModel(): tf.Sequential {
  const m = tf.sequential({
    layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })],
  });
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  return m;
}

test('an FL update frame: the shared encoder writes the old bytes exactly, and both decoders read them back', () => {
  const old = Buffer.from(OLD_UPDATE, 'hex');
  assert.ok(Buffer.from(encodeTensorFrame('update', UPDATE_META, UPDATE_WEIGHTS)).equals(old));
  assert.ok(Buffer.from(encodeFrame('update', UPDATE_META, UPDATE_WEIGHTS)).equals(old));
  for (const f of [decodeTensorFrame(old, { kind: 'update', maxBytes: old.length }), decodeFrame(old, { kind: 'update', maxBytes: old.length })]) {
    assert.equal(f.kind, 'update');
    assert.deepEqual(f.meta, UPDATE_META);
    assert.deepEqual(f.weights.specs, UPDATE_WEIGHTS.specs);
    f.weights.values.forEach((v, i) => assert.ok(Buffer.from(v.buffer).equals(Buffer.from(UPDATE_WEIGHTS.values[i].buffer)), `tensor ${i} bits`));
  }
});

test("errors: the shared decoder throws TensorFrameError, FL's decoder WireFormatError with its old message; WeightsError is one class", () => {
  const cut = Buffer.from(OLD_UPDATE, 'hex').subarray(0, 200);
  assert.throws(
    () => decodeTensorFrame(cut, { kind: 'update', maxBytes: 1 << 20 }),
    (e: unknown) => e instanceof TensorFrameError && !(e instanceof WireFormatError) && /^malformed frame: truncated: /.test((e as Error).message),
  );
  assert.throws(
    () => decodeFrame(cut, { kind: 'update', maxBytes: 1 << 20 }),
    (e: unknown) => e instanceof WireFormatError && (e as Error).name === 'WireFormatError' && /^malformed message: truncated: /.test((e as Error).message),
  );
  assert.throws(
    () => decodeFrame(Buffer.from(OLD_UPDATE, 'hex'), { kind: 'task', maxBytes: 1 << 20 }),
    /malformed message: got a "update" message, expected "task"/,
  );
  const bad = Buffer.from(OLD_UPDATE, 'hex');
  bad.writeFloatLE(NaN, bad.length - 4);
  assert.throws(
    () => decodeFrame(bad, { kind: 'update', maxBytes: 1 << 20 }),
    (e: unknown) => e instanceof FlWeightsError && e instanceof WeightsError,
  );
});

test('a classifier checkpoint written by the old code loads into the same weights and Adam state (re-saved: the same bytes)', async () => {
  const file = path.join(tmpDir('privlab-frame-'), 'old.ckpt');
  fs.writeFileSync(file, Buffer.from(OLD_CLASSIFIER_CHECKPOINT, 'hex'));
  const m = tinyModel();
  try {
    const progress = await loadClassifierCheckpoint(file, m);
    assert.deepEqual(progress, { seed: 3, epochs: 4, batchSize: 2, train: 'tiny (2)', epoch: 1, batch: 1, lossSum: 0.75, epochRng: [1, 2, 3, 4294967295] });
    const got = m.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array));
    assert.equal(got.length, CHECKPOINT_WEIGHTS.length);
    got.forEach((v, i) => assert.ok(Buffer.from(v.buffer).equals(Buffer.from(Float32Array.from(CHECKPOINT_WEIGHTS[i]).buffer)), `weight ${i}`));
    const again = path.join(path.dirname(file), 'again.ckpt');
    await saveClassifierCheckpoint(again, m, progress);
    assert.ok(fs.readFileSync(again).equals(fs.readFileSync(file)), 'weights, Adam moments, step and β products written back bit for bit');
  } finally {
    m.dispose();
  }
});
