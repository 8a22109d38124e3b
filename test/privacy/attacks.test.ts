/**
 * The attacks on constructed inputs: loss threshold, the per-example statistics of model
 * outputs, LiRA's offline score (against scipy's normal tail), and GAN-Leaks (against a
 * brute-force distance computed another way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  crossEntropyFromLogits,
  evaluateAttack,
  ganLeaksCalibratedScores,
  ganLeaksScores,
  liraOfflineScores,
  logitScaledConfidence,
  logitScaledConfidenceFromLogits,
  lossThresholdScores,
  nearestGenerated,
  outConfidences,
  rocAuc,
  shadowMemberships,
  trainingIndices,
} from '../../src/privacy';
import { selectBackend } from '../../src/backend';
import { SeededRng } from '../../src/util/rng';
import { normals, reference } from './reference';

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('loss threshold: score = −loss, so lower losses rank as members', () => {
  assert.deepEqual(Array.from(lossThresholdScores([0.1, 2, Infinity])), [-0.1, -2, -Infinity]);
  assert.throws(() => lossThresholdScores([1, NaN]), /losses\[1\] is NaN/);
  assert.equal(rocAuc(lossThresholdScores([0.01, 0.02, 0.5]), lossThresholdScores([0.3, 1, 2])), 8 / 9);
});

test('logit-scaled confidence from probabilities and from logits agree, and the logit form never saturates', () => {
  const rng = new SeededRng(5);
  const classes = 4;
  const n = 50;
  const logits = Array.from({ length: n * classes }, () => 8 * (rng.next() - 0.5));
  const labels = Array.from({ length: n }, () => rng.nextInt(classes));
  const probs = labels.map((y, i) => {
    const row = logits.slice(i * classes, (i + 1) * classes);
    const sum = row.reduce((s, z) => s + Math.exp(z), 0);
    return Math.exp(row[y]) / sum;
  });
  const fromP = logitScaledConfidence(probs);
  const fromZ = logitScaledConfidenceFromLogits(logits, labels, classes);
  const ce = crossEntropyFromLogits(logits, labels, classes);
  for (let i = 0; i < n; i++) {
    close(fromP[i], Math.log(probs[i] / (1 - probs[i])), 1e-9, `φ(p) ${i}`);
    close(fromZ[i], fromP[i], 1e-9, `φ(z) ${i}`);
    close(ce[i], -Math.log(probs[i]), 1e-12, `cross-entropy ${i}`);
  }
  // Two classes: φ is the logit difference. Far out, p rounds to 1 but the logits do not.
  assert.deepEqual(Array.from(logitScaledConfidenceFromLogits([3, 1, 0, 100], [0, 1], 2)), [2, 100]);
  close(logitScaledConfidenceFromLogits([100, 0, 0], [0], 3)[0], 100 - Math.log(2), 1e-12, 'φ at logit 100');
  assert.deepEqual(Array.from(crossEntropyFromLogits([1000, 0], [1], 2)), [1000]);
  // p of exactly 0 or 1: the 1e-45 floor of the reference code, not ±Infinity.
  const ends = logitScaledConfidence([0, 0.5, 1]);
  close(ends[0], Math.log(1e-45), 1e-12, 'φ(0)');
  assert.equal(ends[1], 0);
  close(ends[2], -Math.log(1e-45), 1e-12, 'φ(1)');
  assert.throws(() => logitScaledConfidence([1.5]), /probabilities\[0\] is 1.5, not in \[0, 1\]/);
  assert.throws(() => logitScaledConfidenceFromLogits([1, 2, 3], [0], 2), /1 labels of 2 classes need 2 logits, got 3/);
  assert.throws(() => crossEntropyFromLogits([1, 2], [2], 2), /labels\[0\] is 2, not a class in \[0, 2\)/);
});

test('LiRA offline: −ln P(Z ≥ φ) under each example’s OUT Gaussian, per-example or pooled σ (scipy norm.logsf)', () => {
  const target = [3, 0, -3, 1];
  const out = [
    [0, 0.5, -0.5],
    [0, 1, -1],
    [0, 1, -1],
    [2, 4],
  ];
  // Means 0, 0, 0, 3; unbiased σ 0.5, 1, 1, √2. Pooled σ² = (0.5 + 2 + 2 + 2)/(2 + 2 + 2 + 1).
  const z = [6, 0, -3, -2 / Math.SQRT2];
  const pooled = Math.sqrt(6.5 / 7);
  const zFixed = [3 / pooled, 0, -3 / pooled, -2 / pooled];
  const ref = reference<number>([...z, ...zFixed].map((x) => ({ op: 'norm_logsf', x })));
  const s = liraOfflineScores(target, out);
  const f = liraOfflineScores(target, out, { fixedVariance: true });
  z.forEach((_, i) => close(s[i], -ref[i], 1e-12 * Math.max(1, Math.abs(ref[i])), `score ${i}`));
  zFixed.forEach((_, i) => close(f[i], -ref[z.length + i], 1e-12 * Math.max(1, Math.abs(ref[z.length + i])), `fixed-variance score ${i}`));
  // Far in the tail the score keeps growing where 1 − p would have rounded to 1.
  const far = liraOfflineScores(
    [20, 40],
    [
      [0, 1, -1],
      [0, 1, -1],
    ],
  );
  assert.ok(far[1] > far[0] && far[0] > 150, `${far[0]}, ${far[1]}`);
  assert.throws(() => liraOfflineScores([1], [[0.5]]), /example 0 has 1 OUT shadow confidence\(s\); a per-example variance needs at least 2/);
  assert.throws(() => liraOfflineScores([1], [[0.5]], { fixedVariance: true }), /fixedVariance needs some example with at least 2/);
  assert.throws(() => liraOfflineScores([1, 2], [[0, 1]]), /one array per example \(2\), got 1/);
  assert.throws(() => liraOfflineScores([Infinity], [[0, 1]]), /target confidences\[0\] is Infinity/);
});

test('LiRA separates members from non-members when example difficulty varies, where a global threshold cannot', () => {
  // φ of example i under a model not trained on it ~ N(d_i, 1), with difficulty d_i ~ N(0, 3²);
  // training on it adds 2. A global threshold on φ sees mostly the spread of d_i.
  const n = 1000;
  const shadows = 8;
  const difficulty = normals(1, 2 * n, 0, 3);
  const noise = normals(2, 2 * n);
  const shadowNoise = normals(3, 2 * n * shadows);
  const target = difficulty.map((d, i) => d + noise[i] + (i < n ? 2 : 0));
  const out = Array.from(difficulty, (d, i) => Array.from(shadowNoise.subarray(i * shadows, (i + 1) * shadows), (e) => d + e));
  const lira = liraOfflineScores(target, out);
  const liraFixed = liraOfflineScores(target, out, { fixedVariance: true });
  const global = evaluateAttack('global', target.subarray(0, n), target.subarray(n));
  const calibrated = evaluateAttack('lira', lira.subarray(0, n), lira.subarray(n));
  const calibratedFixed = evaluateAttack('lira-fixed', liraFixed.subarray(0, n), liraFixed.subarray(n));
  // With known μ and σ = 1 the AUC would be Φ(2/√2) = 0.92; estimated from 8 shadows it is a little lower.
  assert.ok(calibrated.auc > 0.85 && global.auc < 0.75, `LiRA ${calibrated.auc}, global ${global.auc}`);
  assert.ok(calibratedFixed.auc > 0.88, `fixed variance ${calibratedFixed.auc}`);
  assert.ok(calibrated.tprAt1PctFpr > 2 * global.tprAt1PctFpr, `TPR@1%: LiRA ${calibrated.tprAt1PctFpr}, global ${global.tprAt1PctFpr}`);
});

/** Distances the plain way: every pair, Math.hypot of the differences. */
function bruteForce(queries: Float32Array, generated: Float32Array, dim: number): { distance: number[]; index: number[] } {
  const distance: number[] = [];
  const index: number[] = [];
  for (let i = 0; i < queries.length / dim; i++) {
    const all = Array.from({ length: generated.length / dim }, (_, j) =>
      Math.hypot(...Array.from({ length: dim }, (_, k) => queries[i * dim + k] - generated[j * dim + k])),
    );
    const best = Math.min(...all);
    distance.push(best);
    index.push(all.indexOf(best));
  }
  return { distance, index };
}

