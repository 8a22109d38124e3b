/**
 * The rejection sampler's acceptance floor (src/experiments/rejection-sampling.ts, module doc) on
 * constructed discriminator logits whose acceptance collapses: Gumbel logits of scale 4, whose
 * exponential right tail keeps raising the running maximum D̃_M, so plain DRS (γ the 0.95 quantile
 * of F over the burn-in) ends up accepting under 1 % of the candidates.
 *
 * The documented rule is checked by an independent implementation in numpy/scipy (brentq for γ*,
 * numpy's nearest-rank quantile), fed the same logit stream: the γ the sampler ends with and the
 * number of fallbacks must match it, and the number of accepted candidates must match the sum of
 * their acceptance probabilities under that schedule (a binomial check of the coin). A stream
 * whose acceptance does not collapse must be filtered exactly as without the floor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DrsClassStats, drsFilterClass, drsGammaFor, drsMeanAcceptance } from '../../src/experiments/rejection-sampling';
import { SeededRng } from '../../src/util/rng';

/** A seeded stream of logits: `scale` × standard Gumbel, or × standard normal. */
function logitStream(seed: number, scale: number, kind: 'gumbel' | 'normal'): (n: number) => number[] {
  const r = new SeededRng(seed);
  const one =
    kind === 'gumbel'
      ? (): number => -Math.log(-Math.log(1 - r.next()))
      : (): number => Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
  return (n) => Array.from({ length: n }, () => scale * one());
}

interface Run {
  stats: DrsClassStats;
  burnIn: number[];
  batches: number[][];
  kept: number[];
}

/** One class of `slots` digits over the stream, recording every batch drawn and the kept candidates (stream positions). */
function run(seed: number, scale: number, kind: 'gumbel' | 'normal', slots: number, minAcceptance: number): Run {
  const next = logitStream(seed, scale, kind);
  const coin = new SeededRng(seed + 1000);
  const burnIn = next(1000);
  const batches: number[][] = [];
  const kept: number[] = [];
  const stats = drsFilterClass(
    0,
    burnIn,
    () => {
      batches.push(next(1000));
      return batches[batches.length - 1];
    },
    slots,
    () => coin.next(),
    (j) => kept.push((batches.length - 1) * 1000 + j),
    { gammaQuantile: 0.95, epsilon: 1e-6, minAcceptance },
  );
  return { stats, burnIn, batches, kept };
}

/** The documented rule in numpy/scipy: γ schedule, fallbacks, and the acceptance probability of each candidate. */
const REFERENCE = `
import json, sys
import numpy as np
from scipy.optimize import brentq
from scipy.special import expit
d = json.load(sys.stdin)
q, eps, a, tried = d["q"], d["eps"], d["a"], d["tried"]
F = lambda l, m, g: (l - m) - np.log1p(-np.exp(l - m - eps)) - g
seen = np.array(d["burn_in"])
m = seen.max()
g = float(np.quantile(F(seen, m, 0.0), q, method="inverted_cdf"))
falls = 0
def check(recent):
    global g, falls
    if a > 0 and expit(F(recent, m, g)).mean() < a:
        f0 = F(seen, m, 0.0)
        root = brentq(lambda x: expit(f0 - x).mean() - a, f0.min() - 60, f0.max() + 60, xtol=1e-12, rtol=1e-14)
        g = min(g, root)
        falls += 1
check(seen)
probs = []
batches = [np.array(b) for b in d["batches"]]
for k, b in enumerate(batches):
    n = min(len(b), tried - 1000 * k)
    for l in b[:n]:
        m = max(m, l)
        probs.append(float(expit(F(l, m, g))))
    seen = np.concatenate([seen, b[:n]])
    if k < len(batches) - 1:
        check(b)
p = np.array(probs)
print(json.dumps({"gamma": g, "fallbacks": falls, "expected": float(p.sum()), "var": float((p * (1 - p)).sum())}))
`;

