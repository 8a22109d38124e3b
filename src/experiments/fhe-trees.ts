/**
 * Issue 14's tree models in FHE on a prepared split (the data as fhe-sklearn.ts prepares it):
 * fit in the clear, compile (6-bit inputs and leaves, Hummingbird GEMM), then accuracy of the
 * float model, the quantized model in the clear (direct traversal), the simulated circuit
 * (with and without the noise model's read noise) and the encrypted run on the first
 * `executeRows` test rows; ms per encrypted prediction, PBS count. The source's settings
 * (Concrete ML, Spambase, n_bits 6): decision tree depth 5, random forest 50 trees depth 5,
 * XGBoost 50 trees depth 4; its figures ride along in each row.
 */
import type { TabularSplit } from '../data/tabular';
import { DecisionTreeClassifier, RandomForestClassifier, TreeEnsembleClassifier, TreeKind, XGBClassifier, treeModelFromJson } from '../models';
import { median } from '../util/stats';
import type { SklearnRow } from './fhe-sklearn';

export const TREE_KINDS: TreeKind[] = ['decision-tree', 'xgboost', 'random-forest'];

/** The source's settings (depth, trees) per kind. */
export const TREE_SETTINGS: Record<TreeKind, { maxDepth: number; nEstimators: number }> = {
  'decision-tree': { maxDepth: 5, nEstimators: 1 },
  xgboost: { maxDepth: 4, nEstimators: 50 },
  'random-forest': { maxDepth: 5, nEstimators: 50 },
};

/** Concrete ML's Spambase figures (8 cores): FHE accuracy, seconds per prediction, float accuracy. */
export const SOURCE_TREE_ROWS: Record<TreeKind, { accuracy: number; seconds: number; float_accuracy: number }> = {
  'decision-tree': { accuracy: 0.91, seconds: 1.31, float_accuracy: 0.903 },
  xgboost: { accuracy: 0.931, seconds: 7.02, float_accuracy: 0.936 },
  'random-forest': { accuracy: 0.909, seconds: 16.2, float_accuracy: 0.918 },
};

export function makeTreeModel(kind: TreeKind, seed = 0): TreeEnsembleClassifier {
  const s = TREE_SETTINGS[kind];
  if (kind === 'decision-tree') return new DecisionTreeClassifier({ maxDepth: s.maxDepth });
  if (kind === 'random-forest') return new RandomForestClassifier({ maxDepth: s.maxDepth, nEstimators: s.nEstimators, seed });
  if (kind === 'xgboost') return new XGBClassifier({ maxDepth: s.maxDepth, nEstimators: s.nEstimators });
  throw new RangeError(`unknown tree model ${String(kind)}`);
}

export interface TreeRunOptions {
  executeRows?: number;
  /** Execute only when the chosen set's N is at most this (default: always). */
  executeMaxN?: number;
  nBits?: number;
  pError?: number;
  maxPolynomialSize?: number;
  threads?: number;
  /** Compile this model (e.g. scikit-learn's, imported) instead of training ours. */
  imported?: unknown;
  log?: (line: string) => void;
}

/** The columns a tree row shares with the linear models' rows (fhe-sklearn.ts SklearnRow). */
type SharedColumns =
  | 'pbs_per_prediction'
  | 'parameter_set'
  | 'polynomial_size'
  | 'predicted_read_error'
  | 'score_float'
  | 'score_quantized_clear'
  | 'score_simulate'
  | 'score_simulate_noise'
  | 'simulate_noise_rows_differing'
  | 'execute_rows'
  | 'score_execute'
  | 'execute_rows_equal_clear'
  | 'ms_per_prediction_median'
  | 'ms_per_prediction_min'
  | 'keygen_s'
  | 'ms_encrypt_per_row'
  | 'ms_server_per_row'
  | 'server_cpu_ms_per_row';

export interface TreeRow extends Pick<SklearnRow, SharedColumns> {
  dataset: string;
  model: TreeKind;
  trained_by: 'privlab' | 'imported';
  max_depth: number;
  n_estimators: number;
  n_bits: number;
  leaf_bits: number;
  comparisons: number;
  leaves: number;
  /** layer 1 (the inputs' bits, signed) and layer 2 (log2(depth) + 1) */
  accumulator_bits: number[];
  /** probability that some read of a prediction is off (mean over calibration rows) */
  predicted_inference_error: number;
  /** probability that a tree's levelled output decodes wrong (normal tail; 0 when it underflows) */
  sum_decode_error_bound: number;
  /** every test row's tree outputs from the circuit equal the direct traversal's; execute_rows_equal_clear counts rows likewise */
  simulate_equals_clear: boolean;
  source: { accuracy: number; seconds: number; float_accuracy: number };
}