test('GAN-Leaks: the nearest generated sample matches a brute-force search, by either method, also for near-duplicates far from 0', async () => {
  await selectBackend({ backend: 'native', quiet: true });
  const dim = 32;
  const rng = new SeededRng(21);
  for (const offset of [0, 100]) {
    const generated = Float32Array.from(normals(21 + offset, 400 * dim), (v) => v + offset);
    // Fresh draws, exact copies, and copies moved by 1e-3 (where float32 screening must not guess).
    const queries = new Float32Array(90 * dim);
    queries.set(Float32Array.from(normals(22 + offset, 30 * dim), (v) => v + offset));
    const jitter = normals(23 + offset, 30 * dim, 0, 1e-3);
    for (let i = 30; i < 90; i++) {
      const j = rng.nextInt(400);
      for (let k = 0; k < dim; k++) queries[i * dim + k] = generated[j * dim + k] + (i >= 60 ? jitter[(i - 60) * dim + k] : 0);
    }
    const want = bruteForce(queries, generated, dim);
    for (const method of ['brute-force', 'screen'] as const) {
      const got = nearestGenerated(queries, generated, dim, { method });
      assert.deepEqual(Array.from(got.index), want.index, `${method}, offset ${offset}: indices`);
      got.distance.forEach((d, i) => close(d, want.distance[i], 1e-9 * Math.max(1, want.distance[i]), `${method}, offset ${offset}: distance ${i}`));
      assert.ok(
        got.distance.subarray(30, 60).every((d) => d === 0),
        'copies are at distance exactly 0',
      );
    }
  }
  // Near-ties far from 0: per query 8 samples at radius 1 ± 4e-4 around a point 1000 out, where the
  // float32 product errs by whole units; only the exact recheck within the error bound gets these right.
  const far = 20;
  const nearTieQueries = new Float32Array(far * dim);
  const nearTieGenerated = new Float32Array(far * 8 * dim);
  const directions = normals(31, far * 8 * dim);
  for (let i = 0; i < far; i++) {
    for (let k = 0; k < dim; k++) nearTieQueries[i * dim + k] = 1000 + i;
    for (let c = 0; c < 8; c++) {
      const row = (i * 8 + c) * dim;
      const norm = Math.hypot(...directions.subarray(row, row + dim));
      const radius = 1 + 1e-4 * (rng.nextInt(9) - 4);
      for (let k = 0; k < dim; k++) nearTieGenerated[row + k] = 1000 + i + (radius * directions[row + k]) / norm;
    }
  }
  const nearTie = nearestGenerated(nearTieQueries, nearTieGenerated, dim, { method: 'screen' });
  assert.deepEqual(Array.from(nearTie.index), bruteForce(nearTieQueries, nearTieGenerated, dim).index);
  assert.throws(
    () => nearestGenerated(new Float32Array(4), new Float32Array(4), 2, { method: 'kd' as 'screen' }),
    /method must be 'screen' or 'brute-force', got kd/,
  );
});

