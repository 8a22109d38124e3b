/**
 * `privlab bench fhe-sklearn`: issue 14's linear models in FHE (src/experiments/fhe-sklearn.ts)
 * per data set — accuracy float / quantized clear / simulate / execute (on the first
 * --execute-rows test rows), ms per encrypted prediction, PBS count — beside scikit-learn's
 * score on the same split in the same run (bench/sklearn-yardstick.ts).
 */
import { parseArgs } from 'node:util';
import type { NamedBenchmark } from './benchmark';
import { SKLEARN_DATASETS, SklearnDataset, prepareDataset, runLinearFhe } from '../src/experiments/fhe-sklearn';
import { TREE_KINDS, TREE_SETTINGS, runTreeFhe } from '../src/experiments/fhe-trees';
import { treeModelFromJson } from '../src/models';
import type { LinearKind, TreeKind } from '../src/models';
import { intOption, numberOption, UsageError } from '../src/cli/command';
import { runSklearnLinear, runSklearnTrees } from './sklearn-yardstick';
import { round } from './stats';
import { SOURCE_P_ERROR, runPErrorSweep } from '../src/experiments/fhe-p-error-sweep';
import { pbsTimer } from './fhe/pbs-time';

const KINDS: LinearKind[] = ['logistic-regression', 'linear-svc', 'linear-regression'];
/** Data sets the trees run on (when named by --datasets; Spambase by default); XGBoost on digits is softmax boosting. */
const TREE_DATASETS: SklearnDataset[] = ['spambase', 'breast-cancer', 'digits'];
const READOUTS = ['levelled', 'pbs'] as const;

function list<T extends string>(flag: string, v: string | undefined, allowed: readonly T[], dflt: readonly T[]): T[] {
  if (v === undefined) return [...dflt];
  const out = v.split(',').map((s) => s.trim());
  for (const s of out) if (!allowed.includes(s as T)) throw new UsageError(`--${flag}: unknown "${s}" (${allowed.join(', ')})`);
  return out as T[];
}

