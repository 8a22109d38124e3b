/**
 * Hostile model, data and circuit files (issue 18, items 3 and 5): a tiny GAN checkpoint
 * declaring a model of gigabytes or 200,000 layers, NaN weights, a gzip bomb posing as
 * IDX, a circuit whose run-length tables decode to gigabytes, an oversized federated
 * checkpoint. Each is refused by name, before the allocation it asks for.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { loadModel, saveModel } from '../../src/metrics/tfjs-files';
import { CheckpointError, Gan, loadGanCheckpoint, saveGanCheckpoint } from '../../src/nn';
import { DataFileError } from '../../src/data/errors';
import { readIdx } from '../../src/data/idx';
import { CircuitFormatError, circuitToJson, compileCircuit, parseCircuit } from '../../src/fhe/tfhe/compile';
import { defaultParameterSetName } from '../../src/fhe/tfhe/shortint';
import { loadCheckpoint } from '../../src/fl/checkpoint';
import { encodeFrame } from '../../src/fl/wire';
import { deflateBomb, gzipAround } from '../support/crafted';
import { peakGrowthMB } from '../support/memory';
import { tmpDir } from '../support/tmp';
import { smallModel } from '../fhe/tfhe/run/fixtures';

const dir = tmpDir('privlab-hostile-models-');

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

/** A checkpoint file with this header and data, laid out as saveGanCheckpoint does. */
function checkpointBytes(header: Record<string, unknown>, data = Buffer.alloc(0)): Buffer {
  const json = Buffer.from(JSON.stringify({ ...header, dataBytes: data.length, sha256: createHash('sha256').update(data).digest('hex') }));
  const prefix = Buffer.alloc(16);
  Buffer.from('PRIVLAB\0', 'latin1').copy(prefix, 0);
  prefix.writeUInt32LE(1, 8);
  prefix.writeUInt32LE(json.length, 12);
  return Buffer.concat([prefix, json, Buffer.alloc((4 - ((16 + json.length) % 4)) % 4), data]);
}

const header = (config: Record<string, unknown>): Record<string, unknown> => ({
  format: 'privlab-gan-checkpoint',
  config: { latentDim: 100, imageHeight: 28, imageWidth: 28, leakyAlpha: 0.2, numClasses: 0, ...config },
  meta: { epoch: 0, seed: 0, globalStep: 0, createdAt: '' },
  optimizer: null,
  tensors: [],
});

const checkpointError = (pattern: RegExp) => (e: unknown) => e instanceof CheckpointError && pattern.test(e.message);

test('a ~660-byte GAN checkpoint declaring two 20000-wide layers (1.6 GB) is refused before the model is built', () => {
  const file = path.join(dir, 'huge.ckpt');
  const bytes = checkpointBytes(header({ generatorHidden: [20000, 20000], discriminatorHidden: [1] }));
  assert.ok(bytes.length < 700, `${bytes.length} bytes`);
  fs.writeFileSync(file, bytes);
  const { error, growthMB } = peakGrowthMB(() => loadGanCheckpoint(file));
  assert.ok(checkpointError(/its config describes 417721571 values \(1670886284 bytes\), the data section holds 0 bytes/)(error), String(error));
  assert.ok(growthMB < 200, `peak memory grew by ${growthMB} MB`);
});

test('a 600 KB GAN checkpoint with 200,000 layers is refused by the layer limit', () => {
  const file = path.join(dir, 'deep.ckpt');
  const bytes = checkpointBytes(header({ generatorHidden: new Array(200_000).fill(1), discriminatorHidden: [1] }));
  assert.ok(bytes.length > 400_000 && bytes.length < 700_000, `${bytes.length} bytes`);
  fs.writeFileSync(file, bytes);
  const { error, growthMB } = peakGrowthMB(() => loadGanCheckpoint(file));
  assert.ok(checkpointError(/config\.generatorHidden must list at most 64 layer widths, got 200000 layers/)(error), String(error));
  assert.ok(growthMB < 200, `peak memory grew by ${growthMB} MB`);
});

