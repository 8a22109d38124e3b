import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { CheckpointError, Gan, ganOptimizers, ganTrainStep, loadGanCheckpoint, saveGanCheckpoint } from '../../src/nn';
import { SeededRng } from '../../src/util/rng';
import { tmpDir } from '../support/tmp';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const SMALL = { latentDim: 12, generatorHidden: [24, 32], discriminatorHidden: [32], numClasses: 10 };

function trainedGan() {
  const gan = new Gan(SMALL, 3);
  const opt = ganOptimizers(gan, { learningRate: 1e-3 });
  const rng = new SeededRng(1);
  const real = tf.tensor2d(
    Float32Array.from({ length: 8 * 784 }, () => rng.next() * 2 - 1),
    [8, 784],
  );
  for (let i = 0; i < 3; i++) ganTrainStep(gan, opt, real, rng, [0, 1, 2, 3, 4, 5, 6, 7]);
  real.dispose();
  return { gan, opt };
}

function values(vs: tf.Variable[]): number[][] {
  return vs.map((v) => Array.from(v.dataSync()));
}

test('checkpoint round trip: config, weights, optimiser moments and steps, metadata', () => {
  const dir = tmpDir();
  const { gan, opt } = trainedGan();
  const file = path.join(dir, 'sub', 'gan.ckpt');
  const bytes = saveGanCheckpoint(file, gan, { optimizers: opt, meta: { epoch: 7, seed: 3, globalStep: 3, dataset: 'test' } });
  assert.equal(fs.statSync(file).size, bytes);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['gan.ckpt'], 'no temp file left behind');
  const loaded = loadGanCheckpoint(file);
  assert.deepEqual(loaded.config, gan.config);
  assert.equal(loaded.meta.epoch, 7);
  assert.equal(loaded.meta.dataset, 'test');
  assert.deepEqual(values(loaded.gan.generator.variables()), values(gan.generator.variables()));
  assert.deepEqual(values(loaded.gan.discriminator.variables()), values(gan.discriminator.variables()));
  assert.ok(loaded.optimizers);
  assert.equal(loaded.optimizers.generator.step, 3);
  assert.equal(loaded.optimizers.generator.hyper.learningRate, 1e-3);
  assert.deepEqual(values(loaded.optimizers.discriminator.v), values(opt.discriminator.v));
  // The loaded model generates exactly what the saved one did.
  const z = gan.sampleLatent(new SeededRng(5), 4);
  const labels = gan.oneHot([1, 2, 3, 4]);
  const a = tf.tidy(() => Array.from(gan.generate(z, labels).dataSync()));
  const b = tf.tidy(() => Array.from(loaded.gan.generate(z, labels).dataSync()));
  assert.deepEqual(a, b);
  // Weights only.
  const weightsOnly = loadGanCheckpoint(file, { withOptimizers: false });
  assert.equal(weightsOnly.optimizers, undefined);
  tf.dispose([z, labels]);
  for (const g of [gan, loaded.gan, weightsOnly.gan]) g.dispose();
});

test('corrupted, truncated or foreign checkpoints are rejected with the reason', () => {
  const dir = tmpDir();
  const { gan, opt } = trainedGan();
  const file = path.join(dir, 'gan.ckpt');
  saveGanCheckpoint(file, gan, { optimizers: opt, meta: { epoch: 1, seed: 3, globalStep: 3 } });
  const good = fs.readFileSync(file);
  const variant = (name: string, bytes: Buffer): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    return f;
  };
  const expectError = (f: string, re: RegExp) =>
    assert.throws(
      () => loadGanCheckpoint(f),
      (err: unknown) => err instanceof CheckpointError && re.test((err as Error).message),
    );

  const flipped = Buffer.from(good);
  flipped[flipped.length - 10] ^= 0xff;
  expectError(variant('flipped.ckpt', flipped), /does not match its sha256 checksum/);
  expectError(variant('truncated.ckpt', good.subarray(0, good.length - 100)), /truncated: expected \d+ bytes of tensor data/);
  expectError(variant('extra.ckpt', Buffer.concat([good, Buffer.from([1, 2, 3, 4])])), /4 unexpected bytes/);
  expectError(variant('magic.ckpt', Buffer.concat([Buffer.from('NOTPRIV\0'), good.subarray(8)])), /not a privlab checkpoint/);
  const v2 = Buffer.from(good);
  v2.writeUInt32LE(2, 8);
  expectError(variant('v2.ckpt', v2), /unsupported format version 2/);
  expectError(variant('short.ckpt', good.subarray(0, 40)), /truncated: the header needs/);
  const badJson = Buffer.from(good);
  badJson[16] = 0x7b + 1; // the header's opening brace
  expectError(variant('json.ckpt', badJson), /header is not valid JSON/);
  expectError(path.join(dir, 'missing.ckpt'), /cannot be read \(ENOENT\)/);

  // A header whose config disagrees with its tensors: same bytes of data, edited JSON (caught
  // by the size the config implies, before the model is built).
  const h = good.readUInt32LE(12);
  const header = JSON.parse(good.subarray(16, 16 + h).toString('utf8'));
  header.config.latentDim = 13;
  const json = Buffer.from(JSON.stringify(header));
  const pad = (4 - ((16 + json.length) % 4)) % 4;
  const dataStart = 16 + h + ((4 - ((16 + h) % 4)) % 4);
  const prefix = Buffer.from(good.subarray(0, 16));
  prefix.writeUInt32LE(json.length, 12);
  expectError(
    variant('shape.ckpt', Buffer.concat([prefix, json, Buffer.alloc(pad), good.subarray(dataStart)])),
    /its config describes 158163 values \(632652 bytes\), the data section holds 632364 bytes/,
  );
  gan.dispose();
});

test('a failed save leaves any previous checkpoint intact', () => {
  const dir = tmpDir();
  const { gan, opt } = trainedGan();
  const file = path.join(dir, 'gan.ckpt');
  saveGanCheckpoint(file, gan, { meta: { epoch: 1, seed: 3, globalStep: 3 } });
  const before = fs.readFileSync(file);
  const v = gan.generator.variables()[0];
  v.dispose(); // saving now fails while reading the weights
  assert.throws(() => saveGanCheckpoint(file, gan, { optimizers: opt, meta: { epoch: 2, seed: 3, globalStep: 6 } }));
  assert.deepEqual(fs.readFileSync(file), before);
  assert.deepEqual(fs.readdirSync(dir), ['gan.ckpt']);
});
