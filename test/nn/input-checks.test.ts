/**
 * Input checks and small pure helpers of src/nn, each against an independent expectation:
 *
 * - Adam's hyperparameter checks: the boundary values 0 accepted for the betas, 1 / −0.1 / NaN
 *   refused, learning rate 0 and epsilon 0 refused, each by its documented message written out.
 * - epochBatches on a non-square 4x6 dataset built by hand: firstBatch −1 / 1.5 refused by message;
 *   maxShift 3 = min(4, 6) − 1 accepted, 4 refused with the bound 3 in the message.
 * - GAN checkpoints: files with wrong magic bytes or shorter than 16 bytes are refused as "bad magic
 *   bytes"; a 16-byte prefix with the right magic gets past that check; a real saved checkpoint whose
 *   JSON header has optimizer.beta2 edited to a string / null is refused naming optimizer.beta2.
 * - argmax against a brute force (max, then first index holding it) on seeded scores, with ties
 *   and with the max in the last column.
 * - convOutputShape against the valid-padding formula worked out by hand; StridedCnn's layer
 *   shapes, feature-map shapes and activations as its config implies by hand, and its output
 *   against the same network written with tfjs's own ops; bad filters refused by message.
 * - ganConfig's numClasses: −1 and 1.5 refused by message, 0 and 10 accepted.
 * - pix2pix ParamList: a duplicate parameter name refused by its message.
 * - SquareMlp.apply(x, 1) = (x·W₀ + b₀)² computed in float64 from the layer's weights; layers 0
 *   and layerCount + 1 refused by message.
 * - Resume checkpoints: a real file written by writeTrainingCheckpoint with bad fields, read back
 *   by readTrainingCheckpoint, then checked by the exported CheckpointFields reader (src/nn has no
 *   loader of its own that applies them): integers below the minimum, above the maximum or not
 *   integers, a mask value 0.5, quantizer ranges of the wrong count and an inverted range, each
 *   refused with the message written out.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { Adam } from '../../src/nn/adam';
import { epochBatches } from '../../src/nn/batches';
import { CheckpointError, CHECKPOINT_MAGIC, loadGanCheckpoint, readCheckpointHeader, saveGanCheckpoint } from '../../src/nn/checkpoint';
import { argmax } from '../../src/nn/classify';
import { convOutputShape, StridedCnn } from '../../src/nn/cnn';
import { Gan, ganConfig } from '../../src/nn/gan';
import { ganOptimizers } from '../../src/nn/gan-step';
import { ParamList } from '../../src/nn/pix2pix/layers';
import { SquareMlp } from '../../src/nn/square-mlp';
import { CheckpointFields, readTrainingCheckpoint, TrainingCheckpointError, writeTrainingCheckpoint } from '../../src/nn/training-checkpoint';
import { makeDataset } from '../../src/data/dataset';
import { SeededRng } from '../../src/util/rng';
import { tmpDir } from '../support/tmp';
import { throwsExactly } from '../support/throws';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

// ---------------------------------------------------------------------------------------------
// Adam

test('Adam: betas 0 accepted; beta 1, −0.1, NaN, learning rate 0 and epsilon 0 refused by message', () => {
  const a = new Adam([], { beta1: 0, beta2: 0 });
  assert.equal(a.hyper.beta1, 0);
  assert.equal(a.hyper.beta2, 0);
  a.dispose();
  const b = new Adam([], { beta1: 0.9, beta2: 0 });
  assert.equal(b.hyper.beta2, 0);
  b.dispose();
  for (const beta2 of [1, -0.1, NaN]) {
    throwsExactly(() => new Adam([], { beta1: 0.5, beta2 }), RangeError, `Adam betas must be in [0, 1), got 0.5, ${beta2}`);
  }
  for (const beta1 of [1, -0.1, NaN]) {
    throwsExactly(() => new Adam([], { beta1, beta2: 0.999 }), RangeError, `Adam betas must be in [0, 1), got ${beta1}, 0.999`);
  }
  throwsExactly(() => new Adam([], { learningRate: 0 }), RangeError, 'learning rate must be positive, got 0');
  throwsExactly(() => new Adam([], { epsilon: 0 }), RangeError, 'Adam epsilon must be positive, got 0');
});

// ---------------------------------------------------------------------------------------------
// epochBatches

/** Five 4x6 (height 4, width 6) images, pixel values made by hand. */
function nonSquareDataset() {
  const count = 5;
  const images = Uint8Array.from({ length: count * 4 * 6 }, (_, i) => (i * 7) % 256);
  return makeDataset({ name: '4x6 by hand', images, labels: Uint8Array.from([0, 1, 2, 0, 1]), count, height: 4, width: 6, classNames: ['a', 'b', 'c'] });
}