test('parser-fuzz find: a checkpoint whose config has leakyAlpha 2.2 is a CheckpointError, not a RangeError from the model builder', () => {
  const file = path.join(dir, 'alpha.ckpt');
  const gan = new Gan({ latentDim: 3, imageHeight: 2, imageWidth: 2, generatorHidden: [3], discriminatorHidden: [2] }, 1);
  saveGanCheckpoint(file, gan, { meta: { epoch: 1, seed: 1, globalStep: 1 } });
  gan.dispose();
  // rewrite the header's alpha (the checksum covers the tensor data only), as the fuzzer's mutation did
  const bytes = fs.readFileSync(file);
  const length = bytes.readUInt32LE(12);
  const h = JSON.parse(bytes.subarray(16, 16 + length).toString('utf8')) as { config: { leakyAlpha: number } };
  assert.equal(h.config.leakyAlpha, 0.2);
  h.config.leakyAlpha = 2.2;
  const json = Buffer.from(JSON.stringify(h));
  const prefix = Buffer.from(bytes.subarray(0, 16));
  prefix.writeUInt32LE(json.length, 12);
  const data = bytes.subarray(16 + length + ((4 - ((16 + length) % 4)) % 4));
  fs.writeFileSync(file, Buffer.concat([prefix, json, Buffer.alloc((4 - ((16 + json.length) % 4)) % 4), data]));
  assert.throws(() => loadGanCheckpoint(file), checkpointError(/invalid GAN config: leakyAlpha must be in \[0, 1\), got 2\.2/));
});

test('NaN or Inf in a checkpoint’s weights (with a matching checksum) is a CheckpointError naming the tensor', () => {
  const gan = new Gan({ latentDim: 4, generatorHidden: [8], discriminatorHidden: [8] }, 1);
  const file = path.join(dir, 'nan.ckpt');
  saveGanCheckpoint(file, gan, { meta: { epoch: 0, seed: 1, globalStep: 0 } });
  gan.dispose();
  const good = fs.readFileSync(file);
  const h = good.readUInt32LE(12);
  const parsed = JSON.parse(good.subarray(16, 16 + h).toString('utf8'));
  const dataStart = 16 + h + ((4 - ((16 + h) % 4)) % 4);
  for (const [value, name] of [
    [NaN, 'NaN'],
    [-Infinity, '-Infinity'],
  ] as const) {
    const data = Buffer.from(good.subarray(dataStart));
    const bias = parsed.tensors.find((t: { name: string }) => t.name === 'discriminator/layer1/bias');
    data.writeFloatLE(value, 4 * bias.offset);
    fs.writeFileSync(file, checkpointBytes(parsed, data));
    assert.throws(() => loadGanCheckpoint(file), checkpointError(new RegExp(`tensor discriminator/layer1/bias: value 0 is ${name}`)));
  }
});

test('a 1 MB gzip bomb posing as IDX (10 images declared, 1 GiB inflated) stops at the header’s 7856 bytes', () => {
  const idx = Buffer.alloc(16);
  idx.writeUInt32BE(0x00000803, 0);
  [10, 28, 28].forEach((d, i) => idx.writeUInt32BE(d, 4 + 4 * i));
  const file = path.join(dir, 'bomb-images-idx3-ubyte.gz');
  fs.writeFileSync(file, gzipAround(deflateBomb(idx, 1024)));
  assert.ok(fs.statSync(file).size < 1.2e6);
  const { error, growthMB } = peakGrowthMB(() => readIdx(file));
  assert.ok(error instanceof DataFileError, String(error));
  assert.match((error as Error).message, /decompresses to more than 7856 bytes \(its header declares 7856 bytes\)/);
  assert.ok(growthMB < 200, `peak memory grew by ${growthMB} MB`);
  // A header that declares the whole gigabyte is refused by the limit, before inflating it.
  const big = Buffer.from(idx);
  [1024, 1024, 1024].forEach((d, i) => big.writeUInt32BE(d, 4 + 4 * i));
  fs.writeFileSync(file, gzipAround(deflateBomb(big, 1024)));
  const second = peakGrowthMB(() => readIdx(file));
  assert.match(String(second.error), /header declares 1073741840 bytes, above the limit of 536870912/);
  assert.ok(second.growthMB < 200, `peak memory grew by ${second.growthMB} MB`);
});