function accuracy(y: number[], p: number[]): number {
  return p.filter((v, i) => v === y[i]).length / y.length;
}

export async function runTreeFhe(dataset: string, kind: TreeKind, split: TabularSplit, o: TreeRunOptions = {}): Promise<TreeRow> {
  const log = o.log ?? (() => undefined);
  const m = o.imported ? treeModelFromJson(o.imported) : makeTreeModel(kind).fit(split.xTrain, split.yTrain);
  const info = m.compile(split.xTrain, { nBits: o.nBits, pError: o.pError, maxPolynomialSize: o.maxPolynomialSize });
  log(`${dataset}/${kind}: ${info.comparisons} comparisons + ${info.leaves} leaves = ${info.pbsPerPrediction} PBS, ${info.parameterSet}`);
  const fl = await m.predict(split.xTest);
  const clear = await m.outputs(split.xTest, { fhe: 'disable' });
  const sim = await m.outputs(split.xTest, { fhe: 'simulate' });
  const simN = await m.outputs(split.xTest, { fhe: 'simulate', noise: true, seed: 0 });
  const classes = m.classes as number[];
  const labels = (l: number[]): number[] => l.map((k) => classes[k]);
  // quantized trees: one per tree, or per (tree, class) with more than two classes
  const T = (m.quantized as { trees: unknown[] }).trees.length;
  const sameRow = (a: Int32Array | undefined, b: Int32Array | undefined, i: number): boolean => {
    for (let k = 0; k < T; k++) if (a?.[i * T + k] !== b?.[i * T + k]) return false;
    return true;
  };
  const rows = info.polynomialSize > (o.executeMaxN ?? Infinity) ? 0 : Math.min(o.executeRows ?? 3, split.xTest.length);
  const exec =
    rows > 0
      ? await m.outputs(split.xTest.slice(0, rows), {
          fhe: 'execute',
          threads: o.threads,
          onSample: (d, t) => log(`${dataset}/${kind}: encrypted row ${d}/${t}`),
        })
      : undefined;
  const times = exec?.times;
  const s = TREE_SETTINGS[kind];
  const row: TreeRow = {
    dataset,
    model: kind,
    trained_by: o.imported ? 'imported' : 'privlab',
    max_depth: s.maxDepth,
    n_estimators: m.trees.length,
    n_bits: info.nBits,
    leaf_bits: info.leafBits,
    parameter_set: info.parameterSet,
    polynomial_size: info.polynomialSize,
    comparisons: info.comparisons,
    leaves: info.leaves,
    pbs_per_prediction: info.pbsPerPrediction,
    accumulator_bits: info.accumulatorBits,
    predicted_read_error: info.predictedReadError,
    predicted_inference_error: info.predictedInferenceError,
    sum_decode_error_bound: info.sumDecodeErrorBound,
    score_float: accuracy(split.yTest, fl),
    score_quantized_clear: accuracy(split.yTest, labels(clear.labels)),
    score_simulate: accuracy(split.yTest, labels(sim.labels)),
    simulate_equals_clear: split.xTest.every((_, i) => sameRow(sim.treeOutputs, clear.treeOutputs, i)),
    score_simulate_noise: accuracy(split.yTest, labels(simN.labels)),
    simulate_noise_rows_differing: split.xTest.filter((_, i) => simN.labels[i] !== clear.labels[i]).length,
    execute_rows: rows,
    score_execute: exec ? accuracy(split.yTest.slice(0, rows), labels(exec.labels)) : null,
    execute_rows_equal_clear: exec ? Array.from({ length: rows }, (_, i) => sameRow(exec.treeOutputs, clear.treeOutputs, i)).filter(Boolean).length : 0,
    ms_per_prediction_median: times ? 1000 * median(times.per_sample_s) : null,
    ms_per_prediction_min: times ? 1000 * Math.min(...times.per_sample_s) : null,
    keygen_s: times ? times.keygen_s : null,
    ms_encrypt_per_row: times ? (1000 * times.encrypt_s) / rows : null,
    ms_server_per_row: times ? (1000 * times.server_s) / rows : null,
    server_cpu_ms_per_row: times ? (1000 * times.server_cpu_s) / rows : null,
    source: SOURCE_TREE_ROWS[kind],
  };
  m.dispose();
  return row;
}
