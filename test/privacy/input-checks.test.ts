/**
 * The privacy code's input contracts, each at and beyond its boundary (survivors of the sampled
 * mutation run on src/privacy: guards that no test reached, so a mutant that dropped one lived):
 * the incomplete beta's domain and its exact ends, the Clopper–Pearson interval's trial and success
 * counts and its one-sided ends, the beta quantile's p, and LiRA's shadow memberships, where each
 * example goes into exactly half of an even number of models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { betaQuantile, clopperPearson, regularizedIncompleteBeta } from '../../src/privacy/clopper-pearson';
import { shadowMemberships } from '../../src/privacy/shadow-splits';
import { SeededRng } from '../../src/util/rng';

test('regularizedIncompleteBeta: a, b > 0 and x in [0, 1], with I_0 = 0 and I_1 = 1 exactly', () => {
  for (const [a, b] of [
    [0, 1],
    [1, 0],
    [-1, 2],
    [2, Number.NaN],
  ])
    assert.throws(() => regularizedIncompleteBeta(0.5, a, b), RangeError, `a=${a}, b=${b}`);
  for (const x of [-1e-9, 1 + 1e-9, Number.NaN]) assert.throws(() => regularizedIncompleteBeta(x, 2, 3), RangeError, `x=${x}`);
  assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
  // Beta(1, 1) is uniform: I_x(1, 1) = x, on both sides of the fraction's switch point.
  for (const x of [0.1, 0.5, 0.9]) assert.ok(Math.abs(regularizedIncompleteBeta(x, 1, 1) - x) < 1e-13, `I_${x}(1, 1)`);
});

test('betaQuantile: p in [0, 1]; the uniform’s quantile is p', () => {
  for (const p of [-0.01, 1.01, Number.NaN]) assert.throws(() => betaQuantile(p, 2, 2), RangeError, `p=${p}`);
  for (const p of [0.025, 0.5, 0.975]) assert.ok(Math.abs(betaQuantile(p, 1, 1) - p) < 1e-12, `quantile ${p} of Beta(1, 1)`);
});

test('clopperPearson: integer 0 ≤ k ≤ n, n ≥ 1, confidence in (0, 1); closed ends at k = 0 and k = n', () => {
  for (const [k, n] of [
    [-1, 10],
    [1.5, 10],
    [11, 10],
    [0, 0],
    [1, 2.5],
  ])
    assert.throws(() => clopperPearson(k, n), RangeError, `k=${k}, n=${n}`);
  for (const c of [0, 1, -0.5, 1.5]) assert.throws(() => clopperPearson(3, 10, c), RangeError, `confidence ${c}`);
  // k = 0: lower 0 and upper 1 − (α/2)^(1/n); k = n: upper 1 and lower (α/2)^(1/n) (closed forms).
  const n = 20;
  const zero = clopperPearson(0, n);
  assert.equal(zero.lower, 0);
  assert.ok(Math.abs(zero.upper - (1 - 0.025 ** (1 / n))) < 1e-12, `upper at k = 0: ${zero.upper}`);
  const all = clopperPearson(n, n);
  assert.equal(all.upper, 1);
  assert.ok(Math.abs(all.lower - 0.025 ** (1 / n)) < 1e-12, `lower at k = n: ${all.lower}`);
});

test('shadowMemberships: an even number ≥ 2 of models, each example in exactly half of them', () => {
  const rng = new SeededRng(3);
  for (const models of [0, 1, 3, 2.5]) assert.throws(() => shadowMemberships(10, models, rng), RangeError, `models=${models}`);
  for (const examples of [0, 1.5]) assert.throws(() => shadowMemberships(examples, 4, rng), RangeError, `examples=${examples}`);
  for (const models of [2, 6]) {
    const inModel = shadowMemberships(50, models, new SeededRng(models));
    assert.equal(inModel.length, models);
    for (let i = 0; i < 50; i++) assert.equal(inModel.filter((m) => m[i]).length, models / 2, `example ${i} of ${models} models`);
  }
});