test('epochBatches on 4x6 images: firstBatch −1 / 1.5 refused; maxShift 3 = min(4, 6) − 1 accepted, 4 refused', () => {
  const ds = nonSquareDataset();
  for (const firstBatch of [-1, 1.5]) {
    throwsExactly(() => epochBatches(ds, 2, new SeededRng(1), firstBatch).next(), RangeError, `firstBatch must be a non-negative integer, got ${firstBatch}`);
  }
  // firstBatch 1 with batch size 2 skips one batch: 3 of the 5 images remain, in batches of 2 and 1.
  const sizes: number[] = [];
  for (const b of epochBatches(ds, 2, new SeededRng(1), 1)) {
    sizes.push(b.images.shape[0]);
    b.images.dispose();
  }
  assert.deepEqual(sizes, [2, 1]);
  // maxShift 3 is the largest allowed on 4x6 images; every batch holds [n, 24] pixels in [-1, 1].
  let seen = 0;
  for (const b of epochBatches(ds, 2, new SeededRng(2), 0, 3)) {
    assert.equal(b.images.shape[1], 24);
    const px = b.images.dataSync();
    assert.ok(px.every((v) => v >= -1 && v <= 1));
    seen += b.images.shape[0];
    b.images.dispose();
  }
  assert.equal(seen, 5);
  for (const maxShift of [4, 5, -1, 1.5]) {
    throwsExactly(() => epochBatches(ds, 2, new SeededRng(2), 0, maxShift).next(), RangeError, `maxShift must be an integer in [0, 3], got ${maxShift}`);
  }
});

// ---------------------------------------------------------------------------------------------
// GAN checkpoints

const TINY_GAN = { latentDim: 4, imageHeight: 4, imageWidth: 4, generatorHidden: [5], discriminatorHidden: [6], numClasses: 0 };

/** A real checkpoint (with optimiser state) of a tiny GAN. */
function savedCheckpoint(dir: string, name: string): string {
  const gan = new Gan(TINY_GAN, 1);
  const opt = ganOptimizers(gan, { learningRate: 1e-3 });
  const file = path.join(dir, name);
  saveGanCheckpoint(file, gan, { optimizers: opt, meta: { epoch: 1, seed: 1, globalStep: 0 } });
  gan.dispose();
  opt.generator.dispose();
  opt.discriminator.dispose();
  return file;
}

/** Rewrite `file`'s JSON header by `edit`, re-laying the prefix and padding as the documented format says. */
function editHeader(file: string, edit: (h: Record<string, unknown>) => void): void {
  const bytes = fs.readFileSync(file);
  const h = bytes.readUInt32LE(12);
  const dataStart = 16 + h + ((4 - ((16 + h) % 4)) % 4);
  const header = JSON.parse(bytes.subarray(16, 16 + h).toString('utf8')) as Record<string, unknown>;
  edit(header);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(16);
  Buffer.from('PRIVLAB\0', 'latin1').copy(prefix, 0);
  prefix.writeUInt32LE(1, 8);
  prefix.writeUInt32LE(json.length, 12);
  const pad = Buffer.alloc((4 - ((16 + json.length) % 4)) % 4);
  fs.writeFileSync(file, Buffer.concat([prefix, json, pad, bytes.subarray(dataStart)]));
}

