/**
 * Exercise 04 (choose a p_error that keeps accuracy and is fastest): the sweep the notebook shows
 * and the check.
 *
 * The model is the shipped FCNN-8 of the Zama MNIST table (data/zama-table/models, 784→92→92→10).
 * For each error target the FHE compiler picks a parameter set; its predicted time is PBS count ×
 * the relative cost of one PBS of that set (compile/parameters.ts pbsCost), shown relative to the
 * tightest target. Accuracy is the compiled circuit's, simulated in the clear with the noise model
 * (fhe/tfhe/run/simulate.ts), on canonical MNIST test digits.
 *
 * The check runs the student's rule on crafted tables (where the fastest target loses accuracy,
 * where the safest is not the fastest) and on a sweep of its own (another noise seed than the
 * notebook's), then re-simulates the chosen target with a third seed: within 1 point of the clear
 * quantized model, and no faster target in the sweep within 1 point too.
 */
import * as path from 'node:path';
import { loadQuantizedModel, QuantizedModel } from '../../quant/quantized-model';
import { quantizeInputs, runQuantized } from '../../quant/quantized-eval';
import { compileCircuit } from '../../fhe/tfhe/compile/compile';
import { pbsCost } from '../../fhe/tfhe/compile/parameters';
import { simulateCircuit } from '../../fhe/tfhe/run/simulate';
import { loadCanonicalMnist } from '../../data/mnist-canonical';
import { packageRoot } from '../../util/files';
import { CheckResult, failed, passed, runCheck } from '../check-result';

export interface PErrorRow {
  pError: number;
  parameterSet: string;
  polynomialSize: number;
  pbs: number;
  /** Predicted time per inference relative to the tightest target of the sweep (1 = as slow). */
  relativeTime: number;
  /** Test accuracy of the compiled circuit simulated with the noise model (fraction, 0..1). */
  accuracy: number;
}

/** The student's rule: the p_error to deploy, given the sweep and the clear quantized model's accuracy (fractions). */
export type ChoosePErrorFn = (rows: PErrorRow[], clearAccuracy: number) => number;

export interface PErrorTask {
  model: QuantizedModel;
  calibration: Float32Array;
  test: { x: Float32Array; labels: Uint8Array; count: number };
  pErrors: number[];
}

export const P_ERROR_GRID = [1e-6, 1e-4, 1e-3, 0.01];
/** "Keeps accuracy": at most this far below the clear quantized model (1 point). */
export const ACCURACY_TOLERANCE = 0.01;

function pixels(images: Uint8Array, count: number): Float32Array {
  const x = new Float32Array(count * 784);
  for (let i = 0; i < x.length; i++) x[i] = images[i] / 255;
  return x;
}

/** The exercise's model and data: FCNN-8, 300 training digits to calibrate, `testCount` test digits. */
export function pErrorTask(o: { testCount?: number; calibrationCount?: number; pErrors?: number[] } = {}): PErrorTask {
  const model = loadQuantizedModel(path.join(packageRoot(), 'data', 'zama-table', 'models', 'FCNN-8.model.json'));
  const train = loadCanonicalMnist('train');
  const test = loadCanonicalMnist('test');
  const nCal = o.calibrationCount ?? 300;
  const nTest = o.testCount ?? 500;
  return {
    model,
    calibration: pixels(train.images, nCal),
    test: { x: pixels(test.images, nTest), labels: test.labels.slice(0, nTest), count: nTest },
    pErrors: o.pErrors ?? P_ERROR_GRID,
  };
}

function accuracy(outputs: Int32Array, labels: Uint8Array, count: number): number {
  const k = outputs.length / count;
  let right = 0;
  for (let s = 0; s < count; s++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (outputs[s * k + j] > outputs[s * k + best]) best = j;
    if (best === labels[s]) right++;
  }
  return right / count;
}

/** Accuracy of the clear quantized model (no FHE): the reference the choice must stay near. */
export function clearAccuracy(task: PErrorTask): number {
  const xq = quantizeInputs(task.model, task.test.x);
  return accuracy(runQuantized(task.model, xq, task.test.count).outputs, task.test.labels, task.test.count);
}

/** Compile at each target and simulate with the noise model (seeded): one row per target. */
export function sweepPError(task: PErrorTask, seed = 1): PErrorRow[] {
  const xq = quantizeInputs(task.model, task.test.x);
  const raw = task.pErrors.map((pError) => {
    const c = compileCircuit(task.model, task.calibration, { pError });
    const sim = simulateCircuit(c, xq, task.test.count, { noise: true, seed });
    return {
      pError,
      parameterSet: c.report.parameterSet,
      polynomialSize: c.report.polynomialSize,
      pbs: c.report.pbsCount,
      cost: c.report.pbsCount * pbsCost(c.params),
      accuracy: accuracy(sim.outputs, task.test.labels, task.test.count),
    };
  });
  const slowest = Math.max(...raw.map((r) => r.cost));
  return raw.map(({ cost, ...r }) => ({ ...r, relativeTime: cost / slowest }));
}

