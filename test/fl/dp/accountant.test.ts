import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epsilonFor, noiseMultiplierFor, RdpAccountant } from '../../../src/fl/dp/accountant';
import { sampledGaussianRdpOrders } from '../../../src/fl/dp/rdp-sampled-gaussian';

test("Opacus's published accountant value: σ = 1.5, q = 0.04, 2250 steps, δ = 1e-5 → ε = 7.32911117143", () => {
  // pytorch/opacus opacus/tests/accountants_test.py, test_rdp_accountant: steps = int(90 / 0.04),
  // one accountant.step per step, assertAlmostEqual(epsilon, 7.32911117143) (7 places).
  const accountant = new RdpAccountant();
  for (let i = 0; i < Math.trunc(90 / 0.04); i++) accountant.step({ noiseMultiplier: 1.5, sampleRate: 0.04 });
  assert.deepEqual(accountant.history, [{ noiseMultiplier: 1.5, sampleRate: 0.04, steps: 2250 }]);
  const { epsilon, order } = accountant.getEpsilon(1e-5);
  assert.ok(Math.abs(epsilon - 7.32911117143) < 5e-8, `${epsilon}`);
  assert.ok(order > 1.1 && order < 63, `an interior order: ${order}`);
  // A count argument is the same as repeated steps.
  const batched = new RdpAccountant();
  batched.step({ noiseMultiplier: 1.5, sampleRate: 0.04 }, 2250);
  assert.equal(batched.getEpsilon(1e-5).epsilon, epsilon);
});

test('composition: heterogeneous runs add their RDP order by order', () => {
  const orders = [1.5, 2, 8, 32];
  const accountant = new RdpAccountant(orders);
  accountant.step({ noiseMultiplier: 1.1, sampleRate: 0.01 }, 100);
  accountant.step({ noiseMultiplier: 2, sampleRate: 0.05 }, 30);
  accountant.step({ noiseMultiplier: 1.1, sampleRate: 0.01 }, 50);
  assert.equal(accountant.history.length, 3);
  // The sum, computed run by run at 150 and 30 steps; RDP is linear in the step count.
  const expected = orders.map((_, k) => sampledGaussianRdpOrders(0.01, 1.1, 150, orders)[k] + sampledGaussianRdpOrders(0.05, 2, 30, orders)[k]);
  accountant.rdp().forEach((r, k) => assert.ok(Math.abs(r - expected[k]) <= 1e-12 * expected[k], `order ${orders[k]}`));
  // More steps never spend less.
  const before = accountant.getEpsilon(1e-5).epsilon;
  accountant.step({ noiseMultiplier: 2, sampleRate: 0.05 });
  assert.ok(accountant.getEpsilon(1e-5).epsilon > before);
  // Nothing recorded: nothing spent.
  assert.equal(new RdpAccountant().getEpsilon(1e-5).epsilon, 0);
});

test("noiseMultiplierFor: Opacus's published values", () => {
  // pytorch/opacus opacus/tests/accountants_test.py: ε = 8, δ = 1e-5, q = 0.04,
  // steps = 2000 → 1.3562 and epochs = 90 (steps = int(90 / 0.04)) → 1.416
  // (assertAlmostEqual places=4), both with the default epsilon_tolerance 0.01.
  const bySteps = noiseMultiplierFor({ targetEpsilon: 8, delta: 1e-5, sampleRate: 0.04, steps: 2000 });
  assert.ok(Math.abs(bySteps - 1.3562) < 5e-5, `${bySteps}`);
  const byEpochs = noiseMultiplierFor({ targetEpsilon: 8, delta: 1e-5, sampleRate: 0.04, steps: Math.trunc(90 / 0.04) });
  assert.ok(Math.abs(byEpochs - 1.416) < 5e-5, `${byEpochs}`);
});

test('noiseMultiplierFor round-trips through getEpsilon: within budget, and within the tolerance of it', () => {
  for (const q of {
    targets: [
      [1, 1e-5, 0.01, 1000],
      [3, 1e-6, 0.004, 5000],
      [0.5, 1e-5, 0.1, 50],
      [10, 1e-4, 1, 20],
    ],
  }.targets) {
    const [targetEpsilon, delta, sampleRate, steps] = q;
    for (const epsilonTolerance of [0.01, 0.001]) {
      const sigma = noiseMultiplierFor({ targetEpsilon, delta, sampleRate, steps, epsilonTolerance });
      const { epsilon } = epsilonFor({ noiseMultiplier: sigma, sampleRate, steps, delta });
      assert.ok(
        epsilon <= targetEpsilon && epsilon >= targetEpsilon - epsilonTolerance,
        `target ${targetEpsilon} (tol ${epsilonTolerance}): σ=${sigma} spends ${epsilon}`,
      );
      // A visibly smaller σ overspends: the search did not stop at a needlessly large noise.
      assert.ok(epsilonFor({ noiseMultiplier: sigma * 0.98, sampleRate, steps, delta }).epsilon > targetEpsilon - epsilonTolerance);
    }
  }
});

