/**
 * The metrics code's input contracts, each at and beyond its boundary (survivors of the sampled
 * mutation run on src/metrics: guards and messages that no test reached): the Fréchet distance's
 * dimensions, finiteness and positive semi-definiteness, named by argument; Gaussian statistics of
 * one-dimensional features; the generator sample count; .npy headers (quoted dtype, rank, element
 * count, latin-1 text in version 1); tfjs model files (missing shard, unreadable model.json, a
 * manifest group without lists, weights that do not match their recorded SHA-256).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Matrix } from 'ml-matrix';
import { frechetDistance, GaussianStats, statsFromFeatures } from '../../src/metrics';
import { CovarianceError } from '../../src/metrics/frechet';
import { generatorSamples } from '../../src/metrics/gan-fid';
import { decodeNpy } from '../../src/metrics/npy';
import { loadModel } from '../../src/metrics/tfjs-files';
import { Gan, ganConfig } from '../../src/nn/gan';
import { tmpDir } from '../support/tmp';

const stats = (mu: number[], sigma: number[][]): GaussianStats => ({ mu: Float64Array.from(mu), sigma: new Matrix(sigma), count: 0 });
const I2 = [
  [1, 0],
  [0, 1],
];
const notPsd = [
  [1, 0],
  [0, -1],
];

test('frechetDistance names the argument at fault: dimensions, a non-finite μ, a covariance that is not PSD or overflows', () => {
  assert.throws(() => frechetDistance(stats([0, 0], I2), stats([0], [[1]])), /feature dimensions differ: μ 2 vs 1, Σ 2x2 vs 1x1/);
  assert.throws(() => frechetDistance(stats([0, 0], I2), stats([0, 0], [[1, 0, 0]])), /feature dimensions differ/);
  assert.throws(() => frechetDistance(stats([0, Number.NaN], I2), stats([0, 0], I2)), /first statistics: mu/);
  assert.throws(() => frechetDistance(stats([0, 0], I2), stats([Infinity, 0], I2)), /second statistics: mu/);
  for (const [which, a, b] of [
    [1, notPsd, I2],
    [2, I2, notPsd],
  ] as const) {
    assert.throws(
      () =>
        frechetDistance(
          stats(
            [0, 0],
            a.map((r) => [...r]),
          ),
          stats(
            [0, 0],
            b.map((r) => [...r]),
          ),
        ),
      (e: unknown) =>
        e instanceof CovarianceError &&
        e.which === which &&
        e.message.startsWith(`the ${which === 1 ? 'first' : 'second'} covariance is not positive semi-definite`),
      `covariance ${which}`,
    );
  }
  // Eigenvalues −1e-7 of 1 are rounding (tolerance 1e-6 relative): accepted, as a PSD matrix.
  const nearly = [
    [1, 0],
    [0, -1e-7],
  ];
  assert.ok(Number.isFinite(frechetDistance(stats([0, 0], nearly), stats([0, 0], I2))));
  const huge = [
    [1e200, 0],
    [0, 1e200],
  ];
  assert.throws(() => frechetDistance(stats([0, 0], huge), stats([0, 0], huge)), /too large for float64/);
});

test('statsFromFeatures: one-dimensional features are statistics too; the value count must be n·d', () => {
  const s = statsFromFeatures([1, 3], 2, 1);
  assert.deepEqual([...s.mu], [2]);
  assert.equal(s.sigma.get(0, 0), 2, 'unbiased variance of {1, 3}');
  assert.throws(() => statsFromFeatures([1, 2, 3], 2, 1), /2x1 features need 2 values, got 3/);
  assert.throws(() => statsFromFeatures([1, 2, 3, 4, 5], 2, 2), /2x2 features need 4 values, got 5/);
});

test('generatorSamples: the sample count is a positive integer', () => {
  const gan = new Gan(ganConfig({ latentDim: 4, generatorHidden: [8], discriminatorHidden: [8] }), 0);
  try {
    for (const count of [0, 1.5, -2]) assert.throws(() => generatorSamples(gan, { count }), /sample count must be a positive integer/, `count ${count}`);
    const one = generatorSamples(gan, { count: 1 });
    assert.deepEqual(one.shape, [1, 784]);
    one.dispose();
  } finally {
    gan.dispose();
  }
});

/** A .npy file with the given header text (padded to 64 bytes) and data. */
function npy(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const text = Buffer.from(header, 'latin1');
  const prefix = major === 1 ? 10 : 12;
  const padded = Math.ceil((prefix + text.length + 1) / 64) * 64 - prefix;
  const out = Buffer.alloc(prefix + padded + data.length, 0x20);
  out[0] = 0x93;
  out.write('NUMPY', 1, 'latin1');
  out[6] = major;
  out[7] = 0;
  if (major === 1) out.writeUInt16LE(padded, 8);
  else out.writeUInt32LE(padded, 8);
  text.copy(out, prefix);
  out[prefix + padded - 1] = 0x0a;
  out.set(data, prefix + padded);
  return out;
}

