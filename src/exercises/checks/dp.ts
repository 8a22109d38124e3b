/**
 * Checks of exercise 03 (DP-SGD accounting): ε of a run described as practitioners describe
 * it (batch size, dataset size, epochs), and the smallest noise multiplier for a target ε.
 * The expectations come from the library's RDP accountant (src/fl/dp, the shape of Opacus's)
 * called with the right arguments, and from a value Opacus publishes in its own tests; the
 * typical slips (epochs passed as steps, no subsampling, a σ that overspends or is far from
 * the smallest) are recognised by recomputing what each slip would give.
 */
import { epsilonFor, noiseMultiplierFor } from '../../fl/dp/accountant';
import { CheckResult, failed, passed, runCheck } from '../check-result';

/** A DP-SGD run: Poisson-sampled batches of expected size batchSize out of datasetSize examples. */
export interface DpSgdRun {
  /** σ: the noise std divided by the clipping norm. */
  noiseMultiplier: number;
  /** Expected batch size (each example joins a batch with probability batchSize / datasetSize). */
  batchSize: number;
  datasetSize: number;
  epochs: number;
  delta: number;
}

export type DpSgdBudget = Omit<DpSgdRun, 'noiseMultiplier'>;
export type EpsilonOf = (run: DpSgdRun) => number;
export type NoiseForEpsilon = (targetEpsilon: number, budget: DpSgdBudget) => number;

/** The sampling rate q and step count T of a run: T = epochs / q, rounded as Opacus's int(epochs / q) is for these runs. */
export function dpSgdSteps(run: DpSgdBudget): { sampleRate: number; steps: number } {
  const sampleRate = run.batchSize / run.datasetSize;
  return { sampleRate, steps: Math.round(run.epochs / sampleRate) };
}

/** ε of the run from the library's accountant with q and T derived correctly. */
function accountantEpsilon(run: DpSgdRun, steps = dpSgdSteps(run).steps, sampleRate = dpSgdSteps(run).sampleRate): number {
  return epsilonFor({ noiseMultiplier: run.noiseMultiplier, sampleRate, steps, delta: run.delta }).epsilon;
}

/**
 * Opacus's published value (opacus/tests/accountants_test.py, test_rdp_accountant):
 * σ = 1.5, q = 0.04, steps = int(90 / 0.04) = 2250, δ = 1e-5 → ε = 7.32911117143. Here as
 * 90 epochs of expected batches of 2,400 out of 60,000 examples.
 */
export const OPACUS_PUBLISHED_RUN: Readonly<DpSgdRun> = Object.freeze({ noiseMultiplier: 1.5, batchSize: 2400, datasetSize: 60000, epochs: 90, delta: 1e-5 });
export const OPACUS_PUBLISHED_EPSILON = 7.32911117143;

const EPSILON_RUNS: readonly DpSgdRun[] = [
  OPACUS_PUBLISHED_RUN,
  { noiseMultiplier: 1.1, batchSize: 250, datasetSize: 50000, epochs: 20, delta: 1e-5 },
  { noiseMultiplier: 0.8, batchSize: 100, datasetSize: 1000, epochs: 3, delta: 1e-4 },
];

const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(6) : String(x));
const close = (a: number, b: number, rel: number): boolean => Math.abs(a - b) <= rel * Math.abs(b);
const describe = (r: DpSgdBudget): string => `batch ${r.batchSize} of ${r.datasetSize} examples, ${r.epochs} epochs, δ = ${r.delta}`;

/** What each typical slip would have returned for this run, most specific first. */
function epsilonSlips(run: DpSgdRun): { value: number; message: string; hint: string }[] {
  const { sampleRate, steps } = dpSgdSteps(run);
  const slips: { value: number; message: string; hint: string }[] = [];
  if (Number.isInteger(run.epochs)) {
    slips.push({
      value: accountantEpsilon(run, run.epochs),
      message: `you passed the number of epochs (${run.epochs}) as the number of steps`,
      hint: `One epoch is datasetSize / batchSize = 1/q steps: this run takes ${steps} steps.`,
    });
  }
  const fewSteps = Math.round(run.epochs * sampleRate);
  if (fewSteps >= 1 && fewSteps !== steps) {
    slips.push({
      value: accountantEpsilon(run, fewSteps),
      message: `you used epochs × q = ${fewSteps} steps`,
      hint: 'Each step processes a fraction q of the data, so an epoch is 1/q steps: divide the epochs by q.',
    });
  }
  slips.push({
    value: accountantEpsilon(run, steps, 1),
    message: 'you accounted every step at sample rate 1, as if each batch were the whole dataset',
    hint: 'Pass sampleRate = batchSize / datasetSize: sampling amplifies privacy, and the accountant needs q to know by how much.',
  });
  return slips;
}

