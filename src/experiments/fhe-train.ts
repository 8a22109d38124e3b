/**
 * Training on encrypted data (issue 14 part 3, Concrete ML's `fit_encrypted`): SGDClassifier
 * on a data set's split (Spambase by default, prepared as fhe-sklearn.ts does), trained
 * by float SGD in the clear, by the quantized integer program, by that program with the
 * read-noise model, and encrypted for the first `executeIterations` batches — all on the
 * same batches (same seed). The encrypted weights are compared level by level with the
 * integer program's after as many iterations (beside the noise model's prediction of that
 * agreement), and scored on the test rows.
 */
import { SGDClassifier, SGDClassifierOptions } from '../models/sgd-classifier';
import { SklearnDataset, prepareDataset } from './fhe-sklearn';
import { median } from '../util/stats';

export interface EncryptedTrainingOptions extends Omit<SGDClassifierOptions, 'maxIter'> {
  dataset?: SklearnDataset;
  /** iterations of the clear runs (float, integer, simulate); default 200 */
  iterations?: number;
  /** iterations run encrypted (0: none); default 1 */
  executeIterations?: number;
  /** the first `features` columns only (default: all) */
  features?: number;
  threads?: number;
  log?: (line: string) => void;
}

export interface EncryptedTrainingResult {
  dataset: string;
  features: number;
  train_rows: number;
  test_rows: number;
  batch_size: number;
  bits: { data: number; weights: number; error: number };
  learning_rate: number;
  weight_range: number;
  parameter_set: string;
  polynomial_size: number;
  pbs_per_iteration: number;
  iterations: number;
  accuracy_float: number;
  accuracy_integer: number;
  accuracy_simulate_noise: number;
  execute: null | {
    iterations: number;
    accuracy_execute: number;
    accuracy_float: number;
    accuracy_integer: number;
    levels_equal_to_integer: number;
    /** the noise model's prediction of levels_equal_to_integer: mean over 20 noise seeds of simulate + noise */
    noise_model_levels_equal_mean: number;
    levels: number;
    max_level_difference: number;
    keygen_s: number;
    encrypt_s: number;
    s_per_iteration_median: number;
    s_per_iteration: number[];
    cpu_s_per_iteration_median: number;
    pbs_per_s: number;
  };
}

export async function runEncryptedTraining(o: EncryptedTrainingOptions = {}): Promise<EncryptedTrainingResult> {
  const dataset = o.dataset ?? 'spambase';
  const split = prepareDataset(dataset);
  const all = split.xTrain[0].length;
  const f = o.features ?? all;
  if (!Number.isInteger(f) || f < 1 || f > all) throw new RangeError(`features must be an integer in [1, ${all}], got ${f}`);
  const cut = (x: number[][]) => x.map((r) => r.slice(0, f));
  const [xTrain, xTest] = [cut(split.xTrain), cut(split.xTest)];
  const iterations = o.iterations ?? 200;
  const executeIterations = o.executeIterations ?? 1;
  const { dataset: _d, iterations: _i, executeIterations: _e, features: _f, threads, log, ...modelOptions } = o;
  const make = (maxIter: number) => new SGDClassifier({ ...modelOptions, maxIter });
  const score = (m: SGDClassifier) => m.score(xTest, split.yTest);
  const float = await make(iterations).fit(xTrain, split.yTrain);
  const integer = await make(iterations).fit(xTrain, split.yTrain, { fheTraining: 'disable' });
  const noisy = await make(iterations).fit(xTrain, split.yTrain, { fheTraining: 'simulate', noise: true });
  const plan = integer.plan(f);
  log?.(
    `${dataset}: ${iterations} iterations: float ${score(float).toFixed(4)}, integer ${score(integer).toFixed(4)}, simulate+noise ${score(noisy).toFixed(4)}`,
  );
  let execute: EncryptedTrainingResult['execute'] = null;
  if (executeIterations > 0) {
    const enc = await make(executeIterations).fit(xTrain, split.yTrain, {
      fheTraining: 'execute',
      threads,
      onIteration: (it) => log?.(`encrypted iteration ${it}/${executeIterations}`),
    });
    const ref = await make(executeIterations).fit(xTrain, split.yTrain, { fheTraining: 'disable' });
    const refFloat = await make(executeIterations).fit(xTrain, split.yTrain);
    const r = enc.trainingReport!;
    const a = r.levels!;
    const b = ref.trainingReport!.levels!;
    const secs = r.serverSecondsPerIteration!;
    let predicted = 0;
    for (let seed = 0; seed < 20; seed++) {
      const sim = await make(executeIterations).fit(xTrain, split.yTrain, { fheTraining: 'simulate', noise: true, noiseSeed: seed });
      predicted += sim.trainingReport!.levels!.filter((v, j) => v === b[j]).length / 20;
    }
    const med = median(secs);
    execute = {
      iterations: executeIterations,
      accuracy_execute: score(enc),
      accuracy_float: score(refFloat),
      accuracy_integer: score(ref),
      levels_equal_to_integer: a.filter((v, j) => v === b[j]).length,
      noise_model_levels_equal_mean: predicted,
      levels: a.length,
      max_level_difference: Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j]))),
      keygen_s: r.keygenSeconds!,
      encrypt_s: r.encryptSeconds!,
      s_per_iteration_median: med,
      s_per_iteration: secs,
      cpu_s_per_iteration_median: median(r.serverCpuSecondsPerIteration!),
      pbs_per_s: plan.pbsPerIteration / med,
    };
  }
  return {
    dataset,
    features: f,
    train_rows: xTrain.length,
    test_rows: xTest.length,
    batch_size: plan.batchSize,
    bits: plan.bits,
    learning_rate: plan.learningRateUsed,
    weight_range: integer.options.weightRange,
    parameter_set: plan.parameterSet,
    polynomial_size: plan.polynomialSize,
    pbs_per_iteration: plan.pbsPerIteration,
    iterations,
    accuracy_float: score(float),
    accuracy_integer: score(integer),
    accuracy_simulate_noise: score(noisy),
    execute,
  };
}