test('GAN checkpoint: wrong magic bytes or fewer than 16 bytes are "not a privlab checkpoint"', () => {
  const dir = tmpDir();
  const file = savedCheckpoint(dir, 'good.ckpt');
  // the unedited file loads (so what fails below is the edit)
  const ok = loadGanCheckpoint(file);
  ok.gan.dispose();
  ok.optimizers?.generator.dispose();
  ok.optimizers?.discriminator.dispose();

  const good = fs.readFileSync(file);
  const bad = Buffer.from(good);
  bad.write('PRIVLAX', 0, 'latin1'); // "PRIVLAX\0": one letter off, the rest of the file intact
  const badFile = path.join(dir, 'bad-magic.ckpt');
  fs.writeFileSync(badFile, bad);
  throwsExactly(() => loadGanCheckpoint(badFile), CheckpointError, `checkpoint ${badFile}: not a privlab checkpoint (bad magic bytes)`);
  throwsExactly(() => readCheckpointHeader('x', bad), CheckpointError, 'checkpoint x: not a privlab checkpoint (bad magic bytes)');

  // The right magic but too short for the prefix (8 + 4 bytes, 8 + 2 bytes, the magic alone, nothing).
  for (const n of [12, 10, 8, 0]) {
    throwsExactly(() => readCheckpointHeader('short', good.subarray(0, n)), CheckpointError, 'checkpoint short: not a privlab checkpoint (bad magic bytes)');
  }
  // Exactly 16 bytes with the right magic pass that check: version 1, an empty header is not JSON.
  const sixteen = Buffer.alloc(16);
  CHECKPOINT_MAGIC.copy(sixteen, 0);
  sixteen.writeUInt32LE(1, 8);
  sixteen.writeUInt32LE(0, 12);
  assert.throws(
    () => readCheckpointHeader('sixteen', sixteen),
    (e: unknown) => e instanceof CheckpointError && e.message.startsWith('checkpoint sixteen: header is not valid JSON'),
  );
});

test('GAN checkpoint: an optimizer field that is not a finite number is refused, naming it', () => {
  const dir = tmpDir();
  const cases: Array<[string, unknown, string]> = [
    ['beta2', '0.999', '"0.999"'],
    ['beta2', null, 'null'],
    ['learningRate', 'fast', '"fast"'],
    ['discriminatorStep', null, 'null'],
  ];
  cases.forEach(([field, value, shown], i) => {
    const file = savedCheckpoint(dir, `opt-${i}.ckpt`);
    editHeader(file, (h) => {
      (h.optimizer as Record<string, unknown>)[field] = value;
    });
    throwsExactly(() => loadGanCheckpoint(file), CheckpointError, `checkpoint ${file}: optimizer.${field} must be a finite number, got ${shown}`);
  });
  // the same header edit with a number in place loads: the edit itself is sound
  const file = savedCheckpoint(dir, 'opt-ok.ckpt');
  editHeader(file, (h) => {
    (h.optimizer as Record<string, unknown>).beta2 = 0.99;
  });
  const ok = loadGanCheckpoint(file);
  assert.equal(ok.optimizers?.generator.hyper.beta2, 0.99);
  ok.gan.dispose();
  ok.optimizers?.generator.dispose();
  ok.optimizers?.discriminator.dispose();
});

// ---------------------------------------------------------------------------------------------
// argmax

/** Brute force: the row's maximum by Math.max, then the first index holding it. */
function bruteArgmax(scores: ArrayLike<number>, features: number): number[] {
  const out: number[] = [];
  for (let s = 0; s * features < scores.length; s++) {
    const row = Array.from({ length: features }, (_, j) => scores[s * features + j]);
    out.push(row.indexOf(Math.max(...row)));
  }
  return out;
}

test('argmax = brute force on seeded scores; ties go to the first index; the last column can win', () => {
  const rng = new SeededRng(17);
  const scores = Float32Array.from({ length: 50 * 7 }, () => rng.next() * 4 - 2);
  assert.deepEqual(Array.from(argmax(scores, 7)), bruteArgmax(scores, 7));
  // few distinct values: many ties
  const ties = Float64Array.from({ length: 50 * 7 }, () => rng.nextInt(3));
  assert.deepEqual(Array.from(argmax(ties, 7)), bruteArgmax(ties, 7));
  // by hand
  assert.deepEqual(Array.from(argmax([1, 3, 3, 0, 2, 2, 2, 2, 0, 1, 2, 9], 4)), [1, 0, 3]);
  assert.deepEqual(Array.from(argmax([-5, -4, -1, -3], 4)), [2]);
  assert.deepEqual(Array.from(argmax([0, 0, 0, 1, 5, 5, 4, 0, -1, -2, -3, 7], 3)), [0, 1, 0, 2]);
  assert.deepEqual(Array.from(argmax([4, 2, 7], 1)), [0, 0, 0]);
  assert.equal(argmax([], 5).length, 0);
});

