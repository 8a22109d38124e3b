import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { logAdd, logErfc, logSub } from '../../../src/fl/dp/log-space';
import { DEFAULT_RDP_ORDERS, sampledGaussianRdp, sampledGaussianRdpOrders } from '../../../src/fl/dp/rdp-sampled-gaussian';
import { epsilonAtOrder, epsilonFromRdp } from '../../../src/fl/dp/rdp-to-dp';
import { systemPython } from '../../../src/jupyter/env';
import { ROOT } from '../../support/cli';

const rel = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));
const closeRel = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(rel(a, b) <= tol, `${what}: ${a} vs ${b} (relative ${rel(a, b)} > ${tol})`);

/** The scipy quadrature reference (test/fl/dp/rdp_reference.py), one JSON request in, one out. */
function reference<T>(request: object): T {
  const script = path.join(ROOT, 'test', 'fl', 'dp', 'rdp_reference.py');
  return JSON.parse(execFileSync(systemPython(), [script], { input: JSON.stringify(request), encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] }));
}

test('log-space helpers: sums, differences, and log erfc against tabulated values and the tail expansion', () => {
  closeRel(logAdd(Math.log(2), Math.log(3)), Math.log(5), 1e-15, 'log 2 + 3');
  assert.equal(logAdd(-Infinity, 1.5), 1.5);
  closeRel(logSub(Math.log(5), Math.log(3)), Math.log(2), 1e-15, 'log 5 − 3');
  assert.equal(logSub(2, 2), -Infinity);
  assert.throws(() => logSub(1, 2), /negative/);
  // erfc(x) to 16 digits (Abramowitz & Stegun table 7.1 / any CAS).
  const table: [number, number][] = [
    [0, 1],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [1.5, 0.033894853524689274],
    [2, 0.004677734981047266],
    [3, 2.209049699858544e-5],
    [5, 1.5374597944280349e-12],
    [10, 2.088487583762545e-45],
    [-1, 1.8427007929497148],
  ];
  for (const [x, erfc] of table) closeRel(logErfc(x), Math.log(erfc), 1e-14, `log erfc(${x})`);
  // Far tail, where erfc underflows: erfc(x) ~ e^{-x²}/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶)).
  for (const x of [40, 100, 1000]) {
    const series = 1 - 1 / (2 * x * x) + 3 / (4 * x ** 4) - 15 / (8 * x ** 6);
    closeRel(logErfc(x), -x * x - Math.log(x * Math.sqrt(Math.PI)) + Math.log(series), 1e-14, `log erfc(${x})`);
  }
});

test("default orders are Opacus's: 1.1 … 10.9 by 0.1, then 12 … 63", () => {
  assert.equal(DEFAULT_RDP_ORDERS.length, 99 + 52);
  assert.equal(DEFAULT_RDP_ORDERS[0], 1.1);
  assert.equal(DEFAULT_RDP_ORDERS[98], 10.9);
  assert.equal(DEFAULT_RDP_ORDERS[99], 12);
  assert.equal(DEFAULT_RDP_ORDERS[150], 63);
});

test('published RDP values (TF Privacy, dp_accounting)', () => {
  // tensorflow/privacy rdp_accountant_test.py, test_compute_rdp_scalar:
  //   compute_rdp(q=0.1, noise_multiplier=2, steps=10, orders=5) ≈ 0.07737 (places=5).
  assert.ok(Math.abs(sampledGaussianRdpOrders(0.1, 2, 10, [5])[0] - 0.07737) < 5e-6);
  // test_compute_rdp_no_sampling: q = 1 is the Gaussian mechanism, α/(2σ²) = 20/200.
  assert.equal(sampledGaussianRdp(1, 10, 20), 0.1);
  // tensorflow/privacy test_compute_rdp_sequence: q = 0.01, σ = 2.5, 50 steps,
  //   orders [1.5, 2.5, 5, 50, 100, ∞] → [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307, ∞] (delta=1e-5).
  const orders = [1.5, 2.5, 5, 50, 100, Infinity];
  const rdp = sampledGaussianRdpOrders(0.01, 2.5, 50, orders);
  [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307].forEach((v, k) => assert.ok(Math.abs(rdp[k] - v) < 1e-5, `order ${orders[k]}: ${rdp[k]} vs ${v}`));
  assert.equal(rdp[5], Infinity);
  // google/differential-privacy dp_accounting rdp_privacy_accountant_test.py,
  // test_compute_rdp_poisson_sampled_gaussian, same setting, 9 digits. At integer orders its
  // series is the same sum: match to 1e-8.
  [
    [2, 2.18075656e-3],
    [3, 2.38460375e-2],
    [4, 1.67416308e2],
  ].forEach(([k, v]) => closeRel(rdp[k], v, 1e-8, `order ${orders[k]}`));
  // At fractional orders dp_accounting adds the series' terms' absolute values (an upper
  // bound: 6.70579741e-4 and 1.08548710e-3); Opacus's signed sum, followed here, is below it.
  assert.ok(rdp[0] < 6.70579741e-4 && rdp[1] < 1.0854871e-3);
});

