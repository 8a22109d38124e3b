import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rocAuc as libraryAuc, rocCurve, tprAtFpr as libraryTprAtFpr } from '../../src/privacy/roc';
import { SeededRng } from '../../src/util/rng';
import { NotImplementedError } from '../../src/exercises/check-result';
import { bruteTprAtFpr, checkRocAuc, checkTprAtFpr, pairCountAuc } from '../../src/exercises/checks/mia';

const libraryTpr = (m: readonly number[], n: readonly number[], maxFpr: number): number => libraryTprAtFpr(rocCurve(m, n), maxFpr);

test("the brute-force expectations agree with the library's ROC sweep (src/privacy/roc.ts) and with hand counts", () => {
  // Hand counts: members [3, 2, 2], non-members [2, 1]: pairs 3>2, 3>1, 2=2 (½), 2>1, 2=2 (½), 2>1 → 5/6.
  assert.equal(pairCountAuc([3, 2, 2], [2, 1]), 5 / 6);
  // Flag ≥ 3: TPR 1/3, FPR 0; flag ≥ 2: TPR 1, FPR ½.
  assert.equal(bruteTprAtFpr([3, 2, 2], [2, 1], 0.49), 1 / 3);
  assert.equal(bruteTprAtFpr([3, 2, 2], [2, 1], 0.5), 1);
  assert.equal(bruteTprAtFpr([3, 2, 2], [2, 1], 0.5, true), 1 / 3);
  const rng = new SeededRng(11);
  for (let trial = 0; trial < 20; trial++) {
    const draw = (n: number, shift: number): number[] => Array.from({ length: n }, () => (trial % 2 ? rng.nextInt(8) : rng.next() * 10) + shift);
    const m = draw(1 + rng.nextInt(40), rng.next() * 3);
    const n = draw(1 + rng.nextInt(40), 0);
    assert.ok(Math.abs(pairCountAuc(m, n) - libraryAuc(m, n)) < 1e-12, `trial ${trial}`);
    for (const maxFpr of [0, 0.01, 0.1, 0.3, 1]) assert.equal(bruteTprAtFpr(m, n, maxFpr), libraryTpr(m, n, maxFpr), `trial ${trial}, maxFpr ${maxFpr}`);
  }
});

test("rocAuc: the library's metric and a pair-counting solution pass; the stub fails with its message", async () => {
  const lib = await checkRocAuc(libraryAuc);
  assert.equal(lib.pass, true, lib.message);
  assert.equal(lib.id, 'mia-auc');
  const pairs = await checkRocAuc((m, n) => pairCountAuc(m, n));
  assert.equal(pairs.pass, true, pairs.message);
  const stub = await checkRocAuc(() => {
    throw new NotImplementedError('rocAuc');
  });
  assert.equal(stub.pass, false);
  assert.match(stub.message, /rocAuc is not implemented yet/);
});

test('rocAuc: swapped roles, ties not halved, a percentage, a string sort', async () => {
  const swapped = await checkRocAuc((m, n) => libraryAuc(n, m));
  assert.match(swapped.message, /= 1 − yours: members and non-members are swapped\.$/);
  for (const tie of [0, 1]) {
    const ties = await checkRocAuc((m, n) => pairCountAuc(m, n, tie));
    assert.equal(ties.pass, false);
    assert.match(ties.message, /^On integer scores with ties .*: ties are not counted one half\.$/);
  }
  const percent = await checkRocAuc((m, n) => 100 * libraryAuc(m, n));
  assert.match(percent.message, /: a percentage\.$/);
  // Sorting with sort() and no comparator orders the numbers as strings ("-10" before "-9"):
  // a rank-sum AUC that is right with a comparator and wrong without one.
  const rankSum = (compare?: (a: number, b: number) => number) => (m: readonly number[], n: readonly number[]) => {
    const all = [...m.map((s) => ({ s, member: 1 })), ...n.map((s) => ({ s, member: 0 }))];
    const sorted = compare ? all.sort((x, y) => compare(x.s, y.s)) : all.sort((x, y) => (String(x.s) < String(y.s) ? -1 : String(x.s) > String(y.s) ? 1 : 0));
    let below = 0;
    let wins = 0;
    for (let i = 0; i < sorted.length;) {
      let j = i;
      while (j < sorted.length && sorted[j].s === sorted[i].s) j++;
      const group = sorted.slice(i, j);
      const gm = group.filter((e) => e.member).length;
      wins += gm * below + (gm * (group.length - gm)) / 2;
      below += group.length - gm;
      i = j;
    }
    return wins / (m.length * n.length);
  };
  assert.equal((await checkRocAuc(rankSum((a, b) => a - b))).pass, true);
  const stringSort = await checkRocAuc(rankSum());
  assert.equal(stringSort.pass, false);
  assert.match(stringSort.hint ?? '', /give sort\(\) a comparator/);
  assert.match((await checkRocAuc(() => 'high' as unknown as number)).message, /return a number/);
});

