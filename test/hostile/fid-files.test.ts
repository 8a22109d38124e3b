/**
 * Hostile FID inputs (issue 18, items 3 and 5): zip bombs in .npz, non-canonical .npy
 * headers, NaN/Inf in features and statistics, covariances that cannot be covariances.
 * Each fails fast with a named error, without the allocation the file asks for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFileError } from '../../src/data/errors';
import { decodeNpy, decodeNpz, encodeNpy, encodeNpz, frechetDistance, loadStats, statsFromFeatures } from '../../src/metrics';
import { deflateBomb, zipOf } from '../support/crafted';
import { peakGrowthMB } from '../support/memory';
import { systemPython } from '../../src/jupyter/env';
import { privlab } from '../support/cli';
import { tmpDir } from '../support/tmp';

const dir = tmpDir('privlab-hostile-fid-');

/** The .npy header numpy writes for `shape` of float64 (no data). */
function npyHeader(shape: number[]): Buffer {
  const full = encodeNpy({ shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)) });
  return full.subarray(0, 10 + full.readUInt16LE(8));
}

function npyHeaderText(shapeText: string): Buffer {
  const header = Buffer.from(`{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeText}, }`.padEnd(117, ' ') + '\n', 'latin1');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, header]);
}

const sigmaMember = (d: number): { name: string; data: Uint8Array; method: 0; declaredSize: number } => {
  const data = encodeNpy({ shape: [d, d], data: Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0)) });
  return { name: 'sigma.npy', data, method: 0, declaredSize: data.length };
};

test('a 1 MB zip bomb .npz (1 GiB of zeros behind a 2-value .npy header) stops at the header’s 144 bytes', () => {
  const header = npyHeader([2]);
  const bomb = deflateBomb(header, 1024);
  assert.ok(bomb.length < 1.2e6, `the bomb is ${bomb.length} bytes`);
  const file = path.join(dir, 'bomb.npz');
  // The zip headers claim the honest-looking 144 bytes of a (2,) float64 array.
  fs.writeFileSync(file, zipOf([{ name: 'mu.npy', data: bomb, method: 8, declaredSize: header.length + 16 }, sigmaMember(2)]));
  const { error, growthMB } = peakGrowthMB(() => loadStats(file));
  assert.ok(error instanceof DataFileError, `got ${String(error)}`);
  assert.match((error as Error).message, /bomb\.npz.*mu\.npy: decompresses to more than 144 bytes \(its header declares 144 bytes\)/);
  assert.ok(growthMB < 200, `peak memory grew by ${growthMB} MB`);
});

test('a zip bomb whose .npy header and zip sizes declare 1 GiB is refused by the limit before inflating it', () => {
  const count = 2 ** 27; // float64: 1 GiB
  const header = npyHeader([count]);
  const bomb = deflateBomb(header, 1024);
  const bytes = zipOf([{ name: 'mu.npy', data: bomb, method: 8, declaredSize: header.length + 8 * count }, sigmaMember(2)]);
  const { error, growthMB } = peakGrowthMB(() => decodeNpz(bytes, 'big.npz'));
  assert.ok(error instanceof DataFileError, `got ${String(error)}`);
  assert.match((error as Error).message, /header declares 1073741952 bytes, above the limit of 536870912/);
  assert.ok(growthMB < 200, `peak memory grew by ${growthMB} MB`);
});

test('.npz written by numpy (savez and savez_compressed) still decode under the cap', () => {
  const code = [
    'import numpy as np, sys',
    'mu = np.arange(3.0); sigma = np.eye(3) * 2',
    'np.savez(sys.argv[1] + "/np_plain.npz", mu=mu, sigma=sigma, big=np.ones((300, 300)))',
    'np.savez_compressed(sys.argv[1] + "/np_deflated.npz", mu=mu, sigma=sigma)',
  ].join('\n');
  execFileSync(systemPython(), ['-c', code, dir]);
  for (const name of ['np_plain.npz', 'np_deflated.npz']) {
    const arrays = decodeNpz(fs.readFileSync(path.join(dir, name)), name);
    assert.deepEqual(Array.from(arrays.mu.data), [0, 1, 2], name);
    assert.deepEqual(Array.from(arrays.sigma.data), [2, 0, 0, 0, 2, 0, 0, 0, 2], name);
  }
  // The cap counts every member: 720 KB of "big" does not fit in 100 KB.
  assert.throws(
    () => decodeNpz(fs.readFileSync(path.join(dir, 'np_plain.npz')), 'np_plain.npz', { maxBytes: 100_000 }),
    /np_plain\.npz:big\.npy: header declares 720128 bytes, above the limit of 99648/,
  );
});

