import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Matrix } from 'ml-matrix';
import { encodeNpz, frechetDistance, GaussianStats, loadStats, saveFeatures, saveStats, sqrtPsd, statsFromFeatures } from '../../src/metrics';
import { SeededRng } from '../../src/util/rng';
import { systemPython } from '../../src/jupyter/env';
import { privlab, ROOT } from '../support/cli';
import { tmpDir } from '../support/tmp';

const dir = tmpDir('privlab-fid-');
const gauss = (s: GaussianStats['mu'], m: number[][]): GaussianStats => ({ mu: s, sigma: new Matrix(m), count: 0 });
const close = (a: number, b: number, rel: number, what: string): void => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('closed forms: 1-D, diagonal, and a non-commuting 2x2 pair', () => {
  // 1-D: (μ1−μ2)² + (σ1 − σ2)² in standard deviations.
  close(frechetDistance(gauss(Float64Array.of(1), [[4]]), gauss(Float64Array.of(-2), [[9]])), 9 + 1, 1e-12, '1-D');
  // Diagonal: Σ (σ1ᵢ + σ2ᵢ − 2√(σ1ᵢσ2ᵢ)) = Σ (√σ1ᵢ − √σ2ᵢ)².
  const v1 = [1, 4, 0.25],
    v2 = [9, 1, 0.25];
  const diag = (v: number[]): number[][] => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
  const expected = 3 + v1.reduce((s, x, i) => s + (Math.sqrt(x) - Math.sqrt(v2[i])) ** 2, 0);
  close(frechetDistance(gauss(Float64Array.of(1, 1, 1), diag(v1)), gauss(Float64Array.of(0, 0, 2), diag(v2))), expected, 1e-12, 'diagonal');
  // 2x2, Σ1Σ2 not symmetric: Tr sqrt(Σ1Σ2) = sqrt(Tr(Σ1Σ2) + 2 sqrt(det Σ1 · det Σ2)).
  const s1 = [
      [2, 0.8],
      [0.8, 1],
    ],
    s2 = [
      [1, -0.5],
      [-0.5, 3],
    ];
  const p = new Matrix(s1).mmul(new Matrix(s2));
  const det = (m: number[][]): number => m[0][0] * m[1][1] - m[0][1] * m[1][0];
  const trSqrt = Math.sqrt(p.trace() + 2 * Math.sqrt(det(s1) * det(s2)));
  close(frechetDistance(gauss(Float64Array.of(0, 0), s1), gauss(Float64Array.of(0, 0), s2)), 3 + 4 - 2 * trSqrt, 1e-12, '2x2');
});

test('distance properties: zero for identical sets, symmetric, finite for singular covariances', () => {
  const rng = new SeededRng(3);
  const feats = (n: number, d: number, shift: number): Float64Array => Float64Array.from({ length: n * d }, () => rng.next() + shift);
  const a = statsFromFeatures(feats(200, 8, 0), 200, 8);
  const b = statsFromFeatures(feats(150, 8, 0.2), 150, 8);
  assert.ok(frechetDistance(a, a) < 1e-10);
  close(frechetDistance(a, b), frechetDistance(b, a), 1e-9, 'symmetry');
  assert.ok(frechetDistance(a, b) > 8 * 0.2 ** 2 * 0.5, 'a mean shift shows');
  // Fewer samples than dimensions: rank-deficient Σ, still a finite, non-negative distance.
  const s = statsFromFeatures(feats(5, 20, 0), 5, 20);
  const t = statsFromFeatures(feats(6, 20, 0), 6, 20);
  const fd = frechetDistance(s, t);
  assert.ok(Number.isFinite(fd) && fd >= 0);
  assert.throws(() => frechetDistance(a, s), /feature dimensions differ/);
  assert.throws(() => statsFromFeatures([1, 2], 1, 2), /at least 2 feature vectors/);
});

test('sqrtPsd squares back to the matrix', () => {
  const m = new Matrix([
    [4, 1, 0],
    [1, 3, 0.5],
    [0, 0.5, 2],
  ]);
  const r = sqrtPsd(m);
  const back = r.mmul(r);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(back.get(i, j) - m.get(i, j)) < 1e-12);
});

