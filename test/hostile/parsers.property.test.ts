/**
 * Property-based tests (fast-check, fixed seeds) over every file and message parser:
 * valid files round-trip, and randomly damaged ones either parse or fail with the
 * parser's own named error — never a TypeError from inside, an allocation failure, or a
 * hang. Kept to a few seconds each; `privlab bench parser-fuzz` is the longer run.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as fc from 'fast-check';
import { zipSync } from 'fflate';
import { selectBackend } from '../../src/backend';
import { DataFileError } from '../../src/data/errors';
import { decodeIdx, encodeIdx, IdxData, IdxType, readIdx } from '../../src/data/idx';
import { decodeNpy, decodeNpz, encodeNpy, encodeNpz, frechetDistance, loadStats, CovarianceError } from '../../src/metrics';
import { NonFiniteError } from '../../src/util/finite';
import { CheckpointError, Gan, loadGanCheckpoint, saveGanCheckpoint } from '../../src/nn';
import { decodeFrame, encodeFrame, WireFormatError } from '../../src/fl/wire';
import { WeightsError } from '../../src/fl/weights';
import { BatchFormatError, packBatch, unpackBatch } from '../../src/fhe/tfhe/run';
import { CiphertextFormatError, decodeCiphertext, encodeCiphertext } from '../../src/fhe/tfhe/shortint/ciphertext';
import { CircuitFormatError, circuitToJson, compileCircuit, parseCircuit } from '../../src/fhe/tfhe/compile';
import { defaultParameterSetName } from '../../src/fhe/tfhe/shortint';
import { applyMutations, mutations, onlyNamedErrors } from '../support/mutate';
import { coreParams, rechecksummed, resealedKeys, smallCompressCheckpoint, smallEvaluationKeyFile, smallQatCheckpoint } from '../../bench/fuzz/targets';
import { decodeTensorFrame, encodeTensorFrame } from '../../src/util/tensor-frame';
import { TrainingCheckpointError } from '../../src/nn/training-checkpoint';
import { loadCompressCheckpoint } from '../../src/experiments/compress-checkpoint';
import { loadQatCheckpoint } from '../../src/quant/classifiers/qat-checkpoint';
import { ClassifierCheckpointError, loadClassifierCheckpoint, saveClassifierCheckpoint } from '../../src/metrics/classifier-checkpoint';
import * as tf from '@tensorflow/tfjs';
import { EvaluationKeyFormatError, parseEvaluationKeys } from '../../src/fhe/tfhe/core';
import { smallModel } from '../fhe/tfhe/run/fixtures';
import { tmpDir } from '../support/tmp';

const dir = tmpDir('privlab-property-');
const RUNS = { seed: 18, numRuns: 300 };

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const shape = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 });
const values = (n: number) => fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: n, maxLength: n });
const npyInput = shape.chain((s) =>
  fc.record({ shape: fc.constant(s), data: values(s.reduce((a, b) => a * b, 1)), dtype: fc.constantFrom('float32' as const, 'float64' as const) }),
);

test('npy: round trip; damaged files give DataFileError only', () => {
  fc.assert(
    fc.property(npyInput, mutations, ({ shape: s, data, dtype }, ms) => {
      const bytes = encodeNpy({ shape: s, data }, dtype);
      const back = decodeNpy(bytes);
      assert.deepEqual(back.shape, s);
      back.data.forEach((v, i) => assert.equal(v, dtype === 'float32' ? Math.fround(data[i]) : data[i]));
      return onlyNamedErrors(() => decodeNpy(applyMutations(bytes, ms), 'm.npy'), [DataFileError]);
    }),
    RUNS,
  );
});

test('npz (stored and deflated): round trip; damaged archives give DataFileError only', () => {
  fc.assert(
    fc.property(npyInput, fc.boolean(), mutations, ({ shape: s, data }, deflate, ms) => {
      const stored = encodeNpz({ a: { shape: s, data }, b: { shape: [2], data: [1, 2] } });
      const bytes = deflate ? zipSync({ 'a.npy': encodeNpy({ shape: s, data }), 'b.npy': encodeNpy({ shape: [2], data: [1, 2] }) }, { level: 6 }) : stored;
      const back = decodeNpz(bytes);
      assert.deepEqual(back.a.shape, s);
      assert.deepEqual(Array.from(back.a.data), data);
      return onlyNamedErrors(() => decodeNpz(applyMutations(bytes, ms), 'm.npz'), [DataFileError]);
    }),
    { ...RUNS, numRuns: 200 },
  );
});

const idxInput = fc
  .record({
    type: fc.constantFrom<IdxType>('uint8', 'int8', 'int16', 'int32', 'float32', 'float64'),
    dims: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  })
  .map(({ type, dims }) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const ctor = { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[
      type
    ] as unknown as {
      from(a: ArrayLike<number>): IdxData;
    };
    return { type, dims, data: ctor.from(Array.from({ length: n }, (_, i) => (i * 37) % 100)) };
  });

test('IDX (plain and gzip): round trip; damaged files give DataFileError only', () => {
  const file = path.join(dir, 'm-idx3-ubyte.gz');
  fc.assert(
    fc.property(idxInput, fc.boolean(), mutations, (arr, gzip, ms) => {
      const bytes = encodeIdx(arr);
      assert.deepEqual(Array.from(decodeIdx(bytes).data), Array.from(arr.data));
      const damaged = applyMutations(gzip ? zlib.gzipSync(bytes) : bytes, ms);
      fs.writeFileSync(file, damaged);
      return onlyNamedErrors(() => readIdx(file), [DataFileError]);
    }),
    { ...RUNS, numRuns: 200 },
  );
});

test('FID statistics: any mu/sigma values give a distance ≥ 0 or a named error', () => {
  const file = path.join(dir, 'stats.npz');
  const special = fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e300, -1e-300));
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 4 })
        .chain((d) => fc.tuple(fc.constant(d), fc.array(special, { minLength: d, maxLength: d }), fc.array(special, { minLength: d * d, maxLength: d * d }))),
      ([d, mu, sigma]) => {
        fs.writeFileSync(file, encodeNpz({ mu: { shape: [d], data: mu }, sigma: { shape: [d, d], data: sigma } }));
        return onlyNamedErrors(() => {
          const s = loadStats(file);
          const fd = frechetDistance(s, s);
          assert.ok(fd >= 0 && Number.isFinite(fd), `distance ${fd}`);
        }, [DataFileError, NonFiniteError, CovarianceError]);
      },
    ),
    { ...RUNS, numRuns: 200 },
  );
});

test('GAN checkpoints: damaged files (checksum fixed or not) give CheckpointError only', () => {
  const gan = new Gan({ latentDim: 3, imageHeight: 2, imageWidth: 2, generatorHidden: [3], discriminatorHidden: [2] }, 1);
  const file = path.join(dir, 'gan.ckpt');
  saveGanCheckpoint(file, gan, { meta: { epoch: 1, seed: 1, globalStep: 1 } });
  gan.dispose();
  const good = fs.readFileSync(file);
  const damaged = path.join(dir, 'damaged.ckpt');
  fc.assert(
    fc.property(mutations, fc.boolean(), (ms, fix) => {
      const bytes = applyMutations(good, ms);
      fs.writeFileSync(damaged, fix ? rechecksummed(bytes) : bytes);
      return onlyNamedErrors(() => loadGanCheckpoint(damaged).gan.dispose(), [CheckpointError]);
    }),
    { ...RUNS, numRuns: 200 },
  );
  // Header fields replaced by arbitrary JSON values: still only CheckpointError.
  const h = good.readUInt32LE(12);
  const header = JSON.parse(good.subarray(16, 16 + h).toString('utf8'));
  const dataStart = 16 + h + ((4 - ((16 + h) % 4)) % 4);
  const keys = ['config', 'meta', 'optimizer', 'tensors', 'dataBytes', 'networks', 'format'];
  const configKeys = Object.keys(header.config);
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.constantFrom(...configKeys), fc.jsonValue({ maxDepth: 2 }), fc.boolean(), (key, ck, value, inConfig) => {
      const edited = structuredClone(header);
      if (inConfig) edited.config[ck] = value;
      else edited[key] = value;
      fs.writeFileSync(
        damaged,
        rechecksummed(Buffer.concat([good.subarray(0, 16), Buffer.from(JSON.stringify(edited)), Buffer.alloc(4), good.subarray(dataStart)])),
      );
      return onlyNamedErrors(() => loadGanCheckpoint(damaged).gan.dispose(), [CheckpointError]);
    }),
    { ...RUNS, numRuns: 200 },
  );
});

test('FL wire frames: round trip; damaged frames give WireFormatError or WeightsError only', () => {
  const tensors = fc.array(fc.record({ rows: fc.integer({ min: 0, max: 3 }), cols: fc.integer({ min: 1, max: 3 }) }), { minLength: 0, maxLength: 3 });
  fc.assert(
    fc.property(tensors, mutations, (ts, ms) => {
      const specs = ts.map((t, i) => ({ name: `t${i}`, shape: [t.rows, t.cols] }));
      const w = { specs, values: specs.map((s) => Float32Array.from({ length: s.shape[0] * s.shape[1] }, (_, i) => i / 7)) };
      const bytes = encodeFrame('update', { round: 1 }, w);
      assert.deepEqual(decodeFrame(bytes, { kind: 'update', maxBytes: bytes.length }).weights.values, w.values);
      return onlyNamedErrors(
        () => decodeFrame(applyMutations(bytes, ms), { kind: 'update', maxBytes: 1 << 20, expect: specs }),
        [WireFormatError, WeightsError],
      );
    }),
    RUNS,
  );
});

test('FHE ciphertext batches and ciphertexts: round trip; damage gives BatchFormatError / CiphertextFormatError only', () => {
  fc.assert(
    fc.property(fc.array(fc.bigUint64Array({ minLength: 2, maxLength: 8 }), { minLength: 1, maxLength: 4 }), mutations, (lwes, ms) => {
      const cts = lwes.map((lwe) => encodeCiphertext({ lwe, degree: 1, noiseLevel: 1, messageModulus: 4, carryModulus: 1 }));
      const batch = packBatch(cts);
      const items = unpackBatch(batch, 8);
      items.forEach((b, i) => assert.deepEqual(decodeCiphertext(b).lwe, lwes[i]));
      onlyNamedErrors(() => unpackBatch(applyMutations(batch, ms), 8).forEach((b) => decodeCiphertext(b)), [BatchFormatError, CiphertextFormatError]);
      return onlyNamedErrors(() => decodeCiphertext(applyMutations(cts[0], ms)), [CiphertextFormatError]);
    }),
    RUNS,
  );
});

test('FHE evaluation-key files: round trip; damaged files (resealed or not) give EvaluationKeyFormatError only', () => {
  const file = smallEvaluationKeyFile();
  const keys = parseEvaluationKeys(file, coreParams);
  assert.equal(keys.params.polynomialSize, 256);
  assert.equal(keys.bootstrapKey.length, 2 * 2 * 1 * 2 * 256);
  fc.assert(
    fc.property(mutations, fc.boolean(), (ms, reseal) => {
      const damaged = applyMutations(file, ms);
      return onlyNamedErrors(() => parseEvaluationKeys(reseal ? resealedKeys(damaged) : damaged, coreParams), [EvaluationKeyFormatError]);
    }),
    RUNS,
  );
});

test('FHE circuit files: round trip; damaged text or JSON values give CircuitFormatError only', () => {
  const m = smallModel(2, [10, 6, 5], ['leakyrelu', 'tanh'], { weight: 4, activation: 4 });
  const text = circuitToJson(compileCircuit(m.model, m.inputs, { parameterSet: defaultParameterSetName(3) }));
  assert.equal(circuitToJson(parseCircuit(text)), text);
  fc.assert(
    fc.property(mutations, (ms) =>
      onlyNamedErrors(() => parseCircuit(Buffer.from(applyMutations(Buffer.from(text), ms)).toString('utf8')), [CircuitFormatError]),
    ),
    { ...RUNS, numRuns: 100 },
  );
  // Replace one value anywhere in the JSON tree by an arbitrary JSON value.
  const json = JSON.parse(text);
  const paths: Array<Array<string | number>> = [];
  const walk = (v: unknown, p: Array<string | number>, depth: number): void => {
    paths.push(p);
    if (depth > 4 || v === null || typeof v !== 'object') return;
    const entries = Array.isArray(v) ? v.slice(0, 3).map((x, i) => [i, x] as const) : Object.entries(v);
    for (const [k, x] of entries) walk(x, [...p, k], depth + 1);
  };
  walk(json, [], 0);
  fc.assert(
    fc.property(fc.constantFrom(...paths.slice(1)), fc.jsonValue({ maxDepth: 2 }), (p, value) => {
      const edited = structuredClone(json);
      let at = edited;
      for (const k of p.slice(0, -1)) at = at[k];
      at[p[p.length - 1]] = value;
      return onlyNamedErrors(() => parseCircuit(JSON.stringify(edited)), [CircuitFormatError]);
    }),
    { ...RUNS, numRuns: 300 },
  );
});

/** Every path to a meta value of a tensor frame (objects and the first entries of arrays), to replace by arbitrary JSON. */
function metaPaths(meta: unknown): Array<Array<string | number>> {
  const paths: Array<Array<string | number>> = [];
  const walk = (v: unknown, p: Array<string | number>, depth: number): void => {
    if (p.length) paths.push(p);
    if (depth > 4 || v === null || typeof v !== 'object') return;
    const entries = Array.isArray(v) ? v.slice(0, 2).map((x, i) => [i, x] as const) : Object.entries(v);
    for (const [k, x] of entries) walk(x, [...p, k], depth + 1);
  };
  walk(meta, [], 0);
  return paths;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** `load` (sync or async) succeeds or throws one of `allowed`. */
async function onlyNamedErrorsAsync(load: () => unknown, allowed: readonly ErrorClass[]): Promise<boolean> {
  try {
    await load();
    return true;
  } catch (e) {
    if (allowed.some((cls) => e instanceof cls)) return true;
    throw new Error(`unexpected ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
  }
}

/** Damaged bytes, and the meta's values replaced one at a time by arbitrary JSON: `load` gives the `allowed` errors only. */
async function resumeCheckpointProperties(
  good: Uint8Array,
  load: (file: string) => unknown,
  allowed: readonly ErrorClass[] = [TrainingCheckpointError],
): Promise<void> {
  const file = path.join(dir, 'damaged-resume.ckpt');
  await fc.assert(
    fc.asyncProperty(mutations, async (ms) => {
      fs.writeFileSync(file, applyMutations(good, ms));
      return onlyNamedErrorsAsync(() => load(file), allowed);
    }),
    { ...RUNS, numRuns: 200 },
  );
  const { meta, weights } = decodeTensorFrame(good, { kind: 'checkpoint', maxBytes: good.length });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...metaPaths(meta)), fc.jsonValue({ maxDepth: 2 }), async (p, value) => {
      const edited = structuredClone(meta) as Record<string | number, unknown>;
      let at = edited;
      for (const k of p.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
      at[p[p.length - 1]] = value;
      fs.writeFileSync(file, encodeTensorFrame('checkpoint', edited, weights));
      return onlyNamedErrorsAsync(() => load(file), allowed);
    }),
    { ...RUNS, numRuns: 300 },
  );
}

test('compression resume checkpoints: round trip; damaged bytes or meta values give TrainingCheckpointError only', async () => {
  for (const phase of ['qat', 'pruned'] as const) {
    const good = smallCompressCheckpoint(path.join(dir, `compress-${phase}.ckpt`), phase);
    const load = (f: string): void => {
      const c = loadCompressCheckpoint(f);
      c.gan.dispose();
      c.optimizers.generator.dispose();
      c.optimizers.discriminator.dispose();
    };
    const c = loadCompressCheckpoint(path.join(dir, `compress-${phase}.ckpt`));
    assert.deepEqual([c.progress.phase, c.progress.epoch, c.progress.resume.stepInEpoch, c.optimizers.generator.step], [phase, phase === 'qat' ? 1 : 2, 1, 6]);
    assert.deepEqual(
      c.masks?.map((m) => Array.from(m)),
      phase === 'qat' ? undefined : c.gan.generator.layers.map((l) => Array.from({ length: l.kernel.size }, (_, i) => i % 2)),
    );
    c.gan.dispose();
    c.optimizers.generator.dispose();
    c.optimizers.discriminator.dispose();
    await resumeCheckpointProperties(good, load);
  }
});

test('QAT classifier resume checkpoints: round trip; damaged bytes or meta values give TrainingCheckpointError only', async () => {
  const seed = smallQatCheckpoint(path.join(dir, 'qat.ckpt'));
  const progress = loadQatCheckpoint(path.join(dir, 'qat.ckpt'), seed.state, seed.settings);
  assert.deepEqual(progress, { epoch: 1, batch: 2, lossSum: 1.25, epochRng: [9, 8, 7, 6], floatAccuracy: 0.5 });
  assert.equal(seed.state.opt.step, 5);
  await resumeCheckpointProperties(seed.bytes, (f) => loadQatCheckpoint(f, seed.state, seed.settings));
});

test('FID classifier resume checkpoints: round trip; damaged bytes or meta values give ClassifierCheckpointError only', async () => {
  // A small dense model with Adam, one step trained (so that Adam has moments), as trainFeatureClassifier's LeNet is saved.
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  await model.fit(tf.tensor2d([[1, 0, 2, 1]]), tf.tensor2d([[0, 1]]), { epochs: 1, verbose: 0 });
  const file = path.join(dir, 'classifier.ckpt');
  const progress = { seed: 1, epochs: 3, batchSize: 2, train: 'tiny (4)', epoch: 1, batch: 1, lossSum: 0.5, epochRng: [1, 2, 3, 4] };
  await saveClassifierCheckpoint(file, model, progress);
  assert.deepEqual(await loadClassifierCheckpoint(file, model), progress);
  await resumeCheckpointProperties(fs.readFileSync(file), (f) => loadClassifierCheckpoint(f, model), [ClassifierCheckpointError]);
  model.dispose();
});