test('RDP at integer and fractional orders agrees with scipy quadrature of the Rényi divergence', () => {
  const cases = [
    { q: 0.04, sigma: 1.5, orders: [1.1, 1.5, 2, 3.9, 4, 10.5, 32, 63] },
    { q: 0.01, sigma: 2.5, orders: [1.5, 2.5, 5, 50, 100] },
    { q: 0.1, sigma: 0.8, orders: [1.3, 2, 7.7, 20] },
    { q: 0.5, sigma: 20, orders: [1.5, 3] },
    // Extreme: huge divergences from a tiny σ, and q near 1.
    { q: 1e-6, sigma: 0.1, orders: [256] },
    { q: 0.99, sigma: 0.1, orders: [256, 256.1] },
    { q: 0.999, sigma: 100, orders: [256.1] },
  ];
  const ref = reference<{ rdp: number[][] }>({ cases }).rdp;
  cases.forEach((c, i) => c.orders.forEach((a, k) => closeRel(sampledGaussianRdp(c.q, c.sigma, a), ref[i][k], 1e-8, `q=${c.q} σ=${c.sigma} α=${a}`)));
  // Tiny q: A_α − 1 is ~1e-8 and the log-space series is exact only to ~1e-16 absolute in A_α
  // (and stops at terms below e^-30, as Opacus does), so agreement is relative 1e-6 here.
  const tiny = [
    { q: 1e-4, sigma: 1, orders: [1.5] },
    { q: 1e-3, sigma: 5, orders: [2.5] },
    { q: 1e-3, sigma: 1, orders: [2] },
  ];
  const refTiny = reference<{ rdp: number[][] }>({ cases: tiny }).rdp;
  tiny.forEach((c, i) => c.orders.forEach((a, k) => closeRel(sampledGaussianRdp(c.q, c.sigma, a), refTiny[i][k], 1e-6, `q=${c.q} σ=${c.sigma} α=${a}`)));
});

test('(ε, δ) conversion: published values (TF Privacy / dp_accounting, Opacus docstring)', () => {
  // tensorflow/privacy test_get_privacy_spent_check_target_delta (also dp_accounting
  // test_compute_epsilon_delta_pure_dp): constant RDP 1.1 at orders 2..32, δ = 1e-5 →
  // ε = 1.32783806176 at order 32 (assertAlmostEqual, 7 places).
  const orders = Array.from({ length: 31 }, (_, i) => i + 2);
  const pure = epsilonFromRdp(
    orders,
    orders.map(() => 1.1),
    1e-5,
  );
  assert.ok(Math.abs(pure.epsilon - 1.32783806176) < 5e-8, `${pure.epsilon}`);
  assert.equal(pure.order, 32);
  // Same test, second part: the Gaussian mechanism (q = 1) with σ = 4.530877117 "is chosen to
  // obtain exactly (1, 1e-6)-DP" over orders 0.001·i, i = 1000 … 99999 (order 1 itself is
  // excluded here: the bound needs α > 1).
  const fine = Array.from({ length: 98999 }, (_, i) => 0.001 * (i + 1001));
  const gauss = epsilonFromRdp(fine, sampledGaussianRdpOrders(1, 4.530877117, 1, fine), 1e-6);
  assert.ok(Math.abs(gauss.epsilon - 1) < 5e-8, `${gauss.epsilon}`);
  // opacus/accountants/analysis/rdp.py module docstring: steps (q, σ, T) = (1e-5, 1.0, 10) and
  // (1e-4, 3.0, 4), orders 2..32, δ = 1e-5 → (0.336, 23) (doctest +NUMBER: 3 decimals).
  const rdp = sampledGaussianRdpOrders(1e-5, 1.0, 10, orders).map((r, k) => r + sampledGaussianRdpOrders(1e-4, 3.0, 4, orders)[k]);
  const doc = epsilonFromRdp(orders, rdp, 1e-5);
  assert.ok(Math.abs(doc.epsilon - 0.336) < 5e-4, `${doc.epsilon}`);
  assert.equal(doc.order, 23);
});

test('(ε, δ) conversion by brute force: a scan over orders with quadrature RDP and the bound restated in Python', () => {
  const setting = { q: 0.04, sigma: 1.5, steps: 2250, delta: 1e-5 };
  const ref = reference<{ epsilon: number; order: number }>({ epsilon: { ...setting, orders: DEFAULT_RDP_ORDERS } });
  const ours = epsilonFromRdp(DEFAULT_RDP_ORDERS, sampledGaussianRdpOrders(setting.q, setting.sigma, setting.steps), setting.delta);
  closeRel(ours.epsilon, ref.epsilon, 1e-8, 'ε');
  assert.equal(ours.order, ref.order);
});