test('a circuit whose 200,000 one-run tables would decode to 800 MB is refused before decoding them', () => {
  const m = smallModel(2, [10, 6, 5], ['leakyrelu', 'tanh'], { weight: 4, activation: 4 });
  const c = JSON.parse(circuitToJson(compileCircuit(m.model, m.inputs, { parameterSet: defaultParameterSetName(3) })));
  const k = 200_000;
  const width = c.input.features * c.input.digits;
  const outs = c.output.features * c.output.digits;
  c.layers = [
    {
      inputs: width,
      neurons: 1,
      weights: new Array(width).fill(0),
      bias: ['0'],
      inputScale: '1',
      pbsNeuron: new Array(k).fill(0),
      tables: new Array(k).fill([[0, 0]]),
      outputScale: '1',
    },
    {
      inputs: k,
      neurons: 1,
      weights: new Array(k).fill(0),
      bias: ['0'],
      inputScale: '1',
      pbsNeuron: new Array(outs).fill(0),
      tables: new Array(outs).fill([[0, 0]]),
      outputScale: '1',
    },
  ];
  const text = JSON.stringify(c);
  assert.ok(text.length < 3e6, `${text.length} characters`);
  const { error, growthMB } = peakGrowthMB(() => parseCircuit(text));
  assert.ok(error instanceof CircuitFormatError, String(error));
  assert.match((error as Error).message, /200010 lookup tables of 1024 levels need 819240960 bytes, more than the limit of 268435456/);
  assert.ok(growthMB < 200, `peak memory grew by ${growthMB} MB`);
});

test('a federated checkpoint larger than its model’s frame is refused before it is read', () => {
  const file = path.join(dir, 'fl.ckpt');
  const specs = [{ name: 'w', shape: [4] }];
  const frame = encodeFrame('checkpoint', { task: 't', round: 0, history: [], evaluation: null }, { specs, values: [new Float32Array(4)] });
  fs.writeFileSync(file, frame);
  assert.equal(loadCheckpoint(file, 't', specs)?.round, 0);
  // 300 MB (sparse: no disk used) where 4 floats are expected.
  fs.truncateSync(file, 300 * 1024 * 1024);
  const { error, growthMB } = peakGrowthMB(() => loadCheckpoint(file, 't', specs));
  assert.match(String(error), /fl\.ckpt: cannot resume from it: it is 314572800 bytes, more than the \d+ its model's tensors and header can take/);
  assert.ok(growthMB < 200, `peak memory grew by ${growthMB} MB`);
});

test('tfjs model files: NaN weights and a manifest declaring gigabytes are DataFileErrors naming the file', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  const mdir = path.join(dir, 'tfjs');
  await saveModel(model, mdir);
  model.dispose();
  const jsonFile = path.join(mdir, 'model.json');
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  const weights = fs.readFileSync(path.join(mdir, 'weights.bin'));
  weights.writeFloatLE(NaN, 4);
  fs.writeFileSync(path.join(mdir, 'weights.bin'), weights);
  json.privlab.weightsSha256 = createHash('sha256').update(weights).digest('hex');
  fs.writeFileSync(jsonFile, JSON.stringify(json));
  await assert.rejects(
    loadModel(jsonFile),
    (e: unknown) => e instanceof DataFileError && /model\.json: weight dense_\w+\/kernel holds NaN at index 1/.test((e as Error).message),
  );
  // The manifest claims a 2^31-value kernel: refused before any shard is read.
  json.weightsManifest[0].weights[0].shape = [65536, 32768];
  fs.writeFileSync(jsonFile, JSON.stringify(json));
  await assert.rejects(loadModel(jsonFile), /model\.json: the manifest declares more than 1073741824 bytes of weights/);
});
