/**
 * The linear models of issue 14 in FHE, per data set: accuracy of the float model, the
 * quantized model in the clear, the simulated circuit (with and without the noise
 * model's read noise) and the encrypted run on the first `executeRows` test rows; ms per
 * encrypted prediction, PBS count; scikit-learn's score on the same split in the same run
 * is the bench's yardstick (bench/fhe-sklearn.ts).
 *
 * Data preparation (in the clear, at the client): Spambase gets log(x + 0.1) then
 * standardization (the usual preprocessing of this set, as in The Elements of Statistical
 * Learning: its heavy-tailed counts otherwise quantize to one or two levels at the bit-widths
 * the table allows); breast cancer is standardized; digits' pixels are divided by 16.
 */
import { loadBreastCancer } from '../data/breast-cancer';
import { loadSpambase } from '../data/spambase';
import { loadDigits } from '../data/digits';
import { TabularSplit, splitRows, standardize } from '../data/tabular';
import { LinearKind, LinearModel, LinearRegression, LinearSVC, LogisticRegression } from '../models';
import { median } from '../util/stats';

export const SKLEARN_DATASETS = ['spambase', 'breast-cancer', 'digits'] as const;
export type SklearnDataset = (typeof SKLEARN_DATASETS)[number];

/** The split of a data set (test fraction 0.2, seeded), prepared as the module doc says. */
export function prepareDataset(name: SklearnDataset, seed = 0): TabularSplit {
  if (name === 'spambase') {
    const ds = loadSpambase();
    return standardize(splitRows({ x: ds.x.map((r) => r.map((v) => Math.log(v + 0.1))), y: ds.y }, 0.2, seed));
  }
  if (name === 'breast-cancer') return standardize(splitRows(loadBreastCancer(), 0.2, seed));
  if (name === 'digits') {
    const s = splitRows(loadDigits(), 0.2, seed);
    return { ...s, xTrain: s.xTrain.map((r) => r.map((v) => v / 16)), xTest: s.xTest.map((r) => r.map((v) => v / 16)) };
  }
  throw new RangeError(`unknown data set ${String(name)} (${SKLEARN_DATASETS.join(', ')})`);
}

export function makeModel(kind: LinearKind): LinearModel {
  if (kind === 'logistic-regression') return new LogisticRegression();
  if (kind === 'linear-svc') return new LinearSVC();
  if (kind === 'linear-regression') return new LinearRegression();
  throw new RangeError(`unknown model ${String(kind)}`);
}

export interface SklearnRow {
  dataset: SklearnDataset;
  model: LinearKind;
  readout: 'levelled' | 'pbs';
  /** accuracy, or R² for linear-regression */
  metric: 'accuracy' | 'r2';
  train_rows: number;
  test_rows: number;
  n_bits: { inputs: number; weights: number };
  /** nBits 'auto': agreement with the float model on the calibration rows; bit-width pairs ranked above it that did not compile. */
  calibration_agreement: number | null;
  n_bits_rejected: number;
  output_bits: number;
  head: string;
  parameter_set: string;
  polynomial_size: number;
  pbs_per_prediction: number;
  accumulator_bits: number;
  /** pbs: the compiler's predicted read error; levelled: the decoding error bound (0 when it underflows). */
  predicted_read_error: number;
  score_float: number;
  score_quantized_clear: number;
  score_simulate: number;
  /** simulate equals the quantized clear model on every test row (it must). */
  simulate_equals_clear: boolean;
  /** with the noise model's read noise (seed 0): score, and rows whose output differs from the clear model. */
  score_simulate_noise: number;
  simulate_noise_rows_differing: number;
  execute_rows: number;
  score_execute: number | null;
  /** Executed rows whose output levels equal the quantized clear model's. */
  execute_rows_equal_clear: number;
  score_clear_on_executed_rows: number | null;
  ms_per_prediction_median: number | null;
  ms_per_prediction_min: number | null;
  keygen_s: number | null;
  /** Mean per executed row of each phase: client encryption, server (linear part + PBS), client decryption. */
  ms_encrypt_per_row: number | null;
  ms_server_per_row: number | null;
  ms_decrypt_per_row: number | null;
  /** Process CPU time (all threads) in the server per row: less sensitive than wall time to a shared machine. */
  server_cpu_ms_per_row: number | null;
}

function scoreOf(kind: LinearKind, y: number[], p: number[]): number {
  if (kind !== 'linear-regression') return p.filter((v, i) => v === y[i]).length / y.length;
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  return 1 - y.reduce((s, v, i) => s + (v - p[i]) ** 2, 0) / y.reduce((s, v) => s + (v - mean) ** 2, 0);
}