test('bad input is a RangeError naming the problem', () => {
  const a = new RdpAccountant();
  assert.throws(() => a.step({ noiseMultiplier: 1, sampleRate: 0 }), /sample rate must be in \(0, 1\], got 0/);
  assert.throws(() => a.step({ noiseMultiplier: 1, sampleRate: 1.01 }), /sample rate/);
  assert.throws(() => a.step({ noiseMultiplier: 0, sampleRate: 0.1 }), /noise multiplier must be a finite number > 0, got 0/);
  assert.throws(() => a.step({ noiseMultiplier: -1, sampleRate: 0.1 }), /noise multiplier/);
  assert.throws(() => a.step({ noiseMultiplier: 1, sampleRate: 0.1 }, 0), /steps must be a positive integer, got 0/);
  assert.throws(() => a.step({ noiseMultiplier: 1, sampleRate: 0.1 }, 1.5), /steps must be a positive integer/);
  assert.throws(() => a.getEpsilon(0), /delta must be in \(0, 1\), got 0/);
  assert.throws(() => a.getEpsilon(1), /delta/);
  assert.throws(() => new RdpAccountant([]), /at least one RDP order/);
  assert.throws(() => new RdpAccountant([1, 2]), /RDP order must be > 1, got 1/);
  const ok = { targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 100 };
  assert.throws(() => noiseMultiplierFor({ ...ok, targetEpsilon: 0 }), /target epsilon must be a finite number > 0/);
  assert.throws(() => noiseMultiplierFor({ ...ok, delta: 2 }), /delta/);
  assert.throws(() => noiseMultiplierFor({ ...ok, sampleRate: -0.1 }), /sample rate/);
  assert.throws(() => noiseMultiplierFor({ ...ok, steps: -3 }), /steps must be a positive integer/);
  assert.throws(() => noiseMultiplierFor({ ...ok, epsilonTolerance: 0 }), /epsilon tolerance/);
  // Below the conversion's floor at RDP = 0: at order 63, log(62/63) + (log(1/δ) − log 63)/62
  // = 0.1029 for δ = 1e-5, the smallest over the default orders.
  assert.throws(
    () => noiseMultiplierFor({ ...ok, targetEpsilon: 0.1 }),
    /target epsilon 0.1 is unreachable: at delta 0.00001 the RDP conversion gives at least 0.1029 over orders up to 63/,
  );
  // Above the floor but needing σ > 1e6 (Opacus's MAX_SIGMA): a billion steps at q = 1.
  assert.throws(() => noiseMultiplierFor({ targetEpsilon: 0.104, delta: 1e-5, sampleRate: 1, steps: 1e9 }), /even noise multiplier 1000000 spends more/);
});

test('composition: consecutive steps merge only when both σ and q are equal', () => {
  const orders = [2, 8, 32];
  const sum = (...runs: [number, number, number][]): number[] =>
    orders.map((_, k) => runs.reduce((s, [q, sigma, steps]) => s + sampledGaussianRdpOrders(q, sigma, steps, orders)[k], 0));
  const check = (a: RdpAccountant, expected: number[], what: string): void =>
    a.rdp().forEach((r, k) => assert.ok(Math.abs(r - expected[k]) <= 1e-12 * expected[k], `${what}, order ${orders[k]}: ${r} vs ${expected[k]}`));
  // Same q, different σ.
  const sigmas = new RdpAccountant(orders);
  sigmas.step({ noiseMultiplier: 1, sampleRate: 0.02 }, 40);
  sigmas.step({ noiseMultiplier: 3, sampleRate: 0.02 }, 40);
  assert.equal(sigmas.history.length, 2);
  check(sigmas, sum([0.02, 1, 40], [0.02, 3, 40]), 'same q');
  // Same σ, different q.
  const rates = new RdpAccountant(orders);
  rates.step({ noiseMultiplier: 1.2, sampleRate: 0.01 }, 40);
  rates.step({ noiseMultiplier: 1.2, sampleRate: 0.2 }, 40);
  assert.equal(rates.history.length, 2);
  check(rates, sum([0.01, 1.2, 40], [0.2, 1.2, 40]), 'same σ');
  // Both equal: one entry of 80 steps.
  const same = new RdpAccountant(orders);
  same.step({ noiseMultiplier: 1.2, sampleRate: 0.01 }, 40);
  same.step({ noiseMultiplier: 1.2, sampleRate: 0.01 }, 40);
  assert.deepEqual(same.history, [{ noiseMultiplier: 1.2, sampleRate: 0.01, steps: 80 }]);
});
