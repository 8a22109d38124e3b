/**
 * FedAvg against hand-computed numbers: the weighted mean of updates (weights = example
 * counts), the new global weights, metrics weighting, and the guards (too few results,
 * a policy that would average garbage).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FedAvg, FitResult, IDENTITY_POLICY, Weights, WeightsError, makeUpdatePolicy, registerUpdatePolicy, weightedMean, weightedMetrics } from '../../src/fl';

const specs = [
  { name: 'w', shape: [2, 2] },
  { name: 'b', shape: [2] },
];
const global: Weights = { specs, values: [Float32Array.from([1, 2, 3, 4]), Float32Array.from([0.5, -0.5])] };

function result(site: string, n: number, w: number[], b: number[]): FitResult {
  return { site, numExamples: n, update: [Float32Array.from(w), Float32Array.from(b)], metrics: { train_loss: n / 100 } };
}

test('weightedMean is Σ n_k·u_k / Σ n_k', () => {
  // (1·[1,2] + 3·[5,-2]) / 4 = [4, -1]
  const m = weightedMean([[Float32Array.from([1, 2])], [Float32Array.from([5, -2])]], [1, 3]);
  assert.deepEqual(Array.from(m[0]), [4, -1]);
  assert.throws(() => weightedMean([], []), /mean of nothing/);
  assert.throws(() => weightedMean([[Float32Array.from([1])]], [0]), /positive/);
  assert.throws(() => weightedMean([[Float32Array.from([1])], [Float32Array.from([1, 2])]], [1, 1]), /2 values, expected 1/);
});

test('FedAvg: new global = global + example-weighted mean of the updates', () => {
  const s = new FedAvg({ fit: { localSteps: 1 }, minFitSites: 2 });
  const results = [result('a', 100, [1, 0, 0, 0], [1, 1]), result('b', 300, [0, 4, 0, 0], [-1, 3]), result('c', 600, [0, 0, 1, -1], [0, 0])];
  const next = s.aggregateFit(1, global, results);
  // by hand: weights 0.1, 0.3, 0.6
  //   w: [1 + 0.1, 2 + 1.2, 3 + 0.6, 4 - 0.6];  b: [0.5 + 0.1 - 0.3, -0.5 + 0.1 + 0.9]
  const close = (a: Float32Array, e: number[]): void => a.forEach((x, i) => assert.ok(Math.abs(x - e[i]) < 1e-6, `${x} vs ${e[i]}`));
  close(next.values[0], [1.1, 3.2, 3.6, 3.4]);
  close(next.values[1], [0.3, 0.5]);
  assert.deepEqual(global.values[0], Float32Array.from([1, 2, 3, 4]), 'the old global weights are not modified');
  assert.throws(() => s.aggregateFit(2, global, results.slice(0, 1)), /needs at least 2/);
  const m = s.aggregateMetrics(results);
  assert.equal(m.num_examples, 1000);
  assert.ok(Math.abs(m.train_loss - (100 * 1 + 300 * 3 + 600 * 6) / 1000) < 1e-12);
});

test('configureFit passes the config with a per-round seed', () => {
  const s = new FedAvg({ fit: { localSteps: 5, optimizer: 'sgd' }, seed: 7 });
  const c1 = s.configureFit(1);
  const c2 = s.configureFit(2);
  assert.equal(c1.localSteps, 5);
  assert.equal(c1.mode, 'fit');
  assert.notEqual(c1.seed, c2.seed);
  assert.equal(s.configureEvaluate(3).mode, 'evaluate');
});

test('sampleSites: a seeded fraction of the sites, at least minFitSites, the same on every call', () => {
  const sites = ['s1', 's2', 's3', 's4', 's5'];
  assert.deepEqual(new FedAvg({ fit: {} }).sampleSites(1, sites), sites);
  const half = new FedAvg({ fit: {}, fractionFit: 0.5, seed: 3 });
  const samples = [1, 2, 3, 4, 5, 6].map((r) => half.sampleSites(r, sites));
  for (const s of samples) {
    assert.equal(s.length, 3, 'ceil(0.5 · 5)');
    assert.deepEqual(s, [...new Set(s)].sort(), 'distinct, in order');
    assert.ok(s.every((x) => sites.includes(x)));
  }
  assert.deepEqual(half.sampleSites(4, sites), samples[3], 'reproducible (a resumed job samples alike)');
  assert.ok(new Set(samples.map((s) => s.join())).size > 1, 'different rounds, different samples');
  assert.equal(new FedAvg({ fit: {}, fractionFit: 0.1, minFitSites: 2 }).sampleSites(1, sites).length, 2);
  assert.throws(() => new FedAvg({ fit: {}, fractionFit: 0 }), /fractionFit must be in \(0, 1\]/);
});

test('update policies: registry by name; a policy returning non-finite values never reaches the global weights', () => {
  assert.equal(makeUpdatePolicy(IDENTITY_POLICY).spec.name, 'none');
  assert.throws(() => makeUpdatePolicy({ name: 'no-such', params: {} }), /unknown update policy "no-such"/);
  assert.throws(() => registerUpdatePolicy('none', () => makeUpdatePolicy(IDENTITY_POLICY)), /already registered/);
  registerUpdatePolicy('test-broken', () => ({
    spec: { name: 'test-broken', params: {} },
    siteUpdate: (u) => u,
    serverUpdate: (u) => u.map((t) => t.map(() => NaN)),
    aggregate: (us) => us[0],
  }));
  const s = new FedAvg({ fit: {}, policy: { name: 'test-broken', params: {} } });
  assert.throws(
    () => s.aggregateFit(1, global, [result('a', 1, [1, 1, 1, 1], [1, 1])]),
    (e: Error) => e instanceof WeightsError && /aggregate of round 1: w\[0\] is NaN/.test(e.message),
  );
});

test('weightedMetrics weights each metric by the examples of the sites reporting it', () => {
  const m = weightedMetrics([
    { numExamples: 1, metrics: { a: 1 } },
    { numExamples: 3, metrics: { a: 5, b: 2 } },
  ]);
  assert.deepEqual(m, { num_examples: 4, a: 4, b: 2 });
});

test('dp-fedavg: each update clipped to C, unweighted mean (+ noise on the sum); site-noise: noise added on the site', () => {
  const s = new FedAvg({ fit: {}, policy: { name: 'dp-fedavg', params: { clipNorm: 1, noiseMultiplier: 0 } } });
  const g: Weights = { specs: [{ name: 'x', shape: [2] }], values: [Float32Array.from([10, 20])] };
  const r = (site: string, n: number, u: number[]): FitResult => ({ site, numExamples: n, update: [Float32Array.from(u)], metrics: {} });
  // [3,4] has norm 5 → [0.6, 0.8]; [0.3, 0.4] (norm 0.5) stays; the example counts do not weigh in
  const next = s.aggregateFit(1, g, [r('a', 1000, [3, 4]), r('b', 1, [0.3, 0.4])]);
  assert.ok(Math.abs(next.values[0][0] - 10.45) < 1e-5 && Math.abs(next.values[0][1] - 20.6) < 1e-5, `${next.values[0]}`);
  const noisy = new FedAvg({ fit: {}, policy: { name: 'dp-fedavg', params: { clipNorm: 1, noiseMultiplier: 1 } } }).aggregateFit(1, g, [
    r('a', 1, [3, 4]),
    r('b', 1, [0.3, 0.4]),
  ]);
  assert.ok(noisy.values[0].every(Number.isFinite) && Math.abs(noisy.values[0][0] - 10.45) > 1e-6, 'noise was added');
  assert.throws(() => makeUpdatePolicy({ name: 'dp-fedavg', params: { clipNorm: 0, noiseMultiplier: 1 } }), /"clipNorm" must be a positive number/);
  assert.throws(() => makeUpdatePolicy({ name: 'dp-fedavg', params: { clipNorm: 1, noiseMultiplier: 1, sigma: 2 } }), /not "sigma"/);

  const site = makeUpdatePolicy({ name: 'site-noise', params: { sigma0: 0.5 } });
  const u = [new Float32Array(10000)];
  const noised = site.siteUpdate(u, { round: 1, site: 'a' })[0];
  const std = Math.sqrt(noised.reduce((a, x) => a + x * x, 0) / noised.length);
  assert.ok(Math.abs(std - 0.5) < 0.02, `site noise std ${std}`);
  assert.deepEqual(site.serverUpdate(u, { round: 1, site: 'a' }), u);
});
