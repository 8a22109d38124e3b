/**
 * Checks of exercise 02 (FedAvg): the aggregation Σ_k n_k·u_k / Σ_k n_k of the sites' updates
 * u_k weighted by their example counts n_k, against a float64 computation written out here;
 * its edge cases (one site, a site with no examples, tensors of other sizes, inputs left
 * unchanged); and a three-site run driven by the student's function against the same run
 * driven by the library's aggregation (src/fl/aggregate.ts). Typical slips (an unweighted
 * mean, a weighted sum not divided, a plain sum, division by the number of sites, weights
 * 1/n_k) are recognised by computing what each would give.
 */
import { SeededRng } from '../../util/rng';
import { weightedMean } from '../../fl/aggregate';
import { CheckResult, failed, passed, runCheck } from '../check-result';
import { FedAvgAggregate, FedAvgRun, FedAvgRunOptions, runFedAvg, SiteUpdate } from '../fedavg-run';

// The notebook drives the simulation through the same module as the checks.
export { FEDAVG_RUN_DEFAULTS, runFedAvg } from '../fedavg-run';
export type { FedAvgAggregate, FedAvgRun, FedAvgRunOptions, SiteUpdate } from '../fedavg-run';

/** Σ_k w_k·u_k[t] / divisor for every tensor t, in float64. */
function combine(results: readonly SiteUpdate[], weight: (r: SiteUpdate) => number, divisor: number): Float64Array[] {
  return results[0].update.map((first, t) => {
    const acc = new Float64Array(first.length);
    for (const r of results) for (let i = 0; i < acc.length; i++) acc[i] += weight(r) * r.update[t][i];
    return acc.map((v) => v / divisor);
  });
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** The answer, and what each recognised slip would return, for these results. */
function expectations(results: readonly SiteUpdate[]): { expected: Float64Array[]; slips: { value: Float64Array[]; message: string; hint: string }[] } {
  const n = results.map((r) => r.numExamples);
  const total = sum(n);
  const k = results.length;
  const inverse = sum(n.map((x) => 1 / x));
  return {
    expected: combine(results, (r) => r.numExamples, total),
    slips: [
      {
        value: combine(results, () => 1, k),
        message: 'you averaged the updates without weighting them by the sites’ example counts',
        hint: 'A site that trained on 10 times more examples should count 10 times more: multiply each update by its numExamples before averaging.',
      },
      {
        value: combine(results, (r) => r.numExamples, 1),
        message: 'you summed numExamples × update but did not divide by the total number of examples',
        hint: 'Divide the weighted sum by Σ numExamples, so that the weights add up to 1.',
      },
      {
        value: combine(results, () => 1, 1),
        message: 'you summed the updates',
        hint: 'FedAvg takes a weighted mean: weight each update by numExamples / Σ numExamples.',
      },
      {
        value: combine(results, (r) => r.numExamples, k),
        message: 'you divided the weighted sum by the number of sites instead of the total number of examples',
        hint: 'The weights numExamples / Σ numExamples add up to 1; numExamples / (number of sites) does not.',
      },
      {
        value: combine(results, (r) => 1 / r.numExamples, inverse),
        message: 'you weighted each site by 1 / numExamples: the small sites count most',
        hint: 'Weight each update by numExamples itself (then divide by their sum).',
      },
    ],
  };
}

type Verdict = { ok: true } | { ok: false; message: string };

/** Does `got` hold the same tensors as `want` (count, sizes, values to float32 precision)? */
function compare(got: unknown, want: readonly Float64Array[]): Verdict {
  if (!Array.isArray(got)) return { ok: false, message: `fedAvg returned ${got === null ? 'null' : typeof got}, not an array of tensors` };
  if (got.length !== want.length) return { ok: false, message: `fedAvg returned ${got.length} tensors, the model has ${want.length}` };
  for (let t = 0; t < want.length; t++) {
    const g = got[t] as ArrayLike<number> | undefined;
    if (g === null || typeof g !== 'object' || typeof g.length !== 'number')
      return { ok: false, message: `tensor ${t} of the result is not an array of numbers` };
    if (g.length !== want[t].length)
      return { ok: false, message: `tensor ${t} of the result has ${g.length} values, the update has ${want[t].length}: keep every tensor's size` };
    for (let i = 0; i < g.length; i++) {
      if (!(Math.abs(g[i] - want[t][i]) <= 1e-5 * (1 + Math.abs(want[t][i])))) {
        return { ok: false, message: `tensor ${t}, value ${i}: you returned ${g[i]}, expected ${Number(want[t][i].toPrecision(7))}` };
      }
    }
  }
  return { ok: true };
}

/** Random updates of the given tensor sizes from `counts.length` sites. */
function randomResults(rng: SeededRng, sizes: readonly number[], counts: readonly number[]): SiteUpdate[] {
  return counts.map((numExamples) => ({ numExamples, update: sizes.map((n) => Float32Array.from({ length: n }, () => 2 * rng.next() - 1)) }));
}

const copy = (results: readonly SiteUpdate[]): SiteUpdate[] => results.map((r) => ({ numExamples: r.numExamples, update: r.update.map((u) => u.slice()) }));

/** Where `after` differs from `before`, or null. */
function mutation(before: readonly SiteUpdate[], after: readonly SiteUpdate[]): string | null {
  for (const [k, r] of before.entries()) {
    if (after[k].numExamples !== r.numExamples) return `numExamples of site ${k}`;
    for (const [t, u] of r.update.entries()) if (after[k].update[t].some((v, i) => !Object.is(v, u[i]))) return `tensor ${t} of site ${k}`;
  }
  return null;
}

/** Task: fedAvg(results) is the example-weighted mean of the updates, with its edge cases. */
export function checkFedAvg(fedAvg: FedAvgAggregate): Promise<CheckResult> {
  return runCheck('fedavg-weighted', () => {
    const rng = new SeededRng(2);
    const main = randomResults(rng, [12, 3], [12, 50, 138]);
    const given = copy(main);
    const got = fedAvg(given);
    const { expected, slips } = expectations(main);
    const verdict = compare(got, expected);
    if (!verdict.ok) {
      const slip = slips.find((s) => compare(got, s.value).ok);
      const what = 'Three sites with 12, 50 and 138 examples';
      if (slip) return failed('fedavg-weighted', `${what}: ${slip.message}.`, slip.hint);
      return failed(
        'fedavg-weighted',
        `${what}: ${verdict.message}.`,
        'Compute Σ_k numExamples_k · update_k / Σ_k numExamples_k, value by value, for every tensor.',
      );
    }
    const changed = mutation(main, given);
    if (changed) {
      return failed(
        'fedavg-weighted',
        `fedAvg returned the right mean but changed its input (${changed}).`,
        'The server must not modify the sites’ updates: accumulate into new arrays (new Float32Array(n)).',
      );
    }

    const single = randomResults(rng, [5, 1, 7], [9]);
    const one = compare(fedAvg(copy(single)), expectations(single).expected);
    if (!one.ok)
      return failed('fedavg-weighted', `One site (9 examples) should give back its own update: ${one.message}.`, 'With one site the weights are 9 / 9 = 1.');

    // A site that trained on nothing has nothing to say: weight 0 (or refuse the answer, as the library does).
    const withEmpty = randomResults(rng, [4, 2], [30, 0, 10]);
    withEmpty[1].update = withEmpty[1].update.map((u) => u.map((v) => 1000 * v));
    let emptyResult: unknown;
    let refused = false;
    try {
      emptyResult = fedAvg(copy(withEmpty));
    } catch {
      refused = true;
    }
    if (!refused) {
      const zero = compare(emptyResult, expectations(withEmpty).expected);
      if (!zero.ok) {
        return failed(
          'fedavg-weighted',
          `Sites with 30, 0 and 10 examples: the site with no examples must not count (weight 0, or throw an error as the library does), but ${zero.message}.`,
          'With weights numExamples / Σ numExamples a site with 0 examples drops out by itself.',
        );
      }
    }
    return passed(
      'fedavg-weighted',
      `fedAvg is the example-weighted mean of the updates (3 sites, 2 tensors, agreeing with a float64 computation), keeps the tensors' sizes, leaves its input unchanged, gives one site's update back and ${refused ? 'refuses' : 'ignores'} a site with no examples.`,
    );
  });
}

/** How many points of test accuracy a run may lose against the library's aggregation on the same seed. */
export const FEDAVG_RUN_SLACK = 0.02;

/** The mean of a run's last three accuracies (single rounds of non-IID FedAvg zigzag by a few points). */
export function finalAccuracy(run: FedAvgRun): number {
  const last = run.accuracy.slice(-3);
  return sum(last) / last.length;
}

/**
 * Task (second part): a run driven by the student's fedAvg reaches what the library's
 * aggregation reaches on the same seed. It takes the function, not the notebook's run, so the
 * check cell stands alone (a stub fails here with its own message) at the cost of one more run.
 */
export function checkFedAvgRun(fedAvg: FedAvgAggregate, options: FedAvgRunOptions = {}): Promise<CheckResult> {
  return runCheck('fedavg-run', async () => {
    const run = await runFedAvg(fedAvg, options);
    const reference = await runFedAvg(
      (results) =>
        weightedMean(
          results.map((r) => r.update),
          results.map((r) => r.numExamples),
        ),
      options,
    );
    const got = finalAccuracy(run);
    const want = finalAccuracy(reference);
    const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
    const summary = `over the last 3 of ${run.options.rounds} rounds your run averages ${pct(got)} test accuracy; the library's FedAvg on the same seed averages ${pct(want)} (from ${pct(reference.accuracy[0])} before training)`;
    if (got < want - FEDAVG_RUN_SLACK)
      return failed(
        'fedavg-run',
        `The run did not converge as FedAvg does: ${summary}.`,
        'Pass the fedAvg check above first, then run the simulation cell again.',
      );
    return passed('fedavg-run', `The run converged: ${summary}.`);
  });
}
