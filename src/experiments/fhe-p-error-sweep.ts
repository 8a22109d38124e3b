/**
 * Issue 14's p_error (read-error) trade-off for the scikit-learn-style models: per model and
 * error target per lookup, the set the compiler picks, PBS per prediction, predicted read and
 * inference error, accuracy of the noise-free and the noisy simulation on every test row, and
 * time per prediction as PBS count × measured CPU ms of one KS + PBS of the chosen set on one
 * thread (the time model of bench fhe-levers; `timePbs` returns null for sets it does not time),
 * plus an executed row where the set is small enough. Linear models run with the PBS readout:
 * the levelled one has no lookup, so p_error does not touch it; with nBits 'auto' the target also
 * moves the bit-widths (the best-agreeing pair that meets it). Concrete ML's figure: p_error 0.01
 * is about 10x faster than 1e-6.
 */
import type { TabularSplit } from '../data/tabular';
import type { LinearKind, TreeKind } from '../models';
import { SklearnDataset, runLinearFhe } from './fhe-sklearn';
import { TREE_KINDS, runTreeFhe } from './fhe-trees';
import { CompileError } from '../fhe/tfhe/compile/options';

export const SOURCE_P_ERROR = 'p_error 0.01 is about 10x faster than 1e-6 (Concrete ML)';

export interface PErrorSweepRow {
  dataset: SklearnDataset;
  model: LinearKind | TreeKind;
  p_error: number;
  /** the compiler's message when no candidate set meets the target */
  error: string | null;
  /** linear models: 'pbs' (see the module doc); trees: 'gemm' */
  readout: 'pbs' | 'gemm';
  parameter_set: string | null;
  polynomial_size: number | null;
  pbs_per_prediction: number | null;
  predicted_read_error: number | null;
  /** P(some read of a prediction is off): the trees' (mean over calibration rows); linear: 1 − (1 − read error)^PBS */
  predicted_inference_error: number | null;
  score_float: number | null;
  score_simulate: number | null;
  score_simulate_noise: number | null;
  simulate_noise_rows_differing: number | null;
  /** CPU ms of one KS + PBS of the chosen set on one thread; null: not timed (N above the time limit) */
  ms_per_ks_pbs: number | null;
  ms_per_prediction_estimate: number | null;
  execute_rows: number;
  execute_rows_equal_clear: number;
  ms_per_prediction_executed: number | null;
  server_cpu_ms_per_row: number | null;
}

export interface PErrorSweepOptions {
  pErrors: number[];
  /** CPU ms per KS + PBS of a set on one thread, or null (not timed) */
  timePbs: (parameterSet: string) => Promise<number | null>;
  /** rows executed per (model, p_error) when N ≤ executeMaxN (default 1 row, N ≤ 4096) */
  executeRows?: number;
  executeMaxN?: number;
  /**
   * Largest N the compiler may pick (default: 16384 for trees; 4096 for linear models, whose
   * nBits 'auto' otherwise climbs to wider bits at N = 8192–16384 rather than meet the target).
   */
  maxPolynomialSize?: number;
  threads?: number;
  log?: (line: string) => void;
}

function emptyRow(dataset: SklearnDataset, model: LinearKind | TreeKind, pError: number, error: string | null): PErrorSweepRow {
  return {
    dataset,
    model,
    p_error: pError,
    error,
    readout: (TREE_KINDS as string[]).includes(model) ? 'gemm' : 'pbs',
    parameter_set: null,
    polynomial_size: null,
    pbs_per_prediction: null,
    predicted_read_error: null,
    predicted_inference_error: null,
    score_float: null,
    score_simulate: null,
    score_simulate_noise: null,
    simulate_noise_rows_differing: null,
    ms_per_ks_pbs: null,
    ms_per_prediction_estimate: null,
    execute_rows: 0,
    execute_rows_equal_clear: 0,
    ms_per_prediction_executed: null,
    server_cpu_ms_per_row: null,
  };
}

/** Every (model, p_error) on one prepared split. */
export async function runPErrorSweep(
  dataset: SklearnDataset,
  split: TabularSplit,
  models: (LinearKind | TreeKind)[],
  o: PErrorSweepOptions,
): Promise<PErrorSweepRow[]> {
  const log = o.log ?? (() => undefined);
  const rows: PErrorSweepRow[] = [];
  for (const model of models) {
    for (const pError of o.pErrors) {
      if (!(pError > 0 && pError < 1)) throw new RangeError(`p_error must be in (0, 1), got ${pError}`);
      const isTree = (TREE_KINDS as string[]).includes(model);
      const run = {
        pError,
        executeRows: o.executeRows ?? 1,
        executeMaxN: o.executeMaxN ?? 4096,
        maxPolynomialSize: o.maxPolynomialSize ?? (isTree ? 16384 : 4096),
        threads: o.threads,
        log,
      };
      let r;
      try {
        r = isTree
          ? await runTreeFhe(dataset, model as TreeKind, split, run)
          : await runLinearFhe(dataset, model as LinearKind, split, { ...run, readout: 'pbs' });
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
        log(`${dataset}/${model}, p_error ${pError}: ${e.message.slice(0, 160)}`);
        rows.push(emptyRow(dataset, model, pError, e.message.slice(0, 300)));
        continue;
      }
      const msPbs = await o.timePbs(r.parameter_set);
      const row: PErrorSweepRow = {
        ...emptyRow(dataset, model, pError, null),
        parameter_set: r.parameter_set,
        polynomial_size: r.polynomial_size,
        pbs_per_prediction: r.pbs_per_prediction,
        predicted_read_error: r.predicted_read_error,
        predicted_inference_error: 'predicted_inference_error' in r ? r.predicted_inference_error : 1 - (1 - r.predicted_read_error) ** r.pbs_per_prediction,
        score_float: r.score_float,
        score_simulate: r.score_simulate,
        score_simulate_noise: r.score_simulate_noise,
        simulate_noise_rows_differing: r.simulate_noise_rows_differing,
        ms_per_ks_pbs: msPbs,
        ms_per_prediction_estimate: msPbs === null ? null : msPbs * r.pbs_per_prediction,
        execute_rows: r.execute_rows,
        execute_rows_equal_clear: r.execute_rows_equal_clear,
        ms_per_prediction_executed: r.ms_per_prediction_median,
        server_cpu_ms_per_row: r.server_cpu_ms_per_row,
      };
      log(
        `${dataset}/${model}, p_error ${pError}: N = ${row.polynomial_size}, ${row.pbs_per_prediction} PBS, simulate ${row.score_simulate} / noisy ${row.score_simulate_noise}, ` +
          `${row.ms_per_prediction_estimate === null ? 'not timed' : `${row.ms_per_prediction_estimate.toFixed(1)} ms estimated`}`,
      );
      rows.push(row);
    }
  }
  return rows;
}