/** Task 1: epsilonOf(run) against the library's accountant and Opacus's published ε. */
export function checkEpsilonOf(epsilonOf: EpsilonOf): Promise<CheckResult> {
  return runCheck('dp-epsilon', () => {
    for (const run of EPSILON_RUNS) {
      const got = epsilonOf({ ...run });
      if (typeof got !== 'number') {
        return failed(
          'dp-epsilon',
          `epsilonOf returned ${typeof got === 'object' ? 'an object' : `a ${typeof got}`}, not a number (${describe(run)}).`,
          'The accountant returns { epsilon, order }: return its epsilon.',
        );
      }
      const expected = run === OPACUS_PUBLISHED_RUN ? OPACUS_PUBLISHED_EPSILON : accountantEpsilon(run);
      if (close(got, expected, 1e-6)) continue;
      const where = `For σ = ${run.noiseMultiplier}, ${describe(run)}: you returned ε = ${fmt(got)}, expected ${fmt(expected)}${run === OPACUS_PUBLISHED_RUN ? ' (the value Opacus publishes for this run)' : ''}`;
      const slip = epsilonSlips(run).find((s) => close(got, s.value, 1e-6));
      if (slip) return failed('dp-epsilon', `${where}: ${slip.message}.`, slip.hint);
      return failed(
        'dp-epsilon',
        `${where}.`,
        "Use the accountant with sampleRate q = batchSize / datasetSize and steps = Math.round(epochs / q), then read its epsilon at the run's δ.",
      );
    }
    return passed(
      'dp-epsilon',
      `epsilonOf matches the RDP accountant on ${EPSILON_RUNS.length} runs, including Opacus's published ε = ${OPACUS_PUBLISHED_EPSILON} for σ = 1.5 over 90 epochs at q = 0.04.`,
    );
  });
}

/**
 * Opacus's published noise multiplier (opacus/tests/accountants_test.py, the get_noise_multiplier
 * test by steps, default epsilon_tolerance 0.01; the library is pinned to it in
 * test/fl/dp/accountant.test.ts): ε = 8, δ = 1e-5, q = 0.04, 2000 steps → σ = 1.3562. Here as
 * 80 epochs of expected batches of 2,400 out of 60,000.
 */
export const OPACUS_PUBLISHED_NOISE = Object.freeze({
  targetEpsilon: 8,
  budget: Object.freeze({ batchSize: 2400, datasetSize: 60000, epochs: 80, delta: 1e-5 }),
  noiseMultiplier: 1.3562,
});

const NOISE_QUERIES: readonly { targetEpsilon: number; budget: DpSgdBudget }[] = [
  OPACUS_PUBLISHED_NOISE,
  { targetEpsilon: 1, budget: { batchSize: 100, datasetSize: 10000, epochs: 5, delta: 1e-5 } },
  { targetEpsilon: 3, budget: { batchSize: 64, datasetSize: 640, epochs: 2, delta: 1e-4 } },
];

/** How much larger than the smallest σ an answer may be: ε(0.99·σ) must exceed the target. */
export const NOISE_SLACK = 0.01;

/** Task 2: noiseForEpsilon stays within the target and is the smallest σ that does, within 1 %. */
export function checkNoiseForEpsilon(noiseForEpsilon: NoiseForEpsilon): Promise<CheckResult> {
  return runCheck('dp-noise', () => {
    for (const { targetEpsilon, budget } of NOISE_QUERIES) {
      const sigma = noiseForEpsilon(targetEpsilon, { ...budget });
      const where = `For ε = ${targetEpsilon}, ${describe(budget)}`;
      if (typeof sigma !== 'number' || !(sigma > 0 && Number.isFinite(sigma))) {
        return failed('dp-noise', `${where}: noiseForEpsilon returned ${String(sigma)}, not a positive finite noise multiplier.`);
      }
      const { sampleRate, steps } = dpSgdSteps(budget);
      const library = noiseMultiplierFor({ targetEpsilon, delta: budget.delta, sampleRate, steps, epsilonTolerance: 1e-4 });
      const spent = accountantEpsilon({ ...budget, noiseMultiplier: sigma });
      if (spent > targetEpsilon) {
        if (Number.isInteger(budget.epochs)) {
          const asSteps = noiseMultiplierFor({ targetEpsilon, delta: budget.delta, sampleRate, steps: budget.epochs, epsilonTolerance: 1e-4 });
          if (sigma >= asSteps * (1 - 1e-3) && sigma <= asSteps * (1 + NOISE_SLACK) * (1 + 1e-3)) {
            return failed(
              'dp-noise',
              `${where}: σ = ${fmt(sigma)} is what ${budget.epochs} steps need, but the run takes ${steps} (ε(σ) = ${fmt(spent)}): the epochs were used as steps.`,
              'Fix epsilonOf first (an epoch is 1/q steps), then search σ with it.',
            );
          }
        }
        return failed(
          'dp-noise',
          `${where}: σ = ${fmt(sigma)} spends ε = ${fmt(spent)}, more than the target (the smallest σ within it is ${fmt(library)}).`,
          'Return a σ whose ε is ≤ the target: in a bisection, keep the end of the bracket that stays within the budget (the larger σ), not the midpoint or the lower end.',
        );
      }
      const smaller = accountantEpsilon({ ...budget, noiseMultiplier: sigma * (1 - NOISE_SLACK) });
      if (!(smaller > targetEpsilon)) {
        return failed(
          'dp-noise',
          `${where}: σ = ${fmt(sigma)} is within budget (ε = ${fmt(spent)}) but not the smallest: ${fmt(sigma * (1 - NOISE_SLACK))} also is (ε = ${fmt(smaller)}); the smallest is about ${fmt(library)}.`,
          'Too much noise costs accuracy for nothing: narrow the search until the bracket is within 1 % (e.g. bisect while hi − lo > 0.001·hi).',
        );
      }
    }
    return passed(
      'dp-noise',
      `noiseForEpsilon gives the smallest σ (within 1 %) that stays within ε on ${NOISE_QUERIES.length} budgets; for ε = 8 over 80 epochs at q = 0.04 Opacus publishes σ = ${OPACUS_PUBLISHED_NOISE.noiseMultiplier}.`,
    );
  });
}