// ---------------------------------------------------------------------------------------------
// CNN

test('convOutputShape: floor((n − k) / s) + 1 per side, worked out by hand', () => {
  const in28 = { height: 28, width: 28, channels: 1 };
  const conv = (kh: number, kw: number, stride: number, outChannels = 6) => ({ kernelHeight: kh, kernelWidth: kw, outChannels, stride });
  assert.deepEqual(convOutputShape(in28, conv(5, 5, 1)), { height: 24, width: 24, channels: 6 });
  assert.deepEqual(convOutputShape(in28, conv(5, 5, 2)), { height: 12, width: 12, channels: 6 });
  assert.deepEqual(convOutputShape(in28, conv(28, 28, 1, 3)), { height: 1, width: 1, channels: 3 });
  assert.deepEqual(convOutputShape(in28, conv(3, 3, 2)), { height: 13, width: 13, channels: 6 });
  // non-square: (11 − 3) / 2 + 1 = 5 rows, floor((8 − 2) / 2) + 1 = 4 columns
  assert.deepEqual(convOutputShape({ height: 11, width: 8, channels: 2 }, conv(3, 2, 2, 4)), { height: 5, width: 4, channels: 4 });
  throwsExactly(() => convOutputShape(in28, conv(29, 29, 1)), RangeError, 'a 29x29 kernel does not fit a 28x28 input');
  throwsExactly(() => convOutputShape(in28, conv(5, 29, 1)), RangeError, 'a 5x29 kernel does not fit a 28x28 input');
});

test('StridedCnn: layer shapes as the config implies, output = the same net in tfjs ops, bad filters refused', () => {
  // 11x8x2 input, 3x3 kernels, stride 2: 11x8 → 5x3 (floor(8/2)+1, floor(5/2)+1) → 2x1 (floor(2/2)+1, floor(0/2)+1)
  // 2·1·5 = 10 features, then dense 7 (ReLU), then 4 logits.
  const config = { input: { height: 11, width: 8, channels: 2 }, filters: [3, 5], classes: 4, dense: [7] };
  const cnn = new StridedCnn(config, new SeededRng(9));
  assert.deepEqual(cnn.shapes, [
    { height: 11, width: 8, channels: 2 },
    { height: 5, width: 3, channels: 3 },
    { height: 2, width: 1, channels: 5 },
  ]);
  assert.equal(cnn.flatFeatures, 10);
  assert.deepEqual(
    cnn.layers.map((l) => [l.kernel.shape, l.bias.shape, l.activation]),
    [
      [[3, 3, 2, 3], [3], 'relu'],
      [[3, 3, 3, 5], [5], 'relu'],
      [[10, 7], [7], 'relu'],
      [[7, 4], [4], 'linear'],
    ],
  );
  assert.deepEqual(cnn.variableNames(), [
    'conv0/kernel',
    'conv0/bias',
    'conv1/kernel',
    'conv1/bias',
    'dense0/kernel',
    'dense0/bias',
    'dense/kernel',
    'dense/bias',
  ]);

  const rng = new SeededRng(10);
  const batch = 3;
  const x = tf.tensor2d(
    Float32Array.from({ length: batch * 11 * 8 * 2 }, () => rng.next() * 2 - 1),
    [batch, 176],
  );
  const y = cnn.apply(x);
  assert.deepEqual(y.shape, [batch, 4]);
  const [c0, c1, d0, d1] = cnn.layers;
  const expected = tf.tidy(() => {
    let h: tf.Tensor4D = x.reshape([batch, 11, 8, 2]);
    h = tf.relu(tf.add(tf.conv2d(h, c0.kernel as tf.Tensor4D, 2, 'valid'), c0.bias)) as tf.Tensor4D;
    h = tf.relu(tf.add(tf.conv2d(h, c1.kernel as tf.Tensor4D, 2, 'valid'), c1.bias)) as tf.Tensor4D;
    const f = h.reshape([batch, 10]) as tf.Tensor2D;
    const z = tf.relu(tf.add(tf.matMul(f, d0.kernel as tf.Tensor2D), d0.bias)) as tf.Tensor2D;
    return tf.add(tf.matMul(z, d1.kernel as tf.Tensor2D), d1.bias);
  });
  const got = y.dataSync();
  const want = expected.dataSync();
  assert.equal(got.length, batch * 4);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `logit ${i}: ${got[i]} vs ${want[i]}`);
  tf.dispose([x, y, expected]);
  cnn.dispose();

  // No hidden dense layers: one convolution, then the head straight from the 13·13·4 = 676 features.
  const plain = new StridedCnn({ input: { height: 28, width: 28, channels: 1 }, filters: [4], classes: 10 }, new SeededRng(1));
  assert.deepEqual(
    plain.layers.map((l) => [l.kernel.shape, l.activation]),
    [
      [[3, 3, 1, 4], 'relu'],
      [[676, 10], 'linear'],
    ],
  );
  plain.dispose();

  const input = { height: 8, width: 8, channels: 1 };
  for (const [filters, shown] of [
    [[], '[]'],
    [[0], '[0]'],
    [[1.5], '[1.5]'],
    [[2, -1], '[2,-1]'],
  ] as Array<[number[], string]>) {
    throwsExactly(() => new StridedCnn({ input, filters, classes: 2 }, new SeededRng(0)), RangeError, `filters must be positive integers, got ${shown}`);
  }
});

