/**
 * The compiler's speed levers on the MNIST FCNN (the fhe-mnist experiment's model and data):
 * for every error target per lookup (pError) and rounding of accumulators (roundingThresholdBits),
 * the parameter set the compiler picks, its PBS count, predicted and measured error rates,
 * accuracy (the rounded integer program in the clear, and simulated with the noise model on the
 * test digits; executed on a few), and the time per image: PBS count × the measured time of one
 * key switch + PBS of the chosen set (one core), and the executed time where run.
 * Concrete ML's corresponding figures: p_error 0.01 about 10x faster than 1e-6; VGG-9 on CIFAR
 * 88.7 % → 88.0 / 87.2 / 86.0 % at 8 / 7 / 6 rounding bits.
 * `privlab bench fhe-levers` (bench/fhe-levers.ts) runs it and measures the PBS times.
 */
import { MnistSource, mnistSplit } from '../data/mnist-canonical';
import { subset } from '../data/dataset';
import { classificationAccuracy, pixels01 } from '../quant/classifiers/fcnn';
import { Prediction, agreement, compile } from '../fhe/tfhe/run/model';
import { CompileError } from '../fhe/tfhe/compile/options';
import { quantizeInputs, runQuantized } from '../quant/quantized-eval';
import { obtainModel } from './fhe-mnist';
import { median } from '../util/stats';

export const CONCRETE_LEVERS_REFERENCE = {
  p_error: 'p_error 0.01 is about 10x faster than 1e-6 (Concrete ML overview)',
  rounding_vgg9_cifar: { off: 88.7, 8: 88.0, 7: 87.2, 6: 86.0 },
} as const;

export interface FheLeversOptions {
  mnist?: MnistSource;
  /** The trained FCNN (trained and saved there if absent, as fhe-mnist does). */
  modelFile: string;
  /** Training images as the compile input set (default 1000), test digits simulated (default 1000) and executed (default 0). */
  calibration?: number;
  simulateSamples?: number;
  executeSamples?: number;
  pErrors?: number[];
  /** null: no rounding. */
  roundingBits?: Array<number | null>;
  /** Execute only rows whose set has N ≤ this (default 2048: larger sets' keys take minutes). */
  executeMaxN?: number;
  threads?: number;
  /** ms of one key switch + PBS on one core for a set (null: not timed); the bench measures it. */
  timePbs?: (parameterSet: string) => Promise<number | null>;
  log?: (line: string) => void;
}

export interface FheLeversRow {
  p_error: number;
  rounding_bits: number | null;
  /** Why the compiler found no set (the other fields are null then). */
  error: string | null;
  parameter_set: string | null;
  polynomial_size: number | null;
  pbs_count: number | null;
  /** Low bits rounded off per layer. */
  rounding_shifts: number[] | null;
  predicted_read_error: number | null;
  predicted_inference_error: number | null;
  simulate_read_error: number | null;
  simulate_inference_error: number | null;
  /**
   * The rounded integer program in the clear, the noise-free simulation (they differ only where
   * an unseen digit's accumulator leaves its calibrated window + margin), and simulated with
   * noise (seed 1); digits whose noise-free simulated outputs equal the clear program's.
   */
  accuracy_clear: number | null;
  accuracy_simulate: number | null;
  accuracy_simulate_noise: number | null;
  simulate_equal_clear: number | null;
  ms_per_ks_pbs: number | null;
  /** pbs_count × ms_per_ks_pbs: one core, server only. */
  ms_per_image_estimate: number | null;
  accuracy_execute: number | null;
  /** Executed digits whose outputs equal the noise-free simulation's. */
  execute_equal_simulate: number | null;
  execute_s_per_image: number | null;
  execute_cpu_ms_per_pbs: number | null;
}

export interface FheLeversResult {
  experiment: 'fhe-levers';
  model: string;
  hidden: number[];
  calibration: number;
  simulate_samples: number;
  execute_samples: number;
  /** The unrounded integer model in the clear on the simulated digits. */
  accuracy_clear_unrounded: number;
  rows: FheLeversRow[];
  ms_per_ks_pbs_by_set: Record<string, number | null>;
  concrete_reference: typeof CONCRETE_LEVERS_REFERENCE;
}

function emptyRow(pError: number, bits: number | null, error: string): FheLeversRow {
  return {
    p_error: pError,
    rounding_bits: bits,
    error,
    parameter_set: null,
    polynomial_size: null,
    pbs_count: null,
    rounding_shifts: null,
    predicted_read_error: null,
    predicted_inference_error: null,
    simulate_read_error: null,
    simulate_inference_error: null,
    accuracy_clear: null,
    accuracy_simulate: null,
    accuracy_simulate_noise: null,
    simulate_equal_clear: null,
    ms_per_ks_pbs: null,
    ms_per_image_estimate: null,
    accuracy_execute: null,
    execute_equal_simulate: null,
    execute_s_per_image: null,
    execute_cpu_ms_per_pbs: null,
  };
}

