/**
 * The parsers the fuzzing benchmark drives (the resume checkpoints of compression and of
 * QAT classifier training among them), each with valid seed inputs and the errors it
 * may name. Anything else thrown (a TypeError from inside, a failed allocation) is a
 * crash; so is an input that takes more than a few seconds.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { zipSync } from 'fflate';
import { DataFileError } from '../../src/data/errors';
import { encodeIdx, readIdx } from '../../src/data/idx';
import { decodeNpy, decodeNpz, encodeNpy, encodeNpz } from '../../src/metrics';
import { CheckpointError, loadGanCheckpoint, saveGanCheckpoint } from '../../src/nn';
import { decodeFrame, encodeFrame, WireFormatError } from '../../src/fl/wire';
import { WeightsError } from '../../src/fl/weights';
import { BatchFormatError, packBatch, unpackBatch } from '../../src/fhe/tfhe/run';
import { CiphertextFormatError, decodeCiphertext, encodeCiphertext } from '../../src/fhe/tfhe/shortint/ciphertext';
import { CircuitFormatError, circuitToJson, compileCircuit, parseCircuit } from '../../src/fhe/tfhe/compile';
import { defaultParameterSetName } from '../../src/fhe/tfhe/shortint';
import { quantizeLayers } from '../../src/quant';
import {
  bootstrapKeySize,
  checkCoreParameters,
  CoreParameters,
  EvaluationKeyFormatError,
  keyswitchKeySize,
  parseEvaluationKeys,
  serializeEvaluationKeys,
} from '../../src/fhe/tfhe/core';
import { SeededRng } from '../../src/util/rng';
import { Adam, Gan, ganOptimizers, Mlp } from '../../src/nn';
import { TrainingCheckpointError } from '../../src/nn/training-checkpoint';
import { loadCompressCheckpoint, saveCompressCheckpoint } from '../../src/experiments/compress-checkpoint';
import { loadQatCheckpoint, QatTrainingState, saveQatCheckpoint } from '../../src/quant/classifiers/qat-checkpoint';
import { QatTransform } from '../../src/quant/qat';
import { MaskedVariables } from '../../src/prune/masked-variables';

type ErrorClass = abstract new (...args: never[]) => Error;

export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate. */
  seeds: Uint8Array[];
  /** Parse one input (may throw). */
  parse(bytes: Uint8Array): void;
  /** The errors the parser names. */
  allowed: ErrorClass[];
  /** Make a mutated input pass the integrity check, so the damage reaches the checks behind it. */
  fixup?(bytes: Uint8Array): Uint8Array;
}

/**
 * A GAN checkpoint with its sha256 recomputed over whatever data follows the header (the
 * input unchanged when its header cannot be read).
 */
export function rechecksummed(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 16) return bytes;
  const b = Buffer.from(bytes);
  const h = b.readUInt32LE(12);
  if (16 + h > b.length) return bytes;
  let header: unknown;
  try {
    header = JSON.parse(b.subarray(16, 16 + h).toString('utf8'));
  } catch {
    return bytes;
  }
  if (!header || typeof header !== 'object') return bytes;
  const data = b.subarray(Math.min(16 + h + ((4 - ((16 + h) % 4)) % 4), b.length));
  const json = Buffer.from(JSON.stringify({ ...header, sha256: createHash('sha256').update(data).digest('hex') }));
  const prefix = Buffer.from(b.subarray(0, 16));
  prefix.writeUInt32LE(json.length, 12);
  return Buffer.concat([prefix, json, Buffer.alloc((4 - ((16 + json.length) % 4)) % 4), data]);
}

/** An evaluation-key file with its trailing SHA-256 recomputed (so the damage reaches the header's checks). */
export function resealedKeys(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 32) return bytes;
  const body = bytes.subarray(0, bytes.length - 32);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Evaluation keys for the smallest parameters the format accepts (n = 2, k = 1, N = 256): a 14 KB file of random words. */
export function smallEvaluationKeyFile(): Uint8Array {
  const params: CoreParameters = {
    lweDimension: 2,
    glweDimension: 1,
    polynomialSize: 256,
    lweNoise: { kind: 'tuniform', boundLog2: 3 },
    glweNoise: { kind: 'tuniform', boundLog2: 3 },
    pbsBaseLog: 20,
    pbsLevel: 1,
    ksBaseLog: 4,
    ksLevel: 1,
  };
  const rng = new SeededRng(3);
  const words = (n: number) => BigUint64Array.from({ length: n }, () => BigInt(rng.nextUint32()) * 0x100000001n);
  return serializeEvaluationKeys({ params, bootstrapKey: words(bootstrapKeySize(params)), keyswitchKey: words(keyswitchKeySize(params)) });
}