export interface SklearnRunOptions {
  /** 'levelled' (default) or 'pbs' (LinearCompileOptions.readout). */
  readout?: 'levelled' | 'pbs';
  executeRows?: number;
  /** Execute only when the chosen set's N is at most this (default: always); larger sets' keys take minutes. */
  executeMaxN?: number;
  /** The compiler's read-error target (default: the models' own, LinearCompileOptions). */
  pError?: number;
  /** Largest polynomial size N of the candidate parameter sets (default: the models', 4096). */
  maxPolynomialSize?: number;
  threads?: number;
  log?: (line: string) => void;
}

/** One model on one prepared split: fit, compile on the training rows, the four modes. */
export async function runLinearFhe(dataset: SklearnDataset, kind: LinearKind, split: TabularSplit, o: SklearnRunOptions = {}): Promise<SklearnRow> {
  const log = o.log ?? (() => undefined);
  const m = makeModel(kind).fit(split.xTrain, split.yTrain);
  const info = m.compile(split.xTrain, { readout: o.readout, pError: o.pError, maxPolynomialSize: o.maxPolynomialSize });
  log(
    `${dataset}/${kind} (${info.readout}): ${info.nBits.inputs}/${info.nBits.weights}-bit inputs/weights, ${info.pbsPerPrediction} PBS, ${info.parameterSet}`,
  );
  const predictWith = async (fhe?: 'disable' | 'simulate', noise = false): Promise<{ p: number[]; levels?: number[][] }> => {
    const out = await m.outputs(split.xTest, { fhe, noise, seed: 0 });
    return { p: m.predictFromOutputs(out, fhe !== undefined), levels: out.levels };
  };
  const fl = await predictWith();
  const clear = await predictWith('disable');
  const sim = await predictWith('simulate');
  const simN = await predictWith('simulate', true);
  const same = (a?: number[][], b?: number[][], i?: number): boolean => JSON.stringify(a?.[i as number]) === JSON.stringify(b?.[i as number]);
  const rows = info.polynomialSize > (o.executeMaxN ?? Infinity) ? 0 : Math.min(o.executeRows ?? 10, split.xTest.length);
  let exec: Awaited<ReturnType<LinearModel['outputs']>> | undefined;
  let execPred: number[] = [];
  if (rows > 0) {
    const x = split.xTest.slice(0, rows);
    exec = await m.outputs(x, { fhe: 'execute', threads: o.threads, onSample: (d, t) => log(`${dataset}/${kind}: encrypted row ${d}/${t}`) });
    // the class (or value) from the executed levels: the same post-processing as predict
    execPred = m.predictFromOutputs(exec, true);
  }
  const times = exec?.prediction?.times;
  const yExec = split.yTest.slice(0, rows);
  const row: SklearnRow = {
    dataset,
    model: kind,
    readout: info.readout,
    metric: kind === 'linear-regression' ? 'r2' : 'accuracy',
    train_rows: split.xTrain.length,
    test_rows: split.xTest.length,
    n_bits: info.nBits,
    calibration_agreement: info.calibrationAgreement ?? null,
    n_bits_rejected: info.rejected.length,
    output_bits: info.outputBits,
    head: info.head,
    parameter_set: info.parameterSet,
    polynomial_size: info.polynomialSize,
    pbs_per_prediction: info.pbsPerPrediction,
    accumulator_bits: info.accumulatorBits,
    predicted_read_error: info.predictedReadError,
    score_float: scoreOf(kind, split.yTest, fl.p),
    score_quantized_clear: scoreOf(kind, split.yTest, clear.p),
    score_simulate: scoreOf(kind, split.yTest, sim.p),
    simulate_equals_clear: split.xTest.every((_, i) => same(sim.levels, clear.levels, i)),
    score_simulate_noise: scoreOf(kind, split.yTest, simN.p),
    simulate_noise_rows_differing: split.xTest.filter((_, i) => !same(simN.levels, clear.levels, i)).length,
    execute_rows: rows,
    score_execute: rows > 0 ? scoreOf(kind, yExec, execPred) : null,
    execute_rows_equal_clear: exec ? yExec.filter((_, i) => same(exec?.levels, clear.levels, i)).length : 0,
    score_clear_on_executed_rows: rows > 0 ? scoreOf(kind, yExec, clear.p.slice(0, rows)) : null,
    ms_per_prediction_median: times ? 1000 * median(times.per_sample_s) : null,
    ms_per_prediction_min: times ? 1000 * Math.min(...times.per_sample_s) : null,
    keygen_s: times ? times.keygen_s : null,
    ms_encrypt_per_row: times ? (1000 * times.encrypt_s) / rows : null,
    ms_server_per_row: times ? (1000 * times.server_s) / rows : null,
    ms_decrypt_per_row: times ? (1000 * times.decrypt_s) / rows : null,
    server_cpu_ms_per_row: times ? (1000 * times.server_cpu_s) / rows : null,
  };
  m.dispose();
  return row;
}
