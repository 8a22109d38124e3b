/**
 * The empirical ε lower bound: its special functions against scipy, and the bound on
 * mechanisms of known ε (randomized response, the Gaussian mechanism), where it must stay
 * below the true ε and come close to it with many samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  betaQuantile,
  clopperPearson,
  epsilonFromRates,
  epsilonLowerBound,
  epsilonLowerBoundOfCurve,
  evaluateAttack,
  logGamma,
  regularizedIncompleteBeta,
  rocCounts,
} from '../../src/privacy';
import { SeededRng } from '../../src/util/rng';
import { normals, reference } from './reference';

test('logGamma, the incomplete beta and its quantile agree with scipy', () => {
  const xs = [0.1, 0.5, 1, 2.5, 7, 14.9, 15, 100, 1e4, 1e6];
  const betas: [number, number, number][] = [
    [0.3, 2, 3],
    [0.9, 0.5, 0.5],
    [0.01, 5, 996],
    [0.5, 1000, 1001],
    [0.999, 19990, 11],
  ];
  const quantiles: [number, number, number][] = [
    [0.025, 5, 96],
    [0.975, 6, 95],
    [0.025, 1, 20000],
    [0.975, 1, 20000],
    [0.025, 14600, 5401],
    [1e-6, 3, 7],
  ];
  const ref = reference<number>([
    ...xs.map((x) => ({ op: 'gammaln' as const, x })),
    ...betas.map(([x, a, b]) => ({ op: 'betainc' as const, x, a, b })),
    ...quantiles.map(([q, a, b]) => ({ op: 'beta_ppf' as const, q, a, b })),
  ]);
  xs.forEach((x, i) => assert.ok(Math.abs(logGamma(x) - ref[i]) <= 1e-13 * Math.max(1, Math.abs(ref[i])), `lgamma(${x}): ${logGamma(x)} vs ${ref[i]}`));
  betas.forEach(([x, a, b], i) => {
    const want = ref[xs.length + i];
    assert.ok(Math.abs(regularizedIncompleteBeta(x, a, b) - want) <= 1e-11, `I_${x}(${a}, ${b}): ${regularizedIncompleteBeta(x, a, b)} vs ${want}`);
  });
  quantiles.forEach(([q, a, b], i) => {
    const want = ref[xs.length + betas.length + i];
    assert.ok(Math.abs(betaQuantile(q, a, b) - want) <= 1e-9 * want + 1e-15, `Beta(${a}, ${b}) ${q}-quantile: ${betaQuantile(q, a, b)} vs ${want}`);
  });
  assert.throws(() => logGamma(0), /logGamma needs a finite x > 0, got 0/);
  assert.throws(() => regularizedIncompleteBeta(1.5, 1, 1), /x in \[0, 1\], got 1.5/);
});

test('clopperPearson: the beta quantiles, and the closed forms at k = 0 and k = n', () => {
  const [lo, hi] = reference<number>([
    { op: 'beta_ppf', q: 0.025, a: 5, b: 96 },
    { op: 'beta_ppf', q: 0.975, a: 6, b: 95 },
  ]);
  const ci = clopperPearson(5, 100);
  assert.ok(Math.abs(ci.lower - lo) < 1e-12 && Math.abs(ci.upper - hi) < 1e-12, `${JSON.stringify(ci)} vs ${lo}, ${hi}`);
  // k = 0: upper = 1 − (α/2)^(1/n); k = n: lower = (α/2)^(1/n).
  const n = 300;
  assert.equal(clopperPearson(0, n).lower, 0);
  assert.ok(Math.abs(clopperPearson(0, n).upper - (1 - 0.025 ** (1 / n))) < 1e-13);
  assert.equal(clopperPearson(n, n).upper, 1);
  assert.ok(Math.abs(clopperPearson(n, n, 0.99).lower - 0.005 ** (1 / n)) < 1e-13);
  assert.throws(() => clopperPearson(3, 2), /successes must be an integer in \[0, 2\], got 3/);
  assert.throws(() => clopperPearson(1, 2, 1), /confidence must be in \(0, 1\)/);
});

test('ε bound is 0 when TPR = FPR (at any δ), and follows the formula otherwise', () => {
  for (const delta of [0, 1e-5, 0.1]) {
    assert.equal(epsilonFromRates(0.3, 0.3, delta), 0);
    const b = epsilonLowerBound({ truePositives: 30, members: 100, falsePositives: 30, nonMembers: 100 }, { delta });
    assert.equal(b.point, 0);
    assert.equal(b.clopperPearson, 0);
  }
  // Identical scores: every threshold has TPR = FPR.
  const tied = epsilonLowerBoundOfCurve(rocCounts([1, 1, 1], [1, 1]));
  assert.equal(tied.point, 0);
  assert.equal(tied.clopperPearson, 0);
  // ln((0.6 − 0.1)/0.2) and ln((1 − 0.1 − 0.2)/(1 − 0.6)): the larger one.
  assert.ok(Math.abs(epsilonFromRates(0.6, 0.2, 0.1) - Math.log(2.5)) < 1e-15);
  assert.ok(Math.abs(epsilonFromRates(0.98, 0.5, 0) - Math.log(25)) < 1e-14, 'the complement side: ln(0.5/0.02)');
  assert.equal(epsilonFromRates(0.5, 0, 0), Infinity);
  // Identical distributions, 1000 + 1000 samples: the best-threshold point estimate is driven by
  // noise in the tail (often Infinity), the Clopper–Pearson bound stays at 0.
  for (const seed of [1, 3, 5]) {
    const b = epsilonLowerBoundOfCurve(rocCounts(normals(seed, 1000), normals(seed + 1, 1000)));
    assert.equal(b.clopperPearson, 0, `seed ${seed}: ${b.clopperPearson}`);
    assert.ok(b.point > 0.3, `seed ${seed}: point estimate ${b.point}`);
  }
  assert.throws(() => epsilonFromRates(1.2, 0, 0), /tpr must be in \[0, 1\], got 1.2/);
  assert.throws(() => epsilonLowerBound({ truePositives: 1, members: 0, falsePositives: 0, nonMembers: 1 }), /need an integer count ≥ 1/);
  assert.throws(() => epsilonLowerBoundOfCurve(rocCounts([1], [0]), { delta: 1 }), /delta must be in \[0, 1\), got 1/);
});

test('randomized response of known ε: the bound stays below ε and comes within 0.06 of it on 20,000 + 20,000 samples', () => {
  const rng = new SeededRng(42);
  const n = 20000;
  for (const eps of [0.5, 1, 2]) {
    // A member's bit is reported truthfully with probability e^ε/(1 + e^ε): exactly ε-DP.
    const p = Math.exp(eps) / (1 + Math.exp(eps));
    const members = Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));
    const nonMembers = Array.from({ length: n }, () => (rng.next() < 1 - p ? 1 : 0));
    const b = epsilonLowerBoundOfCurve(rocCounts(members, nonMembers), { delta: 0 });
    assert.ok(b.clopperPearson <= eps, `ε = ${eps}: bound ${b.clopperPearson}`);
    assert.ok(b.clopperPearson >= eps - 0.06, `ε = ${eps}: bound ${b.clopperPearson} is loose`);
    assert.ok(Math.abs(b.point - eps) < 0.05, `ε = ${eps}: point estimate ${b.point}`);
  }
});

test('Gaussian mechanism N(1, 1) vs N(0, 1) at δ = 0.05: the bound is below the exact ε and near it', () => {
  const [exact] = reference<number>([{ op: 'gaussian_epsilon', mu: 1, delta: 0.05 }]);
  assert.ok(Math.abs(exact - 1.5689) < 1e-3, `exact ε ${exact}`);
  const r = evaluateAttack('gaussian', normals(1, 20000, 1), normals(2, 20000), { delta: 0.05 });
  assert.ok(r.epsilonLowerBound <= exact, `bound ${r.epsilonLowerBound} > exact ${exact}`);
  assert.ok(r.epsilonLowerBound >= 0.85 * exact, `bound ${r.epsilonLowerBound} is loose (exact ${exact})`);
  assert.ok(Math.abs(r.epsilonPointEstimate - exact) < 0.1, `point ${r.epsilonPointEstimate} vs exact ${exact}`);
});

test('with few samples the point estimate is infinite but the Clopper–Pearson bound is finite and small', () => {
  // 20 members all above 20 non-members: FPR = 0 at a threshold with TPR = 1.
  const r = evaluateAttack(
    'separable',
    Array.from({ length: 20 }, (_, i) => 100 + i),
    Array.from({ length: 20 }, (_, i) => i),
    { delta: 0 },
  );
  assert.equal(r.epsilonPointEstimate, Infinity);
  // TPR ≥ 0.025^(1/20), FPR ≤ 1 − 0.025^(1/20): both formulas give ln(0.025^(1/20)/(1 − 0.025^(1/20))).
  const a = 0.025 ** (1 / 20);
  assert.ok(Math.abs(r.epsilonLowerBound - Math.log(a / (1 - a))) < 1e-9, `${r.epsilonLowerBound} vs ${Math.log(a / (1 - a))}`);
});