test("tprAtFpr: the library's metric and the notebook's threshold loop pass; the stub fails", async () => {
  const lib = await checkTprAtFpr(libraryTpr);
  assert.equal(lib.pass, true, lib.message);
  assert.equal(lib.id, 'mia-tpr');
  const loop = await checkTprAtFpr((m, n, maxFpr) => {
    const flagged = (s: readonly number[], t: number) => s.filter((x) => x >= t).length / s.length;
    let best = 0;
    for (const t of new Set([...m, ...n])) if (flagged(n, t) <= maxFpr) best = Math.max(best, flagged(m, t));
    return best;
  });
  assert.equal(loop.pass, true, loop.message);
  const stub = await checkTprAtFpr(() => {
    throw new NotImplementedError('tprAtFpr');
  });
  assert.match(stub.message, /tprAtFpr is not implemented yet/);
});

test('tprAtFpr: swapped, strict FPR, a sweep inside ties, interpolation', async () => {
  const swapped = await checkTprAtFpr((m, n, f) => libraryTpr(n, m, f));
  assert.match(swapped.message, /members and non-members are swapped\.$/);
  const strict = await checkTprAtFpr((m, n, f) => bruteTprAtFpr(m, n, f, true));
  assert.match(strict.message, /^On 40 members, 100 non-members, FPR ≤ 1 %: .*you required FPR < maxFpr\.$/);
  // One example at a time, members first among equal scores.
  const ungrouped = await checkTprAtFpr((m, n, f) => {
    const all = [...m.map((s) => [s, 1]), ...n.map((s) => [s, 0])].sort((x, y) => y[0] - x[0] || y[1] - x[1]);
    let tp = 0;
    let fp = 0;
    let best = 0;
    for (const [, member] of all) {
      if (member) tp++;
      else fp++;
      if (fp / n.length <= f) best = Math.max(best, tp / m.length);
    }
    return best;
  });
  assert.match(
    ungrouped.message,
    /^On integer scores with ties, FPR ≤ 10 %: you returned TPR = 0\.6, the best threshold gives 0\.5: your sweep stops between examples/,
  );
  const interpolated = await checkTprAtFpr((m, n, f) => {
    const c = rocCurve(m, n);
    const k = c.fpr.findIndex((x) => x > f);
    if (k <= 0) return c.tpr[c.tpr.length - 1];
    return c.tpr[k - 1] + ((c.tpr[k] - c.tpr[k - 1]) * (f - c.fpr[k - 1])) / (c.fpr[k] - c.fpr[k - 1]);
  });
  assert.match(interpolated.message, /you interpolated between two points of the curve\.$/);
  const other = await checkTprAtFpr(() => 0.5);
  assert.equal(other.pass, false);
  assert.match(other.hint ?? '', /Try each distinct score as a threshold/);
});

test('the checks are deterministic', async () => {
  const wrong = (m: readonly number[], n: readonly number[]) => pairCountAuc(m, n, 0);
  assert.deepEqual(await checkRocAuc(wrong), await checkRocAuc(wrong));
  const strict = (m: readonly number[], n: readonly number[], f: number) => bruteTprAtFpr(m, n, f, true);
  assert.deepEqual(await checkTprAtFpr(strict), await checkTprAtFpr(strict));
});