export const fheSklearnBenchmark: NamedBenchmark = {
  name: 'fhe-sklearn',
  usage: `fhe-sklearn [--datasets spambase,breast-cancer,digits] [--models logistic-regression,linear-svc,linear-regression,decision-tree,xgboost,random-forest] [--readout levelled,pbs] [--execute-rows N] [--tree-execute-rows N] [--p-error P] [--max-n N] [--threads T] [--no-sklearn]
  or: privlab bench fhe-sklearn --p-error-sweep 1e-6,1e-4,0.01,0.1 [--datasets spambase] [--models xgboost,logistic-regression] [--sweep-execute-rows 1] [--execute-max-n 4096] [--time-max-n 4096] [--pbs-repeats R] [--max-n N]
      Linear models fitted in the clear, compiled with each readout (levelled: the client decrypts
      the accumulators, 8 bits; pbs: one lookup per output, bits chosen to fit the table), run
      quantized-clear / simulate / execute (encrypted, first N test rows, default 10); scikit-learn
      on the same split as the yardstick. linear-regression runs on breast cancer only (R² on the 0/1 label).
      Trees (default: on Spambase only; XGBoost on digits: softmax, one tree per class per round): the source's settings (6 bits; decision tree
      depth 5, XGBoost 50 trees depth 4, random forest 50 trees depth 5), Hummingbird GEMM circuits,
      --tree-execute-rows encrypted rows (default 3); scikit-learn's / XGBoost's trees on the same split,
      also imported and compiled here.
      --p-error-sweep: per model and error target per lookup, the chosen set, N, PBS per prediction,
      predicted read / inference error, accuracy noise-free and with the noise model (all test rows),
      ms per prediction = PBS × measured CPU ms of one KS + PBS of the set on one thread (sets with
      N ≤ --time-max-n; N = 16384's keys take GBs), executed rows where N ≤ --execute-max-n. Linear
      models with the PBS readout (the levelled one has no lookup), N ≤ 4096 unless --max-n; trees
      N ≤ 16384 unless --max-n. Key p_error_sweep.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        datasets: { type: 'string' },
        models: { type: 'string' },
        readout: { type: 'string' },
        'execute-rows': { type: 'string' },
        'tree-execute-rows': { type: 'string' },
        threads: { type: 'string' },
        'p-error': { type: 'string' },
        'max-n': { type: 'string' },
        'no-sklearn': { type: 'boolean' },
        'p-error-sweep': { type: 'string' },
        'sweep-execute-rows': { type: 'string' },
        'execute-max-n': { type: 'string' },
        'time-max-n': { type: 'string' },
        'pbs-repeats': { type: 'string' },
      },
    });
    if (values['p-error-sweep'] !== undefined) {
      const pErrors = values['p-error-sweep'].split(',').map((s) => {
        const v = Number(s.trim());
        if (!(v > 0 && v < 1)) throw new UsageError(`--p-error-sweep: "${s}" is not in (0, 1)`);
        return v;
      });
      const models = list<LinearKind | TreeKind>('models', values.models, [...KINDS, ...TREE_KINDS], ['xgboost', 'logistic-regression']);
      const timeMaxN = intOption('time-max-n', values['time-max-n'], 0) ?? 4096;
      const repeats = intOption('pbs-repeats', values['pbs-repeats'], 1) ?? 3;
      const timePbs = pbsTimer({ timeMaxN, repeats, log });
      const sweep = [];
      for (const ds of list<SklearnDataset>('datasets', values.datasets, SKLEARN_DATASETS, ['spambase'])) {
        const split = prepareDataset(ds);
        sweep.push(
          ...(await runPErrorSweep(
            ds,
            split,
            models.filter((k) => k !== 'linear-regression' || ds === 'breast-cancer'),
            {
              pErrors,
              timePbs,
              executeRows: intOption('sweep-execute-rows', values['sweep-execute-rows'], 0) ?? 1,
              executeMaxN: intOption('execute-max-n', values['execute-max-n'], 0) ?? 4096,
              maxPolynomialSize: intOption('max-n', values['max-n'], 256),
              threads: intOption('threads', values.threads, 1),
              log,
            },
          )),
        );
      }
      return {
        benchmark: 'fhe-sklearn',
        time_max_n: timeMaxN,
        pbs_repeats: repeats,
        time_model: 'PBS per prediction × CPU ms of one key switch + PBS of the chosen set on one thread (null: set not timed, N > time_max_n)',
        source: SOURCE_P_ERROR,
        p_error_sweep: sweep,
      };
    }
    const datasets = list<SklearnDataset>('datasets', values.datasets, SKLEARN_DATASETS, SKLEARN_DATASETS);
    const all = list<LinearKind | TreeKind>('models', values.models, [...KINDS, ...TREE_KINDS], [...KINDS, ...TREE_KINDS]);
    const kinds = all.filter((k): k is LinearKind => (KINDS as string[]).includes(k));
    const treeKinds = all.filter((k): k is TreeKind => (TREE_KINDS as string[]).includes(k));
    const treeExecuteRows = intOption('tree-execute-rows', values['tree-execute-rows'], 0) ?? 3;
    const readouts = list<'levelled' | 'pbs'>('readout', values.readout, READOUTS, READOUTS);
    const executeRows = intOption('execute-rows', values['execute-rows'], 0) ?? 10;
    const threads = intOption('threads', values.threads, 1);
    const maxN = intOption('max-n', values['max-n'], 256);
    const pError = numberOption('p-error', values['p-error'], (n) => n > 0 && n < 1, 'in (0, 1)');
    const rows: object[] = [];
    let sklearnVersion: string | null = null;
    for (const ds of datasets) {
      const split = prepareDataset(ds);
      const models = kinds.filter((k) => k !== 'linear-regression' || ds === 'breast-cancer');
      const sk = values['no-sklearn'] || models.length === 0 ? undefined : runSklearnLinear(split, models);
      sklearnVersion = sk?.sklearn ?? sklearnVersion;
      for (const kind of models) {
        for (const readout of readouts) {
          const r = await runLinearFhe(ds, kind, split, { readout, executeRows, threads, pError, maxPolynomialSize: maxN, log });
          const s = sk?.models[kind];
          rows.push({
            ...r,
            sklearn_score: s ? round(s.score, 4) : null,
            sklearn_ms_per_prediction: s ? round(s.ms_per_prediction, 4) : null,
            ms_per_prediction_median: r.ms_per_prediction_median === null ? null : round(r.ms_per_prediction_median),
            ms_per_prediction_min: r.ms_per_prediction_min === null ? null : round(r.ms_per_prediction_min),
          });
        }
      }
    }
    const treeRows: object[] = [];
    let xgboostVersion: string | null = null;
    for (const ds of datasets.filter((d) => TREE_DATASETS.includes(d) && (values.datasets !== undefined || d === 'spambase'))) {
      if (treeKinds.length === 0) break;
      const split = prepareDataset(ds);
      const kindsHere = treeKinds;
      const sk = values['no-sklearn']
        ? undefined
        : runSklearnTrees(
            split,
            kindsHere.map((kind) => ({ kind, ...TREE_SETTINGS[kind], seed: 0 })),
          );
      sklearnVersion = sk?.sklearn ?? sklearnVersion;
      xgboostVersion = sk?.xgboost ?? xgboostVersion;
      for (const kind of kindsHere) {
        const r = await runTreeFhe(ds, kind, split, { executeRows: treeExecuteRows, threads, pError, maxPolynomialSize: maxN, log });
        const s = sk?.models[kind];
        // the yardstick's own trees, imported: float predictions must equal its predictions
        const imported = s ? treeModelFromJson(s.model) : undefined;
        const importedPred = imported ? await imported.predict(split.xTest) : undefined;
        treeRows.push({
          ...r,
          sklearn_score: s ? round(s.score, 4) : null,
          sklearn_ms_per_prediction: s ? round(s.ms_per_prediction, 4) : null,
          imported_predictions_equal: importedPred && s ? importedPred.filter((v, i) => v === s.predictions[i]).length : null,
          imported_score_quantized_clear: imported
            ? (imported.compile(split.xTrain, { maxPolynomialSize: maxN }), round(await imported.score(split.xTest, split.yTest, { fhe: 'disable' }), 4))
            : null,
          ms_per_prediction_median: r.ms_per_prediction_median === null ? null : round(r.ms_per_prediction_median),
          ms_per_prediction_min: r.ms_per_prediction_min === null ? null : round(r.ms_per_prediction_min),
        });
      }
    }
    return {
      benchmark: 'fhe-sklearn',
      sklearn: sklearnVersion,
      xgboost: xgboostVersion,
      tree_execute_rows: treeExecuteRows,
      tree_target: 'trees: accuracy within 1 point of the float model; s per prediction below the source (DT 1.3, XGB 7, RF 16) on 2 cores',
      tree_rows: treeRows,
      execute_rows: executeRows,
      target: 'execute equals the quantized clear model on every executed row; ≤ 100 ms per prediction',
      rows,
    };
  },
};