/** The core parameter check as the key parser's `checkParams`. */
export function coreParams(p: unknown): CoreParameters {
  checkCoreParameters(p as CoreParameters);
  return p as CoreParameters;
}

/** A small compiled circuit (a 10-6-5 MLP, 4-bit, N = 1024). */
function smallCircuit(): string {
  const rng = new SeededRng(2);
  const sizes = [10, 6, 5];
  const layers = sizes.slice(1).map((out, k) => ({
    inputs: sizes[k],
    outputs: out,
    activation: (k === 0 ? 'leakyrelu' : 'tanh') as 'leakyrelu' | 'tanh',
    alpha: 0.2,
    kernel: Float32Array.from({ length: sizes[k] * out }, () => (rng.next() * 2 - 1) / Math.sqrt(sizes[k])),
    bias: Float32Array.from({ length: out }, () => (rng.next() * 2 - 1) * 0.1),
  }));
  const inputs = Float32Array.from({ length: 200 * 10 }, () => rng.next());
  const model = quantizeLayers(layers, inputs, 200, { weightBits: 4, activationBits: 4 });
  return circuitToJson(compileCircuit(model, inputs, { parameterSet: defaultParameterSetName(3) }));
}

/**
 * A compression resume checkpoint (src/experiments/compress-checkpoint.ts) of a tiny GAN
 * (2x2 images), in the QAT phase or pruned (with masks); the bytes are written to `file`.
 */
export function smallCompressCheckpoint(file: string, phase: 'qat' | 'pruned'): Uint8Array {
  const gan = new Gan({ latentDim: 3, imageHeight: 2, imageWidth: 2, generatorHidden: [3], discriminatorHidden: [2] }, 1);
  const optimizers = ganOptimizers(gan);
  optimizers.generator.step = optimizers.discriminator.step = 6;
  const masks = phase === 'pruned' ? gan.generator.layers.map((l) => Uint8Array.from({ length: l.kernel.size }, (_, i) => i % 2)) : null;
  saveCompressCheckpoint(file, {
    settings: {
      bits: 4,
      prune: 0.5,
      qatEpochs: 2,
      finetuneEpochs: 2,
      startEpoch: 0,
      seed: 1,
      batchSize: 8,
      maxStepsPerEpoch: 3,
      activationPercentile: 99.9,
      stabilizers: { realTarget: 0.9, discriminatorDropout: 0.3 },
      train: 'tiny (24)',
    },
    progress: {
      phase,
      epoch: phase === 'qat' ? 1 : 2,
      resume: { stepInEpoch: 1, noiseRng: [1, 2, 3, 4], dropoutRng: [5, 6, 7, 8], dSum: 0.7, gSum: 1.3, seconds: 0.5 },
      qat: { outputs: [{ min: -0.5, max: 2 }, null] },
    },
    gan,
    optimizers,
    masks,
    caller: { from: 'tiny.ckpt', dataset: 'mnist-small', saveFloat: false },
  });
  gan.dispose();
  optimizers.generator.dispose();
  optimizers.discriminator.dispose();
  return fs.readFileSync(file);
}

/**
 * A QAT classifier resume checkpoint (src/quant/classifiers/qat-checkpoint.ts) of a 4-3-2
 * MLP with a pruning mask on its first kernel, written to `file`, and the training loop's
 * state and settings that read it (kept for the process's life).
 */
export function smallQatCheckpoint(file: string): { bytes: Uint8Array; state: QatTrainingState; settings: Record<string, unknown> } {
  const mlp = new Mlp({ sizes: [4, 3, 2], hiddenActivation: 'relu' }, new SeededRng(4));
  const qat = new QatTransform(mlp, { weightBits: 4, activationBits: 3, inputRange: { min: 0, max: 1 }, activationPercentile: 99 });
  qat.restore({
    outputs: [
      { min: 0, max: 2.5 },
      { min: -1, max: 1 },
    ],
  });
  const variables = mlp.variables();
  const opt = new Adam(variables, { learningRate: 1e-3, beta1: 0.9, beta2: 0.999 });
  opt.step = 5;
  const masked = new MaskedVariables();
  masked.setMask(
    variables[0],
    Uint8Array.from({ length: 12 }, (_, i) => (i % 3 ? 1 : 0)),
  );
  const state = { variables, qat, opt, masked };
  const settings = { train: 'tiny (16)', seed: 2, batch: 4, floatEpochs: 1, qatEpochs: 2 };
  saveQatCheckpoint(file, state, settings, { epoch: 1, batch: 2, lossSum: 1.25, epochRng: [9, 8, 7, 6], floatAccuracy: 0.5 });
  return { bytes: fs.readFileSync(file), state, settings };
}