export async function runFheLevers(o: FheLeversOptions): Promise<FheLeversResult> {
  const log = o.log ?? (() => undefined);
  const { train, test } = mnistSplit(o.mnist);
  const { model } = await obtainModel({ modelFile: o.modelFile }, train, test, log);
  const calib = Math.min(o.calibration ?? 1000, train.count);
  const inputset = pixels01(
    subset(
      train,
      Array.from({ length: calib }, (_, i) => i),
    ),
  );
  const simCount = Math.min(o.simulateSamples ?? 1000, test.count);
  const simSet = subset(
    test,
    Array.from({ length: simCount }, (_, i) => i),
  );
  const x = pixels01(simSet);
  const exCount = Math.min(o.executeSamples ?? 0, simCount);
  const accuracy = (p: Prediction): number => classificationAccuracy(p.levels, simSet.labels.subarray(0, p.count), p.features);
  const timed = new Map<string, number | null>();
  const rows: FheLeversRow[] = [];
  const unrounded = runQuantized(model, quantizeInputs(model, x), simCount).outputs;
  const clearUnrounded = classificationAccuracy(unrounded, simSet.labels, model.layers[model.layers.length - 1].outputs);
  for (const bits of o.roundingBits ?? [null, 8, 7, 6, 5]) {
    for (const pError of o.pErrors ?? [1e-6, 1e-4, 1e-2, 0.1]) {
      let fhe;
      try {
        fhe = compile(model, inputset, { name: 'mnist-fcnn-levers', pError, roundingThresholdBits: bits });
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
        rows.push(emptyRow(pError, bits, e.message));
        log(`p_error ${pError}, rounding ${bits ?? 'off'}: ${e.message.slice(0, 120)}`);
        continue;
      }
      const set = fhe.circuit.parameterSet;
      if (!timed.has(set)) timed.set(set, o.timePbs ? await o.timePbs(set) : null);
      const msPbs = timed.get(set) ?? null;
      const clear = await fhe.predict(x, { fhe: 'disable' });
      const simulate = await fhe.predict(x, { fhe: 'simulate' });
      const noisy = await fhe.predict(x, { fhe: 'simulate', noise: true, seed: 1 });
      const r = fhe.report;
      const row: FheLeversRow = {
        ...emptyRow(pError, bits, ''),
        error: null,
        parameter_set: set,
        polynomial_size: r.polynomialSize,
        pbs_count: r.pbsCount,
        rounding_shifts: fhe.roundingShifts,
        predicted_read_error: r.predictedReadError,
        predicted_inference_error: r.predictedInferenceError,
        simulate_read_error: (noisy.wrongReads ?? 0) / (noisy.reads ?? 1),
        simulate_inference_error: (noisy.wrongSamples ?? 0) / noisy.count,
        accuracy_clear: accuracy(clear),
        accuracy_simulate: accuracy(simulate),
        accuracy_simulate_noise: accuracy(noisy),
        simulate_equal_clear: agreement(simulate, clear).samples,
        ms_per_ks_pbs: msPbs,
        ms_per_image_estimate: msPbs === null ? null : msPbs * r.pbsCount,
      };
      if (exCount > 0 && r.polynomialSize <= (o.executeMaxN ?? 2048)) {
        log(`p_error ${pError}, rounding ${bits ?? 'off'}: executing ${exCount} digits on ${set}`);
        try {
          const ex = await fhe.predict(x.subarray(0, exCount * fhe.inputFeatures), { fhe: 'execute', threads: o.threads });
          const sim = { ...simulate, count: exCount, levels: simulate.levels.subarray(0, exCount * simulate.features) };
          row.accuracy_execute = accuracy(ex);
          row.execute_equal_simulate = agreement(ex, sim).samples;
          row.execute_s_per_image = median(ex.times!.per_sample_s);
          row.execute_cpu_ms_per_pbs = (1000 * ex.times!.server_cpu_s) / exCount / r.pbsCount;
        } finally {
          fhe.dispose();
        }
      }
      log(
        `p_error ${pError}, rounding ${bits ?? 'off'}: ${set} (N = ${r.polynomialSize}), ${r.pbsCount} PBS, accuracy ${row.accuracy_clear} clear / ${row.accuracy_simulate} simulate / ${row.accuracy_simulate_noise} noisy, ` +
          `${row.ms_per_image_estimate === null ? '?' : row.ms_per_image_estimate.toFixed(0)} ms/image estimated`,
      );
      rows.push(row);
    }
  }
  return {
    experiment: 'fhe-levers',
    model: o.modelFile,
    hidden: model.layers.slice(0, -1).map((l) => l.outputs),
    calibration: calib,
    simulate_samples: simCount,
    execute_samples: exCount,
    accuracy_clear_unrounded: clearUnrounded,
    rows,
    ms_per_ks_pbs_by_set: Object.fromEntries(timed),
    concrete_reference: CONCRETE_LEVERS_REFERENCE,
  };
}
