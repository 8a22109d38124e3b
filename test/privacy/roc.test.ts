/**
 * ROC curve, AUC and TPR at low FPR: against scikit-learn (roc_curve, roc_auc_score) on random
 * and tie-heavy scores, and against known answers (chance, separable, a Gaussian shift).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAttack, rocAuc, rocCurve, tprAtFpr } from '../../src/privacy';
import { SeededRng } from '../../src/util/rng';
import { normals, reference, RocAnswer } from './reference';

function integers(seed: number, n: number, values: number, offset = 0): number[] {
  const rng = new SeededRng(seed);
  return Array.from({ length: n }, () => rng.nextInt(values) + offset);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test('rocCurve and rocAuc agree with scikit-learn on random, tie-heavy and tiny inputs', () => {
  const cases: [string, number[], number[]][] = [
    ['gaussian', Array.from(normals(1, 300, 0.5)), Array.from(normals(2, 400))],
    ['ties (5 values)', integers(3, 200, 5, 1), integers(4, 150, 5)],
    ['ties (2 values)', integers(5, 60, 2), integers(6, 90, 2)],
    ['one each, tied', [1], [1]],
    ['reversed', [0, 1, 2], [3, 4]],
  ];
  const answers = reference<RocAnswer>(cases.map(([, m, n]) => ({ op: 'roc', members: m, non_members: n })));
  cases.forEach(([name, m, n], k) => {
    const ref = answers[k];
    assert.ok(Math.abs(rocAuc(m, n) - ref.auc) < 1e-12, `${name}: AUC ${rocAuc(m, n)} vs ${ref.auc}`);
    const c = rocCurve(m, n);
    assertClose(c.fpr, ref.fpr, 1e-12, `${name} fpr`);
    assertClose(c.tpr, ref.tpr, 1e-12, `${name} tpr`);
    assert.equal(c.thresholds[0], Infinity, 'the first point flags nothing');
    assert.deepEqual(Array.from(c.thresholds.subarray(1)), ref.thresholds.slice(1), `${name} thresholds`);
  });
});

test('identical member and non-member distributions give AUC 0.5 within 3 standard errors', () => {
  const m = 2000;
  const n = 2000;
  // The AUC's standard error under the null (Mann–Whitney U with no ties).
  const se = Math.sqrt((m + n + 1) / (12 * m * n));
  for (const seed of [10, 20, 30]) {
    const auc = rocAuc(normals(seed, m), normals(seed + 1, n));
    assert.ok(Math.abs(auc - 0.5) <= 3 * se, `seed ${seed}: AUC ${auc}, se ${se}`);
  }
});

test('separable scores give AUC 1 (0 when reversed) and TPR 1 at FPR 0', () => {
  const high = Array.from({ length: 10 }, (_, i) => 10 + i);
  const low = Array.from({ length: 10 }, (_, i) => i);
  assert.equal(rocAuc(high, low), 1);
  assert.equal(rocAuc(low, high), 0);
  assert.equal(tprAtFpr(rocCurve(high, low), 0), 1);
  assert.equal(tprAtFpr(rocCurve(low, high), 0.5), 0);
  assert.equal(rocAuc([2, 2], [2, 2, 2]), 0.5, 'all tied: one diagonal step');
});

test('N(Δ, 1) members vs N(0, 1) non-members: AUC = Φ(Δ/√2)', () => {
  const m = 3000;
  const n = 3000;
  const deltas = [0.5, 1, 2];
  const expected = reference<number>(deltas.map((d) => ({ op: 'norm_cdf', x: d / Math.SQRT2 })));
  deltas.forEach((d, k) => {
    const a = expected[k];
    // Hanley & McNeil's standard error of an AUC a from m positives and n negatives.
    const q1 = a / (2 - a);
    const q2 = (2 * a * a) / (1 + a);
    const se = Math.sqrt((a * (1 - a) + (m - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / (m * n));
    const auc = rocAuc(normals(100 + k, m, d), normals(200 + k, n));
    assert.ok(Math.abs(auc - a) <= 3 * se, `Δ = ${d}: AUC ${auc} vs Φ(Δ/√2) = ${a} (se ${se})`);
  });
});

test('tprAtFpr takes the best TPR among points with FPR ≤ the limit', () => {
  // Points (fp, tp): (0,0) (0,1) (1,1) (1,2) (1,3) (1,4) (1,5) (2,5).
  const c = rocCurve([5, 4, 3, 2, 1], [4.5, 0]);
  assert.deepEqual(Array.from(c.tpr), [0, 0.2, 0.2, 0.4, 0.6, 0.8, 1, 1]);
  assert.equal(tprAtFpr(c, 0), 0.2);
  assert.equal(tprAtFpr(c, 0.49), 0.2);
  assert.equal(tprAtFpr(c, 0.5), 1);
  assert.equal(tprAtFpr(c, 1), 1);
  assert.throws(() => tprAtFpr(c, 1.5), /maxFpr must be in \[0, 1\], got 1.5/);
  assert.throws(() => tprAtFpr(c, NaN), RangeError);
});

test('bad scores are refused with the reason', () => {
  assert.throws(() => rocAuc([], [1]), /member scores is empty/);
  assert.throws(() => rocCurve([1], [0, NaN]), /non-member scores\[1\] is NaN/);
  assert.throws(() => rocAuc(null as unknown as number[], [1]), TypeError);
  // ±Infinity is a score like any other (e.g. −loss for a zero probability).
  assert.equal(rocAuc([Infinity, 1], [-Infinity, 1]), 0.875);
});

test('evaluateAttack reports the same numbers as the separate metrics, and a log-spaced curve', () => {
  const members = normals(7, 1500, 1);
  const nonMembers = normals(8, 1000);
  const r = evaluateAttack('gauss', members, nonMembers, { delta: 1e-5 });
  const c = rocCurve(members, nonMembers);
  assert.equal(r.attack, 'gauss');
  assert.equal(r.members, 1500);
  assert.equal(r.nonMembers, 1000);
  assert.equal(r.auc, rocAuc(members, nonMembers));
  assert.equal(r.tprAt1PctFpr, tprAtFpr(c, 0.01));
  assert.equal(r.tprAt01PctFpr, tprAtFpr(c, 0.001));
  assert.ok(r.tprAt1PctFpr > r.tprAt01PctFpr && r.tprAt1PctFpr < 0.2, `${r.tprAt1PctFpr}`);
  assert.equal(r.delta, 1e-5);
  // The plotted curve: FPR log-spaced from min(1/n, 1e-5) to 1, TPR non-decreasing, ending at (1, 1).
  const { fpr, tpr } = r.curve;
  assert.equal(fpr.length, 100);
  assert.ok(Math.abs(fpr[0] - 1e-5) < 1e-18);
  assert.equal(fpr[fpr.length - 1], 1);
  assert.equal(tpr[tpr.length - 1], 1);
  const ratios = fpr.slice(1, -1).map((f, i) => f / fpr[i]);
  assert.ok(
    ratios.every((q) => Math.abs(q - ratios[0]) < 1e-9),
    'constant ratio between points',
  );
  assert.ok(tpr.every((t, i) => i === 0 || t >= tpr[i - 1]));
  fpr.forEach((f, i) => assert.equal(tpr[i], tprAtFpr(c, f)));
  assert.ok(r.epsilonLowerBound > 0 && r.epsilonLowerBound < r.epsilonPointEstimate);
  assert.throws(() => evaluateAttack('', [1], [0]), /an attack needs a name/);
});
