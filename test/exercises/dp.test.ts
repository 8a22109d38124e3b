import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epsilonFor } from '../../src/fl/dp/accountant';
import { NotImplementedError } from '../../src/exercises/check-result';
import {
  DpSgdBudget,
  DpSgdRun,
  OPACUS_PUBLISHED_EPSILON,
  OPACUS_PUBLISHED_NOISE,
  OPACUS_PUBLISHED_RUN,
  checkEpsilonOf,
  checkNoiseForEpsilon,
} from '../../src/exercises/checks/dp';

// The reference solutions, as the notebook's solution cells write them.
function epsilonOf(
  run: DpSgdRun,
  steps = (r: DpSgdRun) => Math.round(r.epochs / (r.batchSize / r.datasetSize)),
  sampleRate = run.batchSize / run.datasetSize,
): number {
  return epsilonFor({ noiseMultiplier: run.noiseMultiplier, sampleRate, steps: steps(run), delta: run.delta }).epsilon;
}

function bisect(eps: (sigma: number) => number, target: number, keepHigh = true, relWidth = 1e-3): number {
  let lo = 0;
  let hi = 1;
  while (eps(hi) > target) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > relWidth * hi) {
    const mid = (lo + hi) / 2;
    if (eps(mid) <= target) hi = mid;
    else lo = mid;
  }
  return keepHigh ? hi : lo;
}

const noiseForEpsilon = (target: number, budget: DpSgdBudget): number => bisect((noiseMultiplier) => epsilonOf({ ...budget, noiseMultiplier }), target);

test("the reference epsilonOf passes, and gives Opacus's published ε for its test run", async () => {
  // Pins the accountant itself to an independent number: opacus/tests/accountants_test.py,
  // σ = 1.5, q = 0.04, int(90 / 0.04) steps, δ = 1e-5 → 7.32911117143.
  assert.ok(Math.abs(epsilonOf({ ...OPACUS_PUBLISHED_RUN }) - 7.32911117143) < 5e-8);
  assert.equal(OPACUS_PUBLISHED_EPSILON, 7.32911117143);
  const r = await checkEpsilonOf((run) => epsilonOf(run));
  assert.equal(r.pass, true, r.message);
  assert.equal(r.id, 'dp-epsilon');
});

test('epsilonOf: the stub fails with the stub message', async () => {
  const r = await checkEpsilonOf(() => {
    throw new NotImplementedError('epsilonOf');
  });
  assert.equal(r.pass, false);
  assert.match(r.message, /epsilonOf is not implemented yet/);
});

test('epsilonOf: each recognised slip gets its own message', async () => {
  const epochsAsSteps = await checkEpsilonOf((run) => epsilonOf(run, (r) => r.epochs));
  assert.equal(epochsAsSteps.pass, false);
  assert.match(epochsAsSteps.message, /you passed the number of epochs \(90\) as the number of steps/);
  assert.match(epochsAsSteps.hint ?? '', /2250 steps/);

  const timesQ = await checkEpsilonOf((run) => epsilonOf(run, (r) => Math.round((r.epochs * r.batchSize) / r.datasetSize)));
  assert.match(timesQ.message, /you used epochs × q = 4 steps/);

  const noSampling = await checkEpsilonOf((run) => epsilonOf(run, undefined, 1));
  assert.match(noSampling.message, /at sample rate 1/);

  const object = await checkEpsilonOf(
    (run) => epsilonFor({ noiseMultiplier: run.noiseMultiplier, sampleRate: 0.04, steps: 2250, delta: run.delta }) as unknown as number,
  );
  assert.match(object.message, /returned an object, not a number/);

  // Something else wrong (δ confused with 1/N): a plain mismatch with both numbers.
  const other = await checkEpsilonOf((run) => epsilonOf({ ...run, delta: 1 / run.datasetSize }));
  assert.equal(other.pass, false);
  assert.match(other.message, /you returned ε = [\d.]+, expected 7\.32911 \(the value Opacus publishes for this run\)\.$/);
  // The library refusing a bad argument becomes a failed check that names the error.
  const inverted = await checkEpsilonOf((run) => epsilonOf(run, undefined, run.datasetSize / run.batchSize));
  assert.match(inverted.message, /your code threw RangeError: sample rate must be in \(0, 1\], got 25/);
});

test("the reference noiseForEpsilon passes and is within 1 % of Opacus's published σ = 1.3562", async () => {
  const { targetEpsilon, budget, noiseMultiplier } = OPACUS_PUBLISHED_NOISE;
  const sigma = noiseForEpsilon(targetEpsilon, budget);
  // Opacus stops within 0.01 of ε, this search within 0.1 % of σ: both just above the exact minimum.
  assert.ok(Math.abs(sigma - noiseMultiplier) / noiseMultiplier < 0.01, `${sigma}`);
  const r = await checkNoiseForEpsilon(noiseForEpsilon);
  assert.equal(r.pass, true, r.message);
  assert.equal(r.id, 'dp-noise');
});

test('noiseForEpsilon: stub, overspending, not minimal, epochs as steps', async () => {
  const stub = await checkNoiseForEpsilon(() => {
    throw new NotImplementedError('noiseForEpsilon');
  });
  assert.match(stub.message, /noiseForEpsilon is not implemented yet/);

  // The lower end of the bracket: just above the target ε.
  const lowEnd = await checkNoiseForEpsilon((target, budget) => bisect((noiseMultiplier) => epsilonOf({ ...budget, noiseMultiplier }), target, false));
  assert.equal(lowEnd.pass, false);
  assert.match(lowEnd.message, /spends ε = [\d.]+, more than the target \(the smallest σ within it is 1\.35/);
  assert.match(lowEnd.hint ?? '', /keep the end of the bracket that stays within the budget/);

  // A coarse search: within budget but up to 10 % too much noise.
  const coarse = await checkNoiseForEpsilon(
    (target, budget) => bisect((noiseMultiplier) => epsilonOf({ ...budget, noiseMultiplier }), target, true, 0.1) * 1.05,
  );
  assert.equal(coarse.pass, false);
  assert.match(coarse.message, /is within budget \(ε = [\d.]+\) but not the smallest/);

  const epochsAsSteps = await checkNoiseForEpsilon((target, budget) =>
    bisect((noiseMultiplier) => epsilonOf({ ...budget, noiseMultiplier }, (r) => r.epochs), target),
  );
  assert.equal(epochsAsSteps.pass, false);
  assert.match(epochsAsSteps.message, /is what 80 steps need, but the run takes 2000/);

  const notANumber = await checkNoiseForEpsilon(() => NaN);
  assert.match(notANumber.message, /returned NaN, not a positive finite noise multiplier/);
});

test('the checks are deterministic', async () => {
  assert.deepEqual(await checkNoiseForEpsilon(noiseForEpsilon), await checkNoiseForEpsilon(noiseForEpsilon));
  const wrong = (run: DpSgdRun) => epsilonOf(run, (r) => r.epochs);
  assert.deepEqual(await checkEpsilonOf(wrong), await checkEpsilonOf(wrong));
});