test('(ε, δ) conversion of the Gaussian mechanism: a fine scan bounds it, and it bounds the exact δ(ε)', () => {
  // q = 1: RDP = T·α/(2σ²) in closed form. Scan α on a grid 100x finer than the defaults.
  const sigma = 3,
    steps = 10,
    delta = 1e-5;
  let scanMin = Infinity;
  for (let a = 1.001; a < 64; a += 0.001) {
    const eps = (steps * a) / (2 * sigma * sigma) + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    scanMin = Math.min(scanMin, eps);
  }
  const ours = epsilonFromRdp(DEFAULT_RDP_ORDERS, sampledGaussianRdpOrders(1, sigma, steps), delta);
  assert.ok(ours.epsilon >= scanMin - 1e-12, 'no finite set of orders beats the continuum');
  assert.ok(ours.epsilon <= scanMin * 1.001, `default orders are within 0.1 % of the scan's optimum: ${ours.epsilon} vs ${scanMin}`);
  // The exact privacy profile of the Gaussian mechanism with μ = √T/σ (Balle & Wang 2018,
  // Theorem 8): δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2). The RDP bound is valid, so the
  // exact δ at our ε is at most the requested δ.
  const mu = Math.sqrt(steps) / sigma;
  const phi = (x: number): number => Math.exp(logErfc(-x / Math.SQRT2)) / 2;
  const exactDelta = phi(-ours.epsilon / mu + mu / 2) - Math.exp(ours.epsilon) * phi(-ours.epsilon / mu - mu / 2);
  assert.ok(exactDelta <= delta && exactDelta > delta / 100, `exact δ at ε=${ours.epsilon}: ${exactDelta}`);
});

test('bad input is a RangeError naming the problem', () => {
  assert.throws(() => sampledGaussianRdp(0, 1, 2), /sample rate must be in \(0, 1\]/);
  assert.throws(() => sampledGaussianRdp(1.5, 1, 2), /sample rate/);
  assert.throws(() => sampledGaussianRdp(0.1, 0, 2), /noise multiplier must be a finite number > 0/);
  assert.throws(() => sampledGaussianRdp(0.1, 1, 1), /RDP order must be > 1/);
  assert.throws(() => sampledGaussianRdp(0.1, 1, 1e10), /RDP order 10000000000 is too large for the series/);
  assert.equal(sampledGaussianRdp(1, 2, 1e10), 1e10 / 8, 'no series without sampling');
  assert.throws(() => sampledGaussianRdpOrders(0.1, 1, 2.5, [2]), /steps must be a positive integer/);
  assert.throws(() => epsilonFromRdp([2, 3], [0.1], 1e-5), /2 orders but 1 RDP values/);
  assert.throws(() => epsilonFromRdp([2], [0.1], 0), /delta must be in \(0, 1\)/);
  assert.throws(() => epsilonFromRdp([2], [0.1], 1), /delta/);
  assert.throws(() => epsilonFromRdp([2], [-0.1], 1e-5), /RDP values must be ≥ 0/);
});

test('large orders, where the binomial coefficients leave the double range (C(2000, 1000) ≈ 2e600), agree with quadrature', () => {
  const orders = [700, 1000, 1000.5, 2000];
  const ref = reference<{ rdp: number[][] }>({ cases: [{ q: 0.01, sigma: 10, orders }] }).rdp[0];
  orders.forEach((a, k) => closeRel(sampledGaussianRdp(0.01, 10, a), ref[k], 1e-8, `α=${a}`));
  assert.ok(orders.every((a) => Number.isFinite(sampledGaussianRdp(0.01, 10, a))));
});

test('log-space and conversion edge cases: infinities, NaN, an empty order list, and ε clamped at 0', () => {
  assert.equal(logAdd(-Infinity, -Infinity), -Infinity);
  assert.equal(logAdd(0.25, -Infinity), 0.25);
  assert.equal(logSub(1.5, -Infinity), 1.5);
  assert.equal(logSub(-Infinity, -Infinity), -Infinity);
  assert.ok(Number.isNaN(logErfc(NaN)));
  assert.equal(logErfc(Infinity), -Infinity);
  closeRel(logErfc(-Infinity), Math.log(2), 1e-15, 'log erfc(−∞)');
  assert.equal(epsilonAtOrder(Infinity, 2, 1e-5), Infinity);
  assert.throws(() => epsilonFromRdp([], [], 1e-5), /no RDP orders given/);
  // Zero RDP at order 2 with δ = 0.9: the bound ε = 0 + log(1/2) − (log 0.9 + log 2)/1 = −1.28 is
  // negative; a guarantee is never below 0.
  const bound = Math.log(0.5) - (Math.log(0.9) + Math.log(2));
  assert.ok(bound < -1);
  closeRel(epsilonAtOrder(0, 2, 0.9), bound, 1e-15, 'ε at order 2');
  assert.deepEqual(epsilonFromRdp([2], [0], 0.9), { epsilon: 0, order: 2 });
});
