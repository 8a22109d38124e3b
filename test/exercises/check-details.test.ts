/**
 * What the exercise checks tell a student in the cases the other check tests leave out: exact
 * messages and hints (a hint is half of what a failed check is for), malformed answers, answers
 * that change their arguments, the data a check hands the student's function (rebuilt here from
 * its documented seed), and the FedAvg run's option checks. Expected texts are written out from
 * the exercises' rules, not read back from the checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/util/rng';
import { checkQuantizeWeights } from '../../src/exercises/checks/quantize';
import { checkPErrorChoice, clearAccuracy, pErrorTask, PErrorRow } from '../../src/exercises/checks/p-error';
import { checkRocAuc, checkTprAtFpr, pairCountAuc, bruteTprAtFpr } from '../../src/exercises/checks/mia';
import { checkTfheClient, checkTfheTable, tfheExercise } from '../../src/exercises/checks/tfhe';
import { runFedAvg } from '../../src/exercises/fedavg-run';

test('quantize-weights: an answer of the wrong shape is named as such; the off-by-one-level scale gets its hint', async () => {
  for (const [answer, shown] of [
    [undefined, 'undefined'],
    [{ q: [1, 2], scale: '0.1' }, '{"q":[1,2],"scale":"0.1"}'],
    [{ q: 'abc', scale: 0.1 }, '{"q":"abc","scale":0.1}'],
  ] as const) {
    const r = await checkQuantizeWeights(() => answer as never);
    assert.equal(r.pass, false);
    assert.equal(r.message, `return { q: number[], scale: number }; got ${shown}`);
  }
  // max|w| / 2^(b−1): one level too many.
  const r = await checkQuantizeWeights((w, bits) => {
    const scale = Math.max(...w.map(Math.abs)) / 2 ** (bits - 1);
    return { q: w.map((v) => Math.round(v / scale)), scale };
  });
  assert.match(r.message, /^4 bits: your scale is max\|w\| \/ 2\^\(b−1\) = .*one level too many, so the largest weight would need 8, /);
  assert.equal(r.hint, 'The symmetric range is [−(2^(b−1) − 1), 2^(b−1) − 1]: divide max|w| by the largest positive integer.');
});

test('p-error-choice: the clear accuracy is the model’s (FCNN-8 reads most digits right); a non-function and the safest choice are named', async () => {
  const task = pErrorTask({ testCount: 120, calibrationCount: 200, pErrors: [1e-6, 1e-3, 0.01] });
  // The shipped FCNN-8 is a 97 %-class MNIST model; counting right answers as wrong would give ≤ 10 %.
  const clear = clearAccuracy(task);
  assert.ok(clear >= 0.9 && clear <= 1, `clear accuracy ${clear}`);
  const notFn = await checkPErrorChoice(undefined as never, task);
  assert.equal(notFn.message, 'expected your choosePError function, got undefined');
  const safest = await checkPErrorChoice((rows: PErrorRow[]) => Math.min(...rows.map((r) => r.pError)), task);
  assert.equal(safest.hint, 'Among the targets that keep accuracy, take the one with the smallest predicted time.');
});

test('mia: the checks compare with copies of their data, so an answer that changes its arguments is judged on its answer', async () => {
  // The right AUC, then the inputs overwritten.
  const vandal = await checkRocAuc((m, n) => {
    const auc = pairCountAuc(m, n);
    (m as number[]).fill(0); // readonly in the type, not at run time
    (n as number[]).fill(0);
    return auc;
  });
  assert.equal(vandal.pass, true, vandal.message);
  const tprVandal = await checkTprAtFpr((m, n, f) => {
    const tpr = bruteTprAtFpr(m, n, f);
    (m as number[]).fill(0); // readonly in the type, not at run time
    (n as number[]).fill(0);
    return tpr;
  });
  assert.equal(tprVandal.pass, true, tprVandal.message);
});

test('mia: the FPR ≤ 1 % case is 100 non-members drawn from SeededRng(7), in their drawn order, and a member between the two highest', async () => {
  const rng = new SeededRng(7);
  const nonMembers = Array.from({ length: 100 }, () => 10 * rng.next());
  const members = Array.from({ length: 39 }, () => 3 + 10 * rng.next());
  const [s1, s2] = [...nonMembers].sort((a, b) => b - a);
  const seen: { m: number[]; n: number[]; f: number }[] = [];
  await checkTprAtFpr((m, n, f) => {
    seen.push({ m: m.slice(), n: n.slice(), f });
    return bruteTprAtFpr(m, n, f);
  });
  assert.equal(seen.length, 4, 'four cases, all passed');
  assert.equal(seen[0].f, 0.01);
  assert.deepEqual(seen[0].n, nonMembers);
  assert.deepEqual(seen[0].m, [...members, (s1 + s2) / 2]);
  assert.ok(s2 < seen[0].m[39] && seen[0].m[39] < s1);
});

test('tfhe-client and tfhe-table: bytes of the wrong type, and unreduced entries named by the first one that is no message', async () => {
  const e = await tfheExercise();
  const notBytes = await checkTfheClient(
    () => 'abc' as never,
    () => 0,
    e,
  );
  assert.equal(notBytes.message, 'encryptInput(0) returned string, not the Uint8Array sent to the server');
  assert.equal(notBytes.hint, 'Serialize the ciphertext with tfhe.Shortint.serialize_ciphertext.');
  // m² for m = 0..7 is 0, 1, 4, 9, …: 9 (m = 3) is the first that is not a message mod 8.
  const unreduced = await checkTfheTable(
    (f, p) => Array.from({ length: p }, (_, m) => f(m)),
    (m) => m * m,
    e,
  );
  assert.equal(unreduced.message, 'entries such as f(3) = 9 are not messages: the ciphertext holds only 0..7');
  assert.equal(unreduced.hint, 'Reduce each entry modulo p (messages wrap around).');
});

test('the FedAvg run refuses rounds and site sizes it cannot run, naming the site and its shard', async () => {
  const mean = (): Float32Array[] => [];
  for (const rounds of [0, 1.5, -1])
    await assert.rejects(runFedAvg(mean, { rounds }), { name: 'RangeError', message: `rounds must be a positive integer, got ${rounds}` });
  for (const [examples, held] of [
    [2.5, 2],
    [0, 0],
    [1e6, 5e5],
  ]) {
    await assert.rejects(runFedAvg(mean, { rounds: 1, siteExamples: [examples, 10, 10] }), (e: Error) => {
      assert.equal(e.name, 'RangeError');
      assert.match(e.message, new RegExp(`^site 0: ${examples} training examples \\(\\+ ${held} held out\\) asked for, its shard has \\d+$`));
      return true;
    });
  }
});

test('mia: a sweep that stops inside ties (members first among equal scores) is named on every case where it differs', async () => {
  const ungrouped = (m: readonly number[], n: readonly number[], f: number): number => {
    const all = [...m.map((s) => ({ s, member: 1 })), ...n.map((s) => ({ s, member: 0 }))].sort((x, y) => y.s - x.s || y.member - x.member);
    let [tp, fp, best] = [0, 0, 0];
    for (const e of all) {
      if (e.member) tp++;
      else fp++;
      if (fp / n.length <= f) best = Math.max(best, tp / m.length);
    }
    return best;
  };
  // Right on every case but the one at FPR ≤ 12.5 % (2.5 of 20 non-members, inside a group of ties).
  const r = await checkTprAtFpr((m, n, f) => (f === 0.125 ? ungrouped(m, n, f) : bruteTprAtFpr(m, n, f)));
  assert.equal(r.pass, false);
  assert.match(r.message, /^On integer scores of 20 members and 20 non-members, FPR ≤ 12\.5 %: .*: your sweep stops between examples with the same score\.$/);
});
