import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CryptoGaussianNoise, defaultNoise, SeededGaussianNoise } from '../../../src/fl/dp/noise';
import { CryptoUniform, poissonBatches, poissonSample } from '../../../src/fl/dp/poisson-sampling';
import { SeededRng } from '../../../src/util/rng';

/** Sample mean, standard deviation and the fraction beyond 1.96 std, of n draws. */
function moments(x: Float64Array, std: number): { mean: number; sd: number; tail: number } {
  let s = 0,
    s2 = 0,
    tail = 0;
  for (const v of x) {
    s += v;
    s2 += v * v;
    if (Math.abs(v) > 1.959964 * std) tail++;
  }
  const mean = s / x.length;
  return { mean, sd: Math.sqrt(s2 / x.length - mean * mean), tail: tail / x.length };
}

test('both sources draw N(0, std²): mean, std and the two-sided 5 % tail within 5 standard errors', () => {
  const n = 200000,
    std = 2.5;
  for (const noise of [new CryptoGaussianNoise(), new SeededGaussianNoise(7)]) {
    const x = new Float64Array(n);
    noise.fill(x, std);
    const m = moments(x, std);
    // Standard errors: mean σ/√n; sample std σ/√(2n); tail fraction √(p(1−p)/n), p = 0.05.
    assert.ok(Math.abs(m.mean) < (5 * std) / Math.sqrt(n), `mean ${m.mean}`);
    assert.ok(Math.abs(m.sd / std - 1) < 5 / Math.sqrt(2 * n), `std ${m.sd}`);
    assert.ok(Math.abs(m.tail - 0.05) < 5 * Math.sqrt((0.05 * 0.95) / n), `tail ${m.tail}`);
  }
});

test('the seeded source is reproducible; the default (CSPRNG) source is not', () => {
  const a = new Float32Array(64),
    b = new Float32Array(64);
  new SeededGaussianNoise(3).fill(a, 1);
  new SeededGaussianNoise(3).fill(b, 1);
  assert.deepEqual(a, b);
  const c = new Float32Array(64),
    d = new Float32Array(64);
  defaultNoise().fill(c, 1);
  defaultNoise().fill(d, 1);
  assert.notDeepEqual(c, d);
  assert.ok(defaultNoise() instanceof CryptoGaussianNoise);
  // Odd lengths are filled to the end; std 0 gives zeros.
  const odd = new Float64Array(5).fill(NaN);
  new SeededGaussianNoise(1).fill(odd, 1);
  assert.ok(odd.every(Number.isFinite));
  const zero = new Float64Array(4).fill(7);
  new SeededGaussianNoise(1).fill(zero, 0);
  assert.ok(zero.every((v) => v === 0));
  assert.throws(() => new SeededGaussianNoise(1).fill(zero, -1), /standard deviation/);
});

