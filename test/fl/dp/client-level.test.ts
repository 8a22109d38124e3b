import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUpdateNoise, clipUpdate, noisyMean } from '../../../src/fl/dp/client-level';
import { SeededGaussianNoise } from '../../../src/fl/dp/noise';
import { ConstantNoise } from './constant-noise';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

/** Sample std of a − b over all coordinates, and its mean. */
function residualStats(a: Float32Array[], b: Float32Array[]): { mean: number; sd: number; n: number } {
  let s = 0,
    s2 = 0,
    n = 0;
  a.forEach((p, k) =>
    p.forEach((v, j) => {
      const r = v - b[k][j];
      s += r;
      s2 += r * r;
      n++;
    }),
  );
  const mean = s / n;
  return { mean, sd: Math.sqrt(s2 / n - mean * mean), n };
}

test('clipUpdate: norm over all variables jointly; scaled down to C only when above it', () => {
  const update = [f32(3, 0), f32(0, 4)]; // norm 5
  const { clipped, norm, scale } = clipUpdate(update, 2);
  assert.equal(norm, 5);
  assert.equal(scale, 0.4);
  assert.deepEqual(clipped, [f32(1.2, 0), f32(0, 1.6)]);
  assert.deepEqual(update, [f32(3, 0), f32(0, 4)], 'input untouched');
  const under = clipUpdate(update, 10);
  assert.equal(under.scale, 1);
  assert.deepEqual(under.clipped, update);
  assert.notEqual(under.clipped[0], update[0], "a copy, not the caller's arrays");
  assert.throws(() => clipUpdate(update, 0), /clip norm must be a finite number > 0/);
});

test('noisyMean with σ = 0 is the plain mean of the clipped updates; with σ the noise std is σC/n', () => {
  const a = [f32(1, -1), f32(0.5)],
    b = [f32(0, 2), f32(-0.5)],
    c = [f32(1, 1), f32(1)];
  const C = 3;
  const clipped = [a, b, c].map((u) => clipUpdate(u, C).clipped);
  assert.deepEqual(noisyMean(clipped, 0, C), [f32(2 / 3, 2 / 3), f32(1 / 3)]);

  // Three sites, 30 000 coordinates each: the sample std has relative standard error
  // 1/√(2·30000) = 0.41 %; the bound is 5 of them (2 %), far below a 20 % error in σ.
  const n = 30000,
    sites = 3,
    sigma = 0.8,
    clipNorm = 2;
  const updates = Array.from({ length: sites }, (_, s) => [Float32Array.from({ length: n }, (_, j) => Math.sin(j + s) / 200)]);
  const clean = noisyMean(updates, 0, clipNorm);
  const noisy = noisyMean(updates, sigma, clipNorm, new SeededGaussianNoise(9));
  const r = residualStats(noisy, clean);
  const expected = (sigma * clipNorm) / sites;
  assert.ok(Math.abs(r.sd / expected - 1) < 5 / Math.sqrt(2 * r.n), `std ${r.sd} vs σC/n = ${expected}`);
  assert.ok(Math.abs(r.mean) < (5 * expected) / Math.sqrt(r.n), `mean ${r.mean}`);

  // Without a noise argument the noise comes from the CSPRNG: two runs differ.
  assert.notDeepEqual(noisyMean(clipped, 1, C), noisyMean(clipped, 1, C));
  assert.throws(() => noisyMean([], 1, 1), /at least one update/);
  assert.throws(() => noisyMean([a, [f32(1, 2, 3), f32(0)]], 1, 3), /update 1: array 0 has 3 values, expected 2/);
  assert.throws(() => noisyMean([a, [f32(1)]], 1, 3), /update 1 has 1 arrays, expected 2/);
  assert.throws(() => noisyMean([[f32(30, 40)]], 1, 3), /update 0 has norm 50 > clip norm 3: clip it first/);
  assert.throws(() => noisyMean([a], -1, 3), /noise multiplier/);
});

test('addUpdateNoise: std σ0 on every coordinate of every variable, input untouched', () => {
  const n = 20000,
    sigma0 = 0.05;
  const update = [Float32Array.from({ length: n }, (_, j) => j / n), Float32Array.from({ length: n }, (_, j) => -j / n)];
  const copy = update.map((p) => p.slice());
  const noisy = addUpdateNoise(update, sigma0, new SeededGaussianNoise(5));
  assert.deepEqual(update, copy);
  const r = residualStats(noisy, update);
  assert.ok(Math.abs(r.sd / sigma0 - 1) < 5 / Math.sqrt(2 * r.n), `std ${r.sd} vs ${sigma0}`);
  assert.ok(Math.abs(r.mean) < (5 * sigma0) / Math.sqrt(r.n), `mean ${r.mean}`);
  assert.deepEqual(addUpdateNoise(update, 0), update);
  assert.throws(() => addUpdateNoise(update, -0.1), /noise std must be a finite number ≥ 0/);
});

test('noisyMean adds σC once to the sum and divides by n; addUpdateNoise adds σ0; both by hand with a noise source that writes its std', () => {
  const u1 = [f32(0.5, -1), f32(2)],
    u2 = [f32(1, 1), f32(-0.25)];
  const noise = new ConstantNoise();
  const mean = noisyMean([u1, u2], 1.5, 3, noise);
  assert.deepEqual(noise.stds, [4.5, 4.5]);
  assert.deepEqual(mean, [f32((1.5 + 4.5) / 2, (0 + 4.5) / 2), f32((1.75 + 4.5) / 2)]);
  const noisy = addUpdateNoise(u1, 0.25, new ConstantNoise());
  assert.deepEqual(noisy, [f32(0.75, -0.75), f32(2.25)]);
  // σ0 = 0 returns copies: writing to them leaves the caller's update alone.
  const plain = addUpdateNoise(u1, 0);
  plain[0][0] = 99;
  assert.equal(u1[0][0], 0.5);
});

test('noisyMean accepts updates clipped to exactly C (float32 slack) and refuses those visibly above it', () => {
  // Norm exactly 5 = C, and one a float32 rounding above it.
  assert.deepEqual(noisyMean([[f32(3, 4)]], 0, 5), [f32(3, 4)]);
  assert.deepEqual(noisyMean([[f32(3, 4)]], 0, 5 * (1 - 1e-6)), [f32(3, 4)]);
  assert.throws(() => noisyMean([[f32(3, 4)]], 0, 5 * (1 - 1e-4)), /update 0 has norm 5 > clip norm/);
});