// ---------------------------------------------------------------------------------------------
// GAN config

test('ganConfig numClasses: −1 and 1.5 refused by message, 0 and 10 accepted', () => {
  for (const numClasses of [-1, 1.5]) {
    throwsExactly(() => ganConfig({ numClasses }), RangeError, `numClasses must be a non-negative integer, got ${numClasses}`);
  }
  assert.equal(ganConfig({ numClasses: 0 }).numClasses, 0);
  assert.equal(ganConfig({ numClasses: 10 }).numClasses, 10);
});

// ---------------------------------------------------------------------------------------------
// pix2pix ParamList

test('ParamList: a name added twice is refused by message; distinct names are kept in order', () => {
  const p = new ParamList();
  p.add('enc1/kernel', new Float32Array(4), [2, 2]);
  p.add('enc1/bias', new Float32Array(2), [2]);
  throwsExactly(() => p.add('enc1/kernel', new Float32Array(4), [2, 2]), Error, 'duplicate parameter name enc1/kernel');
  assert.deepEqual(p.variableNames(), ['enc1/kernel', 'enc1/bias']);
  assert.equal(p.parameterCount(), 6);
  p.dispose();
});

// ---------------------------------------------------------------------------------------------
// SquareMlp

test('SquareMlp.apply(x, 1) = (x·W₀ + b₀)² in float64; layers 0 and layerCount + 1 refused', () => {
  const mlp = new SquareMlp({ sizes: [5, 4, 3] }, new SeededRng(21));
  const rng = new SeededRng(22);
  const rows = 3;
  const xs = Float32Array.from({ length: rows * 5 }, () => rng.next() * 2 - 1);
  const x = tf.tensor2d(xs, [rows, 5]);
  const w = mlp.kernels[0].dataSync(); // [5, 4] row-major
  const b = mlp.biases[0].dataSync();
  const want: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < 4; o++) {
      let s = b[o];
      for (let i = 0; i < 5; i++) s += xs[r * 5 + i] * w[i * 4 + o];
      want.push(s * s);
    }
  }
  const y = mlp.apply(x, 1);
  assert.deepEqual(y.shape, [rows, 4]);
  const got = y.dataSync();
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-5, `output ${i}: ${got[i]} vs ${v}`));
  assert.equal(mlp.layerCount, 2);
  for (const layers of [0, 3, 1.5]) {
    throwsExactly(() => mlp.apply(x, layers), RangeError, `layers must be an integer in [1, 2], got ${layers}`);
  }
  tf.dispose([x, y]);
  mlp.dispose();
});