/** Every target; files some parsers need go to `dir`. */
export function fuzzTargets(dir: string): FuzzTarget[] {
  const viaFile = (name: string, read: (file: string) => unknown) => {
    const file = path.join(dir, name);
    return (bytes: Uint8Array): void => {
      fs.writeFileSync(file, bytes);
      read(file);
    };
  };
  const npy = [encodeNpy({ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }, 'float32'), encodeNpy({ shape: [4], data: [0.5, -1, 2, 8] })];
  const arrays = { mu: { shape: [2], data: [0, 1] }, sigma: { shape: [2, 2], data: [1, 0.5, 0.5, 2] } };
  const idx = encodeIdx({ type: 'uint8', dims: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) });
  const gan = new Gan({ latentDim: 3, imageHeight: 2, imageWidth: 2, generatorHidden: [3], discriminatorHidden: [2] }, 1);
  const ckpt = path.join(dir, 'seed.ckpt');
  saveGanCheckpoint(ckpt, gan, { meta: { epoch: 1, seed: 1, globalStep: 1 } });
  gan.dispose();
  const specs = [
    { name: 'w', shape: [2, 3] },
    { name: 'b', shape: [3] },
  ];
  const frame = encodeFrame('update', { round: 1, numExamples: 5 }, { specs, values: [Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(-1, 0, 1)] });
  const qatSeed = smallQatCheckpoint(path.join(dir, 'seed-qat-classifier.ckpt'));
  const ct = encodeCiphertext({
    lwe: BigUint64Array.from({ length: 9 }, (_, i) => BigInt(i) * 0x0123456789abn),
    degree: 3,
    noiseLevel: 1,
    messageModulus: 4,
    carryModulus: 1,
  });
  return [
    { name: 'npy', seeds: npy, parse: (b) => decodeNpy(b, 'fuzz.npy'), allowed: [DataFileError] },
    {
      name: 'npz',
      seeds: [encodeNpz(arrays), zipSync({ 'mu.npy': encodeNpy(arrays.mu), 'sigma.npy': encodeNpy(arrays.sigma) }, { level: 6 })],
      parse: (b) => decodeNpz(b, 'fuzz.npz'),
      allowed: [DataFileError],
    },
    { name: 'idx', seeds: [idx, zlib.gzipSync(idx)], parse: viaFile('fuzz-idx3-ubyte', (f) => readIdx(f)), allowed: [DataFileError] },
    {
      name: 'gan-checkpoint',
      seeds: [fs.readFileSync(ckpt)],
      parse: viaFile('fuzz.ckpt', (f) => loadGanCheckpoint(f).gan.dispose()),
      allowed: [CheckpointError],
      fixup: rechecksummed,
    },
    {
      name: 'fl-frame',
      seeds: [frame],
      parse: (b) => decodeFrame(b, { kind: 'update', maxBytes: 1 << 20, expect: specs }),
      allowed: [WireFormatError, WeightsError],
    },
    {
      name: 'fhe-batch',
      seeds: [packBatch([ct, ct])],
      parse: (b) => unpackBatch(b, 16).forEach((c) => decodeCiphertext(c)),
      allowed: [BatchFormatError, CiphertextFormatError],
    },
    {
      name: 'fhe-eval-keys',
      seeds: [smallEvaluationKeyFile()],
      parse: (b) => parseEvaluationKeys(b, coreParams),
      allowed: [EvaluationKeyFormatError],
      fixup: resealedKeys,
    },
    { name: 'fhe-circuit', seeds: [Buffer.from(smallCircuit())], parse: (b) => parseCircuit(Buffer.from(b).toString('utf8')), allowed: [CircuitFormatError] },
    {
      name: 'compress-checkpoint',
      seeds: [smallCompressCheckpoint(path.join(dir, 'seed-qat.ckpt'), 'qat'), smallCompressCheckpoint(path.join(dir, 'seed-pruned.ckpt'), 'pruned')],
      parse: viaFile('fuzz-compress.ckpt', (f) => {
        const c = loadCompressCheckpoint(f);
        c.gan.dispose();
        c.optimizers.generator.dispose();
        c.optimizers.discriminator.dispose();
      }),
      allowed: [TrainingCheckpointError],
    },
    {
      name: 'qat-checkpoint',
      seeds: [qatSeed.bytes],
      parse: viaFile('fuzz-qat.ckpt', (f) => loadQatCheckpoint(f, qatSeed.state, qatSeed.settings)),
      allowed: [TrainingCheckpointError],
    },
  ];
}
