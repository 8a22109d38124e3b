/**
 * The privacy code's input contracts, each at and beyond its boundary (survivors of the sampled
 * mutation run on src/privacy: guards that no test reached, so a mutant that dropped one lived):
 * the incomplete beta's domain and its exact ends, the Clopper–Pearson interval's trial and success
 * counts and its one-sided ends, the beta quantile's p, and LiRA's shadow memberships, where each
 * example goes into exactly half of an even number of models; then, in process (the CLI tests run
 * them in a child, which mutation coverage does not see), the score files' error paths, the other
 * modules' guards, and GAN-Leaks' screen beside a far sample.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFileError } from '../../src/data/errors';
import { encodeNpy } from '../../src/metrics/npy';
import { logSpacedCurve } from '../../src/privacy/evaluate';
import { nearestGenerated } from '../../src/privacy/gan-leaks';
import { crossEntropyFromLogits } from '../../src/privacy/model-outputs';
import { tprAtFpr } from '../../src/privacy/roc';
import { MAX_SCORE_FILE_BYTES, readScoreFile } from '../../src/privacy/score-files';
import { outConfidences } from '../../src/privacy/shadow-splits';
import { tmpDir } from '../support/tmp';
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

test('readScoreFile: a missing, an oversized or an empty file is refused by name; only the .npy magic makes a file .npy', () => {
  const dir = tmpDir('privlab-score-files-');
  const refused = (file: string, why: RegExp): void =>
    assert.throws(
      () => readScoreFile(file),
      (e: unknown) => e instanceof DataFileError && e.message.startsWith(file) && why.test(e.message),
      `${path.basename(file)}: ${why}`,
    );
  refused(path.join(dir, 'absent.txt'), /file not found/);
  const huge = path.join(dir, 'huge.txt');
  fs.writeFileSync(huge, '');
  fs.truncateSync(huge, MAX_SCORE_FILE_BYTES + 1); // sparse: no disk used
  refused(huge, new RegExp(`${MAX_SCORE_FILE_BYTES + 1} bytes is more than the ${MAX_SCORE_FILE_BYTES}`));
  const emptyNpy = path.join(dir, 'empty.npy');
  fs.writeFileSync(emptyNpy, encodeNpy({ shape: [0], data: [] }));
  refused(emptyNpy, /holds no scores/);
  const comments = path.join(dir, 'comments.txt');
  fs.writeFileSync(comments, '# no scores\n\n');
  refused(comments, /holds no scores/);
  // "NUMPY" without the 0x93 byte before it is text, read line by line (and not a number).
  const lookalike = path.join(dir, 'lookalike.txt');
  fs.writeFileSync(lookalike, 'xNUMPY 1.0\n');
  refused(lookalike, /line 1: "xNUMPY 1.0" is not a number/);
  const npy = path.join(dir, 'two.npy');
  fs.writeFileSync(npy, encodeNpy({ shape: [2], data: [0.25, -3] }));
  assert.deepEqual([...readScoreFile(npy)], [0.25, -3]);
});

test('the attacks’ other guards: finite GAN-Leaks rows, ≥ 2 classes, a non-empty ROC curve, confidences per model, ≥ 2 plotted points', () => {
  const rows = Float32Array.from([0, 1, 2, 3]);
  const curve = (fpr: number[], tpr: number[]) => ({ fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: new Float64Array(fpr.length) });
  assert.throws(() => nearestGenerated(Float32Array.from([0, Number.NaN]), rows, 2), /queries\[1\] is NaN; expected finite values/);
  assert.throws(() => nearestGenerated(rows, Float32Array.from([Infinity, 0]), 2), /generated\[0\] is Infinity; expected finite values/);
  assert.throws(() => crossEntropyFromLogits([0.5, 0.2], [0, 0], 1), /classes must be an integer ≥ 2, got 1/);
  assert.throws(() => tprAtFpr(curve([], []), 0.01), /at least one/);
  assert.throws(() => tprAtFpr(curve([0, 1], [1]), 0.01), /got 2 and 1/);
  const inModel = [
    [true, false],
    [false, true],
  ];
  assert.throws(() => outConfidences([[0.1, 0.2], [0.3]], inModel), /model 1: 1 confidences and 2 memberships for 2 examples/);
  assert.deepEqual(
    outConfidences(
      [
        [0.1, 0.2],
        [0.3, 0.4],
      ],
      inModel,
    ),
    [[0.3], [0.2]],
    "each example's OUT model only",
  );
  // Two points: the ends of the log-spaced range, 1/n (n = 10 non-members; 1e-5 is smaller) and 1.
  const two = logSpacedCurve(curve([0, 0.5, 1], [0, 0.8, 1]), 10, 2);
  assert.equal(two.fpr.length, 2);
  assert.ok(Math.abs(two.fpr[0] - 1e-5) < 1e-18 && two.fpr[1] === 1, `[${two.fpr}]`);
  assert.deepEqual(two.tpr, [0, 1]);
  for (const points of [1, 2.5]) assert.throws(() => logSpacedCurve(curve([0, 1], [0, 1]), 10, points), /an integer ≥ 2 points/);
});

test('GAN-Leaks screening beside a far sample: the exact copy is found, as by brute force', () => {
  // Squared norms of 0.56 and 10,000 in one product: the screen's rounding bound must still keep
  // the copy (distance 0) among the rows it rechecks exactly.
  const dim = 4;
  const query = Float32Array.from([0.5, -0.5, 0.25, 0]);
  const generated = Float32Array.from([100, 0, 0, 0, ...query, 0.6, -0.4, 0.2, 0.1]);
  for (const method of ['screen', 'brute-force'] as const) {
    const near = nearestGenerated(query, generated, dim, { method });
    assert.equal(near.index[0], 1, method);
    assert.equal(near.distance[0], 0, method);
  }
});
