import { test } from 'node:test';
import assert from 'node:assert/strict';
import { weightedMean } from '../../src/fl/aggregate';
import { selectBackend } from '../../src/backend';
import { NotImplementedError } from '../../src/exercises/check-result';
import { checkFedAvg, checkFedAvgRun, finalAccuracy, runFedAvg, SiteUpdate } from '../../src/exercises/checks/fedavg';

// The notebook's solution: float32 accumulation of numExamples / total × update.
function fedAvg(results: readonly SiteUpdate[]): Float32Array[] {
  const total = results.reduce((n, r) => n + r.numExamples, 0);
  return results[0].update.map((first, t) => {
    const mean = new Float32Array(first.length);
    for (const r of results) for (let i = 0; i < mean.length; i++) mean[i] += (r.numExamples / total) * r.update[t][i];
    return mean;
  });
}

/** Σ w(r)·u / divisor(results), float32, for the wrong answers. */
const combined =
  (w: (r: SiteUpdate) => number, divisor: (rs: readonly SiteUpdate[]) => number) =>
  (results: readonly SiteUpdate[]): Float32Array[] =>
    results[0].update.map((first, t) => {
      const out = new Float32Array(first.length);
      for (const r of results) for (let i = 0; i < out.length; i++) out[i] += (w(r) * r.update[t][i]) / divisor(results);
      return out;
    });

const library = (results: readonly SiteUpdate[]): Float32Array[] =>
  weightedMean(
    results.map((r) => r.update),
    results.map((r) => r.numExamples),
  );

test("checkFedAvg: the notebook's solution and the library's weightedMean pass (the library refuses a site with no examples)", async () => {
  const mine = await checkFedAvg(fedAvg);
  assert.equal(mine.pass, true, mine.message);
  assert.equal(mine.id, 'fedavg-weighted');
  assert.match(mine.message, /ignores a site with no examples/);
  const lib = await checkFedAvg(library);
  assert.equal(lib.pass, true, lib.message);
  assert.match(lib.message, /refuses a site with no examples/);
  // By hand: 30·[1, 0] + 10·[0, 1] over 40 examples.
  assert.deepEqual(
    Array.from(
      fedAvg([
        { update: [Float32Array.from([1, 0])], numExamples: 30 },
        { update: [Float32Array.from([0, 1])], numExamples: 10 },
      ])[0],
    ),
    [0.75, 0.25],
  );
});

test('checkFedAvg: the stub fails with the stub message', async () => {
  const r = await checkFedAvg(() => {
    throw new NotImplementedError('fedAvg');
  });
  assert.equal(r.pass, false);
  assert.match(r.message, /fedAvg is not implemented yet/);
});

test('checkFedAvg: each recognised wrong weighting gets its message', async () => {
  const cases: [(rs: readonly SiteUpdate[]) => Float32Array[], RegExp][] = [
    [
      combined(
        () => 1,
        (rs) => rs.length,
      ),
      /you averaged the updates without weighting them by the sites’ example counts/,
    ],
    [
      combined(
        (r) => r.numExamples,
        () => 1,
      ),
      /you summed numExamples × update but did not divide/,
    ],
    [
      combined(
        () => 1,
        () => 1,
      ),
      /you summed the updates\.$/,
    ],
    [
      combined(
        (r) => r.numExamples,
        (rs) => rs.length,
      ),
      /divided the weighted sum by the number of sites/,
    ],
    [
      combined(
        (r) => 1 / r.numExamples,
        (rs) => rs.reduce((s, r) => s + 1 / r.numExamples, 0),
      ),
      /weighted each site by 1 \/ numExamples/,
    ],
  ];
  for (const [f, message] of cases) {
    const r = await checkFedAvg(f);
    assert.equal(r.pass, false);
    assert.match(r.message, /^Three sites with 12, 50 and 138 examples: /);
    assert.match(r.message, message);
    assert.ok(r.hint, 'a hint');
  }
  // Anything else: the first value that differs, with both numbers.
  const off = await checkFedAvg((rs) => fedAvg(rs).map((u) => u.map((v) => v + 0.01)));
  assert.match(off.message, /tensor 0, value 0: you returned -?[\d.]+, expected -?[\d.]+\.$/);
});

test('checkFedAvg: sizes, mutation, one site, a site with no examples', async () => {
  const dropped = await checkFedAvg((rs) => fedAvg(rs).slice(0, 1));
  assert.match(dropped.message, /fedAvg returned 1 tensors, the model has 2/);
  const shortened = await checkFedAvg((rs) => fedAvg(rs).map((u) => u.subarray(1)));
  assert.match(shortened.message, /tensor 0 of the result has 11 values, the update has 12/);
  assert.match((await checkFedAvg(() => 3 as unknown as Float32Array[])).message, /returned number, not an array of tensors/);

  // Accumulating into the first site's arrays: the right mean, but the sites' updates changed.
  const inPlace = await checkFedAvg((rs) => {
    const mean = fedAvg(rs);
    mean.forEach((m, t) => rs[0].update[t].set(m));
    return rs[0].update;
  });
  assert.equal(inPlace.pass, false);
  assert.match(inPlace.message, /returned the right mean but changed its input \(tensor 0 of site 0\)/);

  const oneSite = await checkFedAvg((rs) => (rs.length === 1 ? rs[0].update.map((u) => u.map(() => 0)) : fedAvg(rs)));
  assert.match(oneSite.message, /^One site \(9 examples\) should give back its own update/);

  // Counting an empty site as if it had one example lets its (large) update in.
  const emptyCounts = await checkFedAvg(
    combined(
      (r) => Math.max(r.numExamples, 1),
      (rs) => rs.reduce((s, r) => s + Math.max(r.numExamples, 1), 0),
    ),
  );
  assert.match(emptyCounts.message, /^Sites with 30, 0 and 10 examples: the site with no examples must not count/);
});

test('the FedAvg run: deterministic, converges, passes with a correct fedAvg and fails with one that learns nothing', async () => {
  await selectBackend({ quiet: true });
  const run = await runFedAvg(fedAvg);
  assert.equal(run.accuracy.length, 11);
  // The default run learns: from chance level to well above what any one site (4 classes) could reach.
  assert.ok(run.accuracy[0] < 0.2 && finalAccuracy(run) > 0.7, `${run.accuracy}`);
  assert.deepEqual((await runFedAvg(library)).accuracy, (await runFedAvg(library)).accuracy);
  const r = await checkFedAvgRun(fedAvg);
  assert.equal(r.pass, true, r.message);
  assert.equal(r.id, 'fedavg-run');
  assert.match(r.message, /^The run converged: over the last 3 of 10 rounds your run averages ([\d.]+) %.*averages \1 %/);

  const zero = (rs: readonly SiteUpdate[]) => rs[0].update.map((u) => new Float32Array(u.length));
  const frozen = await runFedAvg(zero, { rounds: 3 });
  assert.ok(
    frozen.accuracy.every((a) => a === frozen.accuracy[0]),
    'a zero update changes nothing',
  );
  const bad = await checkFedAvgRun(zero, { rounds: 3 });
  assert.equal(bad.pass, false);
  assert.match(bad.message, /^The run did not converge as FedAvg does: over the last 3 of 3 rounds your run averages [\d.]+ %/);
  const stub = await checkFedAvgRun(() => {
    throw new NotImplementedError('fedAvg');
  });
  assert.match(stub.message, /fedAvg is not implemented yet/);
  await assert.rejects(
    runFedAvg((rs) => rs[0].update.slice(1), { rounds: 1 }),
    /the aggregate of round 1: 1 tensors, the model has 2 tensors/,
  );
});