function reference(r: Run, a: number): { gamma: number; fallbacks: number; expected: number; var: number } {
  const py = spawnSync('/usr/bin/python3', ['-c', REFERENCE], {
    input: JSON.stringify({ q: 0.95, eps: 1e-6, a, tried: r.stats.candidates, burn_in: r.burnIn, batches: r.batches }),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  assert.equal(py.status, 0, py.stderr);
  return JSON.parse(py.stdout);
}

test('acceptance floor: a collapsing discriminator (Gumbel logits, scale 4) is held near the floor, by the documented rule', () => {
  const slots = 300;
  const plain = run(7, 4, 'gumbel', slots, 0);
  assert.equal(plain.stats.fallbacks, 0);
  assert.ok(plain.stats.accepted / plain.stats.candidates < 0.01, `plain DRS collapses: acceptance ${plain.stats.accepted / plain.stats.candidates}`);

  const floored = run(7, 4, 'gumbel', slots, 0.05);
  const s = floored.stats;
  assert.equal(s.accepted, slots);
  assert.equal(floored.kept.length, slots);
  assert.ok(s.fallbacks >= 1 && s.gammaFinal < s.gammaInitial, `the floor lowered γ (${s.gammaInitial} → ${s.gammaFinal}, ${s.fallbacks} fallbacks)`);
  assert.equal(s.gammaInitial, plain.stats.gammaInitial, 'the same burn-in, the same starting γ');

  const ref = reference(floored, 0.05);
  assert.equal(s.fallbacks, ref.fallbacks, 'fallbacks: sampler vs numpy/scipy');
  assert.ok(Math.abs(s.gammaFinal - ref.gamma) < 1e-6 * Math.max(1, Math.abs(ref.gamma)), `γ ${s.gammaFinal} vs scipy ${ref.gamma}`);
  // The coin: accepted = Σ p over the candidates drawn, within 4 binomial standard deviations.
  assert.ok(Math.abs(s.accepted - ref.expected) < 4 * Math.sqrt(ref.var), `accepted ${s.accepted}, expected ${ref.expected} ± ${Math.sqrt(ref.var)}`);
  // What the floor buys: about 1 / 0.05 candidates per kept digit, not the plain run's hundreds.
  const perDigit = s.candidates / s.accepted;
  assert.ok(perDigit > 14 && perDigit < 28, `${perDigit} candidates per kept digit`);
  assert.ok(plain.stats.candidates / plain.stats.accepted > 100, `plain: ${plain.stats.candidates / plain.stats.accepted} per kept digit`);
});

test('acceptance floor: Gumbel logits of scale 2 under a 10 % floor, two seeds: the same rule as the reference', () => {
  for (const seed of [11, 12]) {
    const r = run(seed, 2, 'gumbel', 200, 0.1);
    const ref = reference(r, 0.1);
    assert.equal(r.stats.fallbacks, ref.fallbacks, `seed ${seed}: fallbacks`);
    assert.ok(r.stats.fallbacks >= 1, `seed ${seed}: the 10 % floor was reached`);
    assert.ok(Math.abs(r.stats.gammaFinal - ref.gamma) < 1e-6 * Math.max(1, Math.abs(ref.gamma)), `seed ${seed}: γ ${r.stats.gammaFinal} vs ${ref.gamma}`);
    assert.ok(Math.abs(r.stats.accepted - ref.expected) < 4 * Math.sqrt(ref.var), `seed ${seed}: accepted ${r.stats.accepted} vs ${ref.expected}`);
  }
});

test('acceptance floor: a stream that does not collapse is filtered exactly as plain DRS', () => {
  const plain = run(3, 0.5, 'normal', 300, 0);
  const floored = run(3, 0.5, 'normal', 300, 0.05);
  assert.ok(plain.stats.accepted / plain.stats.candidates > 0.15, 'acceptance well above the floor');
  assert.equal(floored.stats.fallbacks, 0);
  assert.equal(floored.stats.gammaFinal, plain.stats.gammaFinal);
  assert.deepEqual(floored.kept, plain.kept, 'the same candidates kept');
});

test('γ* of the floor: the mean acceptance at γ* is the target; bad targets are refused', () => {
  const logits = logitStream(5, 3, 'gumbel')(2000);
  const max = Math.max(...logits);
  for (const a of [0.01, 0.05, 0.5]) {
    const g = drsGammaFor(logits, max, a, 1e-6);
    assert.ok(Math.abs(drsMeanAcceptance(logits, max, g, 1e-6) - a) < 1e-9, `target ${a}`);
  }
  // One logit equal to the maximum: σ(F) = σ(−log(1 − e^−ε) − γ) = a ⇔ γ = −log(1 − e^−ε) − logit(a).
  const eps = 1e-6;
  const want = -Math.log(1 - Math.exp(-eps)) - Math.log(0.2 / 0.8);
  assert.ok(Math.abs(drsGammaFor([1.5], 1.5, 0.2, eps) - want) < 1e-9);
  assert.throws(() => drsGammaFor(logits, max, 0, 1e-6), /target acceptance must be in \(0, 1\), got 0/);
  assert.throws(() => drsGammaFor(logits, max, 1, 1e-6), /target acceptance must be in \(0, 1\), got 1/);
});