test('GAN-Leaks: copies of generated samples score highest; calibration subtracts the reference distance', () => {
  const dim = 16;
  const generated = Float32Array.from(normals(11, 300 * dim));
  const fresh = Float32Array.from(normals(12, 40 * dim));
  const want = bruteForce(fresh, generated, dim);

  // Members: exact copies of generated samples (a generator that memorised them). Non-members: fresh draws.
  const rng = new SeededRng(13);
  const copies = new Float32Array(40 * dim);
  for (let i = 0; i < 40; i++) {
    const j = rng.nextInt(300);
    copies.set(generated.subarray(j * dim, (j + 1) * dim), i * dim);
  }
  const memberScores = ganLeaksScores(copies, generated, dim);
  const nonMemberScores = ganLeaksScores(fresh, generated, dim);
  assert.ok(
    memberScores.every((s) => s === 0),
    'a copy is at distance 0',
  );
  assert.ok(nonMemberScores.every((s) => s < 0));
  assert.equal(rocAuc(memberScores, nonMemberScores), 1);

  // Calibration: distance to a reference generator's samples minus distance to the target's.
  const referenceGenerated = Float32Array.from(normals(14, 300 * dim));
  const cal = ganLeaksCalibratedScores(fresh, generated, referenceGenerated, dim);
  const refDist = bruteForce(fresh, referenceGenerated, dim).distance;
  cal.forEach((s, i) => close(s, refDist[i] - want.distance[i], 1e-9, `calibrated ${i}`));

  assert.throws(() => ganLeaksScores(new Float32Array(10), generated, dim), /queries holds 10 values, not a positive multiple of dim 16/);
  assert.throws(() => ganLeaksScores(fresh, new Float32Array(0), dim), /generated holds 0 values/);
  assert.throws(() => ganLeaksScores([1, 2] as unknown as Float32Array, generated, 2), /queries must be a Float32Array/);
  assert.throws(() => ganLeaksScores(fresh, generated, 0), /dim must be an integer ≥ 1, got 0/);
});

test('shadow memberships: every example in exactly half of the models; OUT confidences are the other half', () => {
  const inModel = shadowMemberships(1000, 8, new SeededRng(1));
  assert.equal(inModel.length, 8);
  for (let i = 0; i < 1000; i++) assert.equal(inModel.filter((row) => row[i]).length, 4, `example ${i}`);
  // Each model trains on about half of the pool: Binomial(1000, 1/2) has σ ≈ 16.
  for (let m = 0; m < 8; m++) assert.ok(Math.abs(trainingIndices(inModel, m).length - 500) < 64, `model ${m}: ${trainingIndices(inModel, m).length}`);
  assert.deepEqual(shadowMemberships(50, 4, new SeededRng(2)), shadowMemberships(50, 4, new SeededRng(2)), 'seeded');
  // Model m's confidence for example i encoded as 100·m + i, to read back which models were kept.
  const confidences = inModel.map((_, m) => Float64Array.from({ length: 1000 }, (_, i) => 100 * m + i));
  const out = outConfidences(confidences, inModel);
  out.forEach((values, i) => {
    assert.deepEqual(
      values.map((v) => (v - i) / 100),
      inModel.flatMap((row, m) => (row[i] ? [] : [m])),
    );
  });
  assert.throws(() => shadowMemberships(10, 3, new SeededRng(1)), /models must be an even integer ≥ 2/);
  assert.throws(() => outConfidences(confidences.slice(1), inModel), /7 models' confidences for 8 models' memberships/);
  assert.throws(() => trainingIndices(inModel, 8), /no model 8 \(there are 8\)/);
});