test('.npy headers: non-canonical shapes are malformed, numpy’s spellings are accepted', () => {
  for (const bad of ['(3)', '(1e1,)', '(0x2,)', '(-1,)', '(2,,3)', '(03,)', '(2.0,)', '( ,)', '(2, 3', '[2, 3]', '(+2,)', '(True,)']) {
    assert.throws(
      () => decodeNpy(Buffer.concat([npyHeaderText(bad), Buffer.alloc(64)]), 'x.npy'),
      (e: unknown) => e instanceof DataFileError && /malformed \.npy header/.test((e as Error).message),
      `shape ${bad} must be refused`,
    );
  }
  const good: Array<[string, number[]]> = [
    ['()', []],
    ['(3,)', [3]],
    ['(2, 3)', [2, 3]],
    ['(2,3)', [2, 3]],
    ['(2, 3,)', [2, 3]],
    ['(0, 4)', [0, 4]],
  ];
  for (const [text, shape] of good) {
    const n = shape.reduce((a, b) => a * b, 1);
    assert.deepEqual(decodeNpy(Buffer.concat([npyHeaderText(text), Buffer.alloc(8 * n)]), 'x.npy').shape, shape, text);
  }
  // Duplicate and unknown keys are not numpy headers either.
  const twice = "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  const extra = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1, }";
  for (const h of [twice, extra]) {
    const header = Buffer.from(h.padEnd(117, ' ') + '\n', 'latin1');
    const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
    assert.throws(() => decodeNpy(Buffer.concat([pre, header, Buffer.alloc(8)]), 'x.npy'), /malformed \.npy header/);
  }
});

function writeNpy(name: string, shape: number[], data: number[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeNpy({ shape, data }));
  return file;
}

function writeStats(name: string, mu: number[], sigma: number[]): string {
  const d = mu.length;
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeNpz({ mu: { shape: [d], data: mu }, sigma: { shape: [d, d], data: sigma } }));
  return file;
}

const named = (name: string, pattern: RegExp) => (e: unknown) => e instanceof Error && e.name === name && pattern.test(e.message);

test('NaN and Inf in features and statistics are NonFiniteErrors naming the file and the position', () => {
  const feats = [0, 1, 2, 3, 4, 5, 6, NaN, 8];
  const f = writeNpy('nan-features.npy', [3, 3], feats);
  assert.throws(() => loadStats(f), named('NonFiniteError', /nan-features\.npy: features row 2, column 1: value 7 is NaN/));
  const s = writeStats('inf-sigma.npz', [0, 0], [1, 0, 0, Infinity]);
  assert.throws(() => loadStats(s), named('NonFiniteError', /inf-sigma\.npz: sigma row 1, column 1: value 3 is Infinity/));
  const m = writeStats('nan-mu.npz', [NaN, 0], [1, 0, 0, 1]);
  assert.throws(() => loadStats(m), named('NonFiniteError', /nan-mu\.npz: mu: value 0 is NaN/));
  // In memory (features a generator made): frechetDistance names the argument.
  const good = statsFromFeatures([0, 1, 1, 0, 2, 2], 3, 2);
  const bad = statsFromFeatures([0, 1, 1, -Infinity, 2, 2], 3, 2);
  assert.throws(() => frechetDistance(good, bad), named('NonFiniteError', /second statistics: mu/));
});

test('a sigma that is asymmetric, has a negative variance or is not positive semi-definite is refused', () => {
  assert.throws(
    () => loadStats(writeStats('asym.npz', [0, 0], [1, 0.5, -0.5, 1])),
    (e: unknown) => e instanceof DataFileError && /sigma is not symmetric: sigma\[0, 1\] = 0.5 but sigma\[1, 0\] = -0.5/.test((e as Error).message),
  );
  assert.throws(
    () => loadStats(writeStats('negvar.npz', [0, 0], [1, 0, 0, -1])),
    (e: unknown) => e instanceof DataFileError && /its diagonal \(a variance\) is -1 at 1/.test((e as Error).message),
  );
  // Symmetric, positive diagonal, eigenvalues 3 and −1: only the eigendecomposition tells.
  const indefinite = writeStats('indefinite.npz', [0, 0], [1, 2, 2, 1]);
  const ok = writeStats('identity.npz', [0, 0], [1, 0, 0, 1]);
  assert.throws(
    () => frechetDistance(loadStats(indefinite), loadStats(ok)),
    named('CovarianceError', /first covariance is not positive semi-definite: eigenvalue -1\.00000/),
  );
  assert.throws(() => frechetDistance(loadStats(ok), loadStats(indefinite)), named('CovarianceError', /second covariance is not positive semi-definite/));
  // The CLI names the file.
  const r = privlab(['fid', 'distance', ok, indefinite]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /indefinite\.npz: sigma is not positive semi-definite/);
});