test('.npy headers: a quoted dtype, at most 64 dimensions, a countable shape; version 1 headers are latin-1', () => {
  const f8 = new Uint8Array(new Float64Array([1.5, -2]).buffer);
  assert.deepEqual([...decodeNpy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8)).data], [1.5, -2], 'the helper writes a valid file');
  assert.throws(() => decodeNpy(npy("{'descr': <f8, 'fortran_order': False, 'shape': (2,), }", f8)), /descr must be a quoted dtype string/);
  const rank = (n: number) => `(${Array.from({ length: n }, () => '1').join(', ')})`;
  assert.throws(() => decodeNpy(npy(`{'descr': '<f8', 'fortran_order': False, 'shape': ${rank(65)}, }`, f8)), /65 dimensions, more than 64/);
  assert.throws(
    () => decodeNpy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }")),
    /shape \(4294967296, 4294967296\) has too many elements/,
  );
  // A latin-1 byte in a version-1 header reads as its latin-1 character (as numpy writes it), not as broken UTF-8.
  assert.throws(() => decodeNpy(npy("{'descr': '<f\xe9', 'fortran_order': False, 'shape': (2,), }", f8)), /unsupported dtype '<fé'/);
});

test('tfjs model files: a missing shard, an unreadable model.json, a manifest group without lists, weights that fail their SHA-256', async () => {
  const dir = tmpDir('privlab-tfjs-files-');
  const weights = Buffer.from(new Float32Array([0.5]).buffer);
  fs.writeFileSync(path.join(dir, 'w.bin'), weights);
  const modelJson = (o: object): string => {
    const file = path.join(dir, `model-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(o));
    return file;
  };
  const manifest = (paths: string[]) => [{ paths, weights: [{ name: 'w', shape: [1], dtype: 'float32' }] }];
  const topology = { class_name: 'Sequential', config: { layers: [] } };

  const missingShard = modelJson({ modelTopology: topology, weightsManifest: manifest(['absent.bin']) });
  await assert.rejects(
    loadModel(missingShard),
    (e: Error) => e.message.includes(path.join(dir, 'absent.bin')) && /weights shard listed in .* not found/.test(e.message),
  );
  // A stat that fails for another reason than a missing file says so (ENOTDIR: a path through a file).
  const throughFile = modelJson({ modelTopology: topology, weightsManifest: manifest(['w.bin/inner.bin']) });
  await assert.rejects(loadModel(throughFile), /cannot read weights shard listed in .* \(ENOTDIR\)/);

  const notJson = path.join(dir, 'broken.json');
  fs.writeFileSync(notJson, '{ not json');
  await assert.rejects(loadModel(notJson), (e: Error) => e.message.startsWith(notJson) && /not a readable model\.json \(/.test(e.message));
  await assert.rejects(loadModel(path.join(dir, 'absent.json')), /file not found/);

  const noLists = modelJson({ modelTopology: topology, weightsManifest: [{ paths: 'w.bin', weights: [] }] });
  await assert.rejects(loadModel(noLists), /each weightsManifest group needs paths and weights lists/);

  const wrongSha = modelJson({
    modelTopology: topology,
    weightsManifest: manifest(['w.bin']),
    privlab: { weightsSha256: createHash('sha256').update('other bytes').digest('hex') },
  });
  await assert.rejects(loadModel(wrongSha), /weights do not match the SHA-256 recorded in model\.json/);
});