// ---------------------------------------------------------------------------------------------
// Resume checkpoints: CheckpointFields over a real file

const FORMAT = 'privlab.input-checks-test';

test('resume checkpoint fields: integers, masks and quantizer ranges read back from a real file', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'resume.ckpt');
  const mask = tf.tensor1d([1, 0, 0.5, 1]);
  const goodMask = tf.tensor1d([1, 0, 0, 1]);
  writeTrainingCheckpoint(
    file,
    FORMAT,
    {
      progress: { epoch: -1, batch: 1.5, step: 3, text: '3', big: 11 },
      qat: { outputs: [{ min: -1, max: 2 }, null] },
      inverted: { outputs: [{ min: 2, max: 1 }] },
    },
    [
      ['mask/0', mask],
      ['mask/1', goodMask],
    ],
  );
  tf.dispose([mask, goodMask]);
  const { meta, weights } = readTrainingCheckpoint(file, FORMAT);
  const f = new CheckpointFields(file);
  const p = f.object('progress', meta.progress);
  const prefix = `resume checkpoint ${file}: `;
  const maxSafe = Number.MAX_SAFE_INTEGER;

  // integers: below the minimum, not an integer, not a number, above the maximum
  throwsExactly(() => f.int('progress.epoch', p.epoch, 0), TrainingCheckpointError, `${prefix}progress.epoch must be an integer in [0, ${maxSafe}], got -1`);
  throwsExactly(() => f.int('progress.batch', p.batch, 0), TrainingCheckpointError, `${prefix}progress.batch must be an integer in [0, ${maxSafe}], got 1.5`);
  throwsExactly(() => f.int('progress.text', p.text, 0), TrainingCheckpointError, `${prefix}progress.text must be an integer in [0, ${maxSafe}], got "3"`);
  throwsExactly(() => f.int('progress.big', p.big, 0, 10), TrainingCheckpointError, `${prefix}progress.big must be an integer in [0, 10], got 11`);
  throwsExactly(() => f.int('progress.step', p.step, 4), TrainingCheckpointError, `${prefix}progress.step must be an integer in [4, ${maxSafe}], got 3`);
  // the boundaries themselves are accepted
  assert.equal(f.int('progress.step', p.step, 3, 3), 3);
  assert.equal(f.int('progress.big', p.big, 0, 11), 11);
  assert.equal(f.int('progress.step', p.step, 0), 3);

  // masks: 0.5 at index 2
  assert.deepEqual(
    weights.specs.map((s) => s.name),
    ['mask/0', 'mask/1'],
  );
  throwsExactly(
    () => f.mask('tensor mask/0', weights.values[0]),
    TrainingCheckpointError,
    `${prefix}tensor mask/0[2] must be 0 or 1 (a pruning mask), got 0.5`,
  );
  assert.deepEqual(Array.from(f.mask('tensor mask/1', weights.values[1])), [1, 0, 0, 1]);

  // quantizer ranges: the outputs list must have one entry per layer
  throwsExactly(
    () => f.quantizerRanges('qat', meta.qat, 3),
    TrainingCheckpointError,
    `${prefix}qat.outputs must be a list of 3 ranges or nulls, got [{"min":-1,"max":2},null]`,
  );
  throwsExactly(
    () => f.quantizerRanges('qat', meta.qat, 1),
    TrainingCheckpointError,
    `${prefix}qat.outputs must be a list of 1 ranges or nulls, got [{"min":-1,"max":2},null]`,
  );
  assert.deepEqual(f.quantizerRanges('qat', meta.qat, 2), { outputs: [{ min: -1, max: 2 }, null] });
  throwsExactly(
    () => f.quantizerRanges('inverted', meta.inverted, 1),
    TrainingCheckpointError,
    `${prefix}inverted.outputs[0] must be a range { min, max } of finite numbers, min ≤ max, got {"min":2,"max":1}`,
  );
});