test('Poisson sampling: each index in independently with probability q', () => {
  const n = 1000,
    q = 0.05,
    steps = 400;
  const counts = new Array(n).fill(0);
  const sizes: number[] = [];
  for (const batch of poissonBatches(n, q, steps, new SeededRng(11))) {
    sizes.push(batch.length);
    for (let k = 1; k < batch.length; k++) assert.ok(batch[k] > batch[k - 1], 'increasing, no repeats');
    for (const i of batch) counts[i]++;
  }
  // Batch size ~ Binomial(n, q): mean q·n = 50, variance n·q·(1−q) = 47.5.
  const mean = sizes.reduce((s, v) => s + v, 0) / steps;
  assert.ok(Math.abs(mean - n * q) < 5 * Math.sqrt((n * q * (1 - q)) / steps), `mean batch ${mean}`);
  const variance = sizes.reduce((s, v) => s + (v - mean) ** 2, 0) / (steps - 1);
  assert.ok(variance > 0.7 * n * q * (1 - q) && variance < 1.3 * n * q * (1 - q), `batch-size variance ${variance}: random sizes, not fixed`);
  // Per index ~ Binomial(steps, q): chi-square over the n indices, n − 1 dof (mean 999, sd ≈ 45).
  const e = steps * q;
  const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / (e * (1 - q)), 0);
  assert.ok(Math.abs(chi2 - n) < 5 * Math.sqrt(2 * n), `chi2 ${chi2}`);
  assert.deepEqual(poissonSample(10, 1, new SeededRng(1)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(poissonSample(50, 0.3, new SeededRng(4)), poissonSample(50, 0.3, new SeededRng(4)));
  assert.throws(() => poissonSample(10, 0, new SeededRng(1)), /sample rate/);
  assert.throws(() => poissonSample(-1, 0.5, new SeededRng(1)), /dataset size/);
});

test('Box–Muller fills every position: both members of each pair, even and odd lengths, each with std σ', () => {
  // Prefilled with NaN: a position the sampler skips stays NaN.
  for (const length of [2, 4, 7]) {
    const out = new Float64Array(length).fill(NaN);
    new SeededGaussianNoise(length).fill(out, 1);
    assert.ok(out.every(Number.isFinite), `length ${length}: ${Array.from(out)}`);
  }
  // The cosine (even) and sine (odd) members separately: each N(0, σ²), 100 000 draws, the
  // sample std within 5 standard errors (1/√(2n) relative).
  const n = 200000,
    std = 0.7;
  const x = new Float64Array(n);
  new SeededGaussianNoise(21).fill(x, std);
  for (const parity of [0, 1]) {
    const half = x.filter((_, i) => i % 2 === parity);
    const m = moments(half, std);
    assert.ok(Math.abs(m.sd / std - 1) < 5 / Math.sqrt(2 * half.length), `parity ${parity}: std ${m.sd}`);
    assert.ok(Math.abs(m.mean) < (5 * std) / Math.sqrt(half.length), `parity ${parity}: mean ${m.mean}`);
  }
});

test('CryptoUniform: values on the grid k/2^32 in [0, 1), uniform over 16 bins, across several 4096-word blocks', () => {
  const u = new CryptoUniform();
  const n = 3 * 4096 + 100,
    bins = new Array(16).fill(0);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const v = u.next();
    assert.ok(v >= 0 && v < 1, `${v}`);
    assert.ok(Number.isInteger(v * 4294967296), `${v} is not k/2^32`);
    bins[Math.floor(v * 16)]++;
    seen.add(v);
  }
  // 32-bit words: among 12,388 draws a repeat has probability ~1.8 %, five or more 1.5e-11; a re-used block repeats thousands.
  assert.ok(seen.size > n - 5, `${n - seen.size} repeats`);
  // Chi-square with 15 degrees of freedom (mean 15). The words come from the CSPRNG, which
  // cannot be seeded, so the bound is the 1 − 1e-9 quantile (scipy: chi2.isf(1e-9, 15) = 73.6):
  // a false alarm once in a billion runs. A skewed uniform fails it by far (all draws in half
  // the bins gives about n).
  const e = n / 16;
  const chi2 = bins.reduce((s, c) => s + (c - e) ** 2 / e, 0);
  assert.ok(chi2 < 73.6, `chi2 ${chi2}: ${bins}`);
});

test('poissonBatches yields exactly `steps` batches; an empty dataset gives empty batches; bad steps are RangeErrors', () => {
  for (const steps of [0, 1, 7]) assert.equal([...poissonBatches(20, 0.5, steps, new SeededRng(2))].length, steps);
  assert.deepEqual(poissonSample(0, 0.5, new SeededRng(1)), []);
  assert.deepEqual([...poissonBatches(0, 0.5, 2, new SeededRng(1))], [[], []]);
  for (const steps of [-1, 1.5, NaN])
    assert.throws(() => poissonBatches(20, 0.5, steps, new SeededRng(1)).next(), new RegExp(`steps must be an integer ≥ 0, got ${steps}`));
});