/** The right answer for a table: the fastest row within the tolerance (ties: any of them). */
function acceptable(rows: PErrorRow[], clear: number): { keep: PErrorRow[]; fastest: number } {
  const keep = rows.filter((r) => r.accuracy >= clear - ACCURACY_TOLERANCE - 1e-12);
  return { keep, fastest: Math.min(...keep.map((r) => r.relativeTime)) };
}

const row = (pError: number, relativeTime: number, accuracy: number): PErrorRow => ({
  pError,
  parameterSet: '-',
  polynomialSize: 0,
  pbs: 0,
  relativeTime,
  accuracy,
});
const pts = (x: number): string => (100 * x).toFixed(1);

/** Judge one choice on one table: undefined when right, else the failure. */
function judge(id: string, rows: PErrorRow[], clear: number, choice: unknown, where: string): CheckResult | undefined {
  const chosen = rows.find((r) => r.pError === choice);
  if (!chosen)
    return failed(
      id,
      `${where}: you returned ${String(choice)}, which is not one of the table's p_error values (${rows.map((r) => r.pError).join(', ')})`,
      'Return the pError field of one of the rows.',
    );
  const { keep, fastest } = acceptable(rows, clear);
  if (chosen.accuracy < clear - ACCURACY_TOLERANCE - 1e-12) {
    const units = chosen.accuracy >= clear - 1 ? ' Accuracies are fractions: 1 point is 0.01, not 1.' : '';
    return failed(
      id,
      `${where}: p_error ${chosen.pError} loses ${pts(clear - chosen.accuracy)} points (${pts(clear)} % → ${pts(chosen.accuracy)} %), more than 1 point.${units}`,
      'Keep only the targets whose accuracy is within 1 point of the clear model, then take the fastest of those.',
    );
  }
  if (chosen.relativeTime > fastest + 1e-12) {
    const better = keep.find((r) => r.relativeTime === fastest)!;
    const safest = chosen.pError === Math.min(...rows.map((r) => r.pError));
    return failed(
      id,
      `${where}: p_error ${chosen.pError} keeps accuracy but p_error ${better.pError} does too (${pts(better.accuracy)} %) and is ${(chosen.relativeTime / better.relativeTime).toFixed(1)}x faster` +
        (safest ? ': the tightest target is the safe choice, not the fastest one that is good enough.' : '.'),
      'Among the targets that keep accuracy, take the one with the smallest predicted time.',
    );
  }
  return undefined;
}

/** p-error-choice: the student's rule on crafted tables and on the check's own sweep, then the choice re-simulated. */
export function checkPErrorChoice(fn: ChoosePErrorFn, task: PErrorTask): Promise<CheckResult> {
  const id = 'p-error-choice';
  return runCheck(id, () => {
    if (typeof fn !== 'function') return failed(id, `expected your choosePError function, got ${typeof fn}`);
    // Crafted, shuffled: the fastest loses 5 points; 0.01 is the answer.
    const crafted = [row(0.01, 0.15, 0.945), row(1e-6, 1, 0.95), row(0.1, 0.1, 0.9), row(1e-3, 0.25, 0.948), row(1e-4, 0.45, 0.951)];
    const bad = judge(
      id,
      crafted,
      0.95,
      fn(
        crafted.map((r) => ({ ...r })),
        0.95,
      ),
      'on a made-up sweep (clear model 95.0 %)',
    );
    if (bad) return bad;
    const clear = clearAccuracy(task);
    const rows = sweepPError(task, 2);
    const choice = fn(
      rows.map((r) => ({ ...r })),
      clear,
    );
    const wrong = judge(id, rows, clear, choice, `on the check's own sweep (noise seed 2, clear model ${pts(clear)} %)`);
    if (wrong) return wrong;
    const again = sweepPError({ ...task, pErrors: [choice as number] }, 3)[0];
    if (again.accuracy < clear - ACCURACY_TOLERANCE)
      return failed(
        id,
        `p_error ${choice} simulated again (noise seed 3): ${pts(again.accuracy)} %, more than 1 point under the clear model's ${pts(clear)} %`,
        'Choose a tighter target: the margin was too thin.',
      );
    const chosen = rows.find((r) => r.pError === choice)!;
    return passed(
      id,
      `p_error ${choice}: ${chosen.parameterSet.replace(/_KS_PBS.*$/, '')} (N = ${chosen.polynomialSize}), ${(1 / chosen.relativeTime).toFixed(1)}x faster than the slowest target; ` +
        `re-simulated with a fresh noise seed: ${pts(again.accuracy)} % vs ${pts(clear)} % for the clear quantized model.`,
    );
  });
}