test("agrees with pytorch-fid's formula in numpy/scipy on numpy-written files (.npy f32, f64 Fortran order, .npz)", () => {
  const ref = JSON.parse(execFileSync(systemPython(), [path.join(ROOT, 'test', 'metrics', 'fid_reference.py'), 'write', dir], { encoding: 'utf8' }));
  const a = loadStats(path.join(dir, 'np_a_f32.npy'));
  const b = loadStats(path.join(dir, 'np_b_f64_fortran.npy'));
  const bStats = loadStats(path.join(dir, 'np_b_stats.npz'));
  assert.equal(a.count, 600);
  assert.ok(ref.a_b > 1, 'the two sets differ');
  close(frechetDistance(a, b), ref.a_b, 1e-8, 'npy vs npy');
  close(frechetDistance(a, bStats), ref.a_bstats, 1e-8, 'npy vs npz');
});

test('files privlab writes are read by numpy, with the same distance', () => {
  const rng = new SeededRng(11);
  const n = 300,
    d = 10;
  const x = Float32Array.from({ length: n * d }, (_, k) => rng.next() * (1 + (k % d)));
  const y = Float32Array.from({ length: n * d }, (_, k) => rng.next() * (1 + (k % d)) + 0.1 * (k % 3));
  saveFeatures(path.join(dir, 'ts_x.npy'), x, n, d);
  saveStats(path.join(dir, 'ts_y.npz'), statsFromFeatures(y, n, d));
  const ours = frechetDistance(statsFromFeatures(x, n, d), statsFromFeatures(y, n, d));
  const theirs = Number(
    execFileSync(systemPython(), [path.join(ROOT, 'test', 'metrics', 'fid_reference.py'), 'distance', path.join(dir, 'ts_x.npy'), path.join(dir, 'ts_y.npz')], {
      encoding: 'utf8',
    }),
  );
  close(ours, theirs, 1e-8, 'privlab files in numpy');
});

test('stats files: wrong shapes, missing arrays and malformed files are refused by name', () => {
  const one = path.join(dir, 'one-row.npy');
  saveFeatures(one, [1, 2, 3], 1, 3);
  assert.throws(() => loadStats(one), /one-row\.npy: needs at least 2 feature vectors/);
  const bad = path.join(dir, 'bad.npz');
  fs.writeFileSync(bad, 'not a zip');
  assert.throws(() => loadStats(bad), /bad\.npz: not a valid \.npz/);
  const noSigma = path.join(dir, 'no-sigma.npz');
  fs.writeFileSync(noSigma, encodeNpz({ mu: { shape: [2], data: [0, 1] } }));
  assert.throws(() => loadStats(noSigma), /no-sigma\.npz: expected arrays "mu" and "sigma" .*found: mu/);
  const wrongShape = path.join(dir, 'wrong-shape.npz');
  fs.writeFileSync(wrongShape, encodeNpz({ mu: { shape: [2], data: [0, 1] }, sigma: { shape: [3, 3], data: new Array(9).fill(0) } }));
  assert.throws(() => loadStats(wrongShape), /mu must be \(D,\) and sigma \(D, D\); got mu \(2\) and sigma \(3, 3\)/);
  assert.throws(() => loadStats(path.join(dir, 'missing.npy')), /missing\.npy: file not found/);
});

test('privlab fid distance: prints the distance of two files; bad usage exits 2', () => {
  const files = ['np_a_f32.npy', 'np_b_stats.npz'].map((f) => path.join(dir, f));
  const ref = Number(execFileSync(systemPython(), [path.join(ROOT, 'test', 'metrics', 'fid_reference.py'), 'distance', ...files], { encoding: 'utf8' }));
  const out = privlab(['fid', 'distance', ...files, '--json']);
  assert.equal(out.status, 0, out.stderr);
  const json = JSON.parse(out.stdout);
  close(json.distance, ref, 1e-8, 'CLI');
  assert.equal(json.a.samples, 600);
  assert.equal(json.b.samples, null, 'a .npz carries no sample count');
  assert.equal(privlab(['fid', 'distance', files[0]]).status, 2);
  const missing = privlab(['fid', 'distance', files[0], path.join(dir, 'nope.npy')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.npy: file not found/);
});
