/**
 * The Zama MNIST FCNN experiment ("Deep Neural Networks for Encrypted Inference with
 * TFHE": a 3-layer fully connected network, 2-bit weights and activations) on the
 * canonical MNIST (60,000 train / 10,000 test): train with QAT (quant/classifiers), compile on a
 * calibration set of training images, then accuracy in the clear, in simulation (with
 * and without the noise model) and encrypted on a sample of the test split, with time
 * per image by phase. The CLI bench (bench/fhe-mnist.ts) and the notebook
 * (notebooks/03-fhe-inference.ipynb) both call runMnistFcnn. With `architecture:
 * 'cnn'` the same flow runs a small QAT CNN  (quant/classifiers/cnn.ts) instead.
 */
import * as fs from 'node:fs';
import { MnistSource, mnistSplit } from '../data/mnist-canonical';
import { ImageDataset, subset } from '../data/dataset';
import { QuantizedModel, loadQuantizedModel, saveQuantizedModel } from '../quant/quantized-model';
import { CompileReport } from '../fhe/tfhe/compile/report';
import { Agreement, FheModel, Prediction, agreement, compile } from '../fhe/tfhe/run/model';
import { FcnnTrainOptions, classificationAccuracy, pixels01, trainFcnn } from '../quant/classifiers/fcnn';
import { trainCnn } from '../quant/classifiers/cnn';
import { SampleTiming, sampleTiming } from './sample-timing';

/** The source's MNIST FCNN rows (8-core CPU), shown beside ours. */
export const ZAMA_FCNN_REFERENCE = [
  { accuracy: 92.2, seconds: 31 },
  { accuracy: 96.5, seconds: 77 },
  { accuracy: 97.1, seconds: 300 },
] as const;

export interface MnistFcnnOptions extends Omit<FcnnTrainOptions, 'train' | 'test' | 'onEpoch'> {
  /** Where the digits come from: the canonical MNIST (60,000 / 10,000; default) or the small 10k set ('small', for quick runs). */
  mnist?: MnistSource;
  /**
   * 'fcnn' (default): the Zama 3-layer FCNN, 2-bit. 'cnn': two strided 3x3 convolutions
   * and a dense layer (cnn-train.ts), 3-bit by default, compiled as dense layers.
   */
  architecture?: 'fcnn' | 'cnn';
  /** CNN filters (default [6, 12]). */
  filters?: number[];
  /** CNN kernel size, per-convolution strides and hidden dense widths (quant/classifiers/cnn.ts; defaults 3, 2 each, none). */
  kernelSize?: number;
  strides?: number[];
  dense?: number[];
  /** CNN pool size after each convolution (0: none) and the kind (quant/classifiers/cnn.ts; default none, 'avg'). */
  pools?: number[];
  pool?: 'avg' | 'max';
  /** Train on the first this many training digits (default all). */
  trainSamples?: number;
  /** Load the trained integer model from here if it exists; save it there after training. */
  modelFile?: string;
  /** Train again even if modelFile exists. */
  retrain?: boolean;
  /** Training images used as the compile input set. Default 1000. */
  calibration?: number;
  /** Test images run in simulation (default: the whole test split) and encrypted (default 10). */
  simulateSamples?: number;
  executeSamples?: number;
  parameterSet?: string;
  /** Compiler error targets and rounding (compile/options.ts). */
  pError?: number;
  globalPError?: number;
  roundingThresholdBits?: number;
  threads?: number;
  log?: (line: string) => void;
  onEpoch?: FcnnTrainOptions['onEpoch'];
  onExecute?: (done: number, total: number) => void | Promise<void>;
}

export interface MnistFcnnResult extends SampleTiming {
  experiment: 'mnist-fcnn' | 'mnist-cnn';
  /** Outputs of each layer but the last (for the CNN: each convolution's H·W·C). */
  hidden: number[];
  weight_bits: number;
  activation_bits: number;
  input_bits: number;
  output_bits: number;
  trained: boolean;
  train_seconds: number | null;
  accuracy_float: number | null;
  accuracy_clear: number;
  accuracy_simulate: number;
  accuracy_simulate_noise: number;
  accuracy_execute: number;
  execute_samples: number;
  simulate_samples: number;
  /** On the executed sample only, for a like-for-like comparison. */
  accuracy_clear_sample: number;
  accuracy_simulate_sample: number;
  agreement_execute_simulate: Agreement;
  agreement_noise_simulate: Agreement;
  parameter_set: string;
  /** Predicted (compile report) beside measured error rates: noisy simulation and execute, against noise-free simulation. */
  error_rates: ErrorRates;
  report: CompileReport;
  /** Executed images: label and the three predictions. */
  samples: Array<{ index: number; label: number; clear: number; simulate: number; execute: number }>;
  zama_reference: typeof ZAMA_FCNN_REFERENCE;
}

export interface ErrorRates {
  predicted_read: number;
  /** P(an inference has at least one wrong read): bounds the rate of inferences whose outputs differ. */
  predicted_inference: number;
  /** Noisy simulation of the simulated test digits: wrong reads / reads, and digits with any wrong read. */
  simulate_read: number;
  simulate_inference: number;
  /** Digits whose outputs differ from the noise-free simulation: noisy simulation, and executed digits. */
  simulate_output_differs: number;
  execute_output_differs: number;
}

function argmaxOf(p: Prediction): number[] {
  return Array.from({ length: p.count }, (_, s) => {
    let b = 0;
    for (let j = 1; j < p.features; j++) if (p.levels[s * p.features + j] > p.levels[s * p.features + b]) b = j;
    return b;
  });
}

function accuracyOf(p: Prediction, ds: ImageDataset): number {
  return classificationAccuracy(p.levels, ds.labels.subarray(0, p.count), p.features);
}

/** The cached trained model, or a freshly trained one (saved to o.modelFile). */
export async function obtainModel(
  o: MnistFcnnOptions,
  train: ImageDataset,
  test: ImageDataset,
  log: (l: string) => void,
): Promise<{ model: QuantizedModel; trained: boolean; seconds: number | null; floatAccuracy: number | null }> {
  if (o.modelFile && !o.retrain && fs.existsSync(o.modelFile)) {
    log(`loading the trained ${o.architecture === 'cnn' ? 'CNN' : 'FCNN'} from ${o.modelFile}`);
    return { model: loadQuantizedModel(o.modelFile), trained: false, seconds: null, floatAccuracy: null };
  }
  log(`training the ${o.architecture === 'cnn' ? 'CNN' : 'FCNN'} (float epochs, then QAT)`);
  const trainer = o.architecture === 'cnn' ? trainCnn : trainFcnn;
  const t = await trainer({
    ...o,
    train,
    test,
    onEpoch: async (e) => {
      log(`epoch ${e.epoch} (${e.phase}): loss ${e.loss.toFixed(4)}`);
      await o.onEpoch?.(e);
    },
  });
  t.model.meta = { ...t.model.meta, floatAccuracy: t.floatAccuracy, quantizedAccuracy: t.quantizedAccuracy, trainSeconds: t.seconds };
  if (o.modelFile) saveQuantizedModel(o.modelFile, t.model);
  return { model: t.model, trained: true, seconds: t.seconds, floatAccuracy: t.floatAccuracy };
}

export async function runMnistFcnn(
  o: MnistFcnnOptions = {},
): Promise<{ result: MnistFcnnResult; fhe: FheModel; test: ImageDataset; predictions: { clear: Prediction; simulate: Prediction; execute: Prediction } }> {
  // The encrypted images are the experiment: none would fail late, inside predict.
  const ex = o.executeSamples;
  if (ex !== undefined && (!Number.isInteger(ex) || ex < 1)) throw new RangeError(`executeSamples must be a positive integer, got ${ex}`);
  const log = o.log ?? (() => undefined);
  const split = mnistSplit(o.mnist);
  const test = split.test;
  const train =
    o.trainSamples === undefined || o.trainSamples >= split.train.count
      ? split.train
      : subset(
          split.train,
          Array.from({ length: o.trainSamples }, (_, i) => i),
        );
  const got = await obtainModel(o, train, test, log);
  const model = got.model;
  const calibCount = Math.min(o.calibration ?? 1000, train.count);
  const inputset = pixels01(
    subset(
      train,
      Array.from({ length: calibCount }, (_, i) => i),
    ),
  );
  log(`compiling on ${calibCount} training images`);
  const name = o.architecture === 'cnn' ? 'mnist-cnn' : 'mnist-fcnn';
  const fhe = compile(model, inputset, {
    name,
    parameterSet: o.parameterSet,
    pError: o.pError,
    globalPError: o.globalPError,
    roundingThresholdBits: o.roundingThresholdBits,
  });
  const simCount = Math.min(o.simulateSamples ?? test.count, test.count);
  const simSet = subset(
    test,
    Array.from({ length: simCount }, (_, i) => i),
  );
  const x = pixels01(simSet);
  const clear = await fhe.predict(x, { fhe: 'disable' });
  const simulate = await fhe.predict(x, { fhe: 'simulate' });
  const noisy = await fhe.predict(x, { fhe: 'simulate', noise: true, seed: 1 });
  const exCount = Math.min(o.executeSamples ?? 10, simCount);
  const features = fhe.inputFeatures;
  log(`executing ${exCount} encrypted images (${fhe.report.pbsCount} PBS each)`);
  const execute = await fhe.predict(x.subarray(0, exCount * features), { fhe: 'execute', threads: o.threads, onSample: o.onExecute });
  const sample = (p: Prediction): Prediction => ({
    ...p,
    count: exCount,
    levels: p.levels.subarray(0, exCount * p.features),
    values: p.values.subarray(0, exCount * p.features),
  });
  const clearArg = argmaxOf(clear);
  const simArg = argmaxOf(simulate);
  const exArg = argmaxOf(execute);
  const meta = model.meta ?? {};
  const result: MnistFcnnResult = {
    experiment: name,
    hidden: model.layers.slice(0, -1).map((l) => l.outputs),
    weight_bits: model.layers[0].weightBits,
    activation_bits: model.layers[0].output.bits,
    input_bits: model.input.bits,
    output_bits: model.layers[model.layers.length - 1].output.bits,
    trained: got.trained,
    train_seconds: got.seconds ?? (typeof meta.trainSeconds === 'number' ? meta.trainSeconds : null),
    accuracy_float: got.floatAccuracy ?? (typeof meta.floatAccuracy === 'number' ? meta.floatAccuracy : null),
    accuracy_clear: accuracyOf(clear, simSet),
    accuracy_simulate: accuracyOf(simulate, simSet),
    accuracy_simulate_noise: accuracyOf(noisy, simSet),
    accuracy_execute: accuracyOf(execute, simSet),
    execute_samples: exCount,
    simulate_samples: simCount,
    accuracy_clear_sample: accuracyOf(sample(clear), simSet),
    accuracy_simulate_sample: accuracyOf(sample(simulate), simSet),
    agreement_execute_simulate: agreement(execute, sample(simulate)),
    agreement_noise_simulate: agreement(noisy, simulate),
    ...sampleTiming(execute.times!, exCount, fhe.report.pbsCount),
    parameter_set: fhe.circuit.parameterSet,
    error_rates: {
      predicted_read: fhe.report.predictedReadError,
      predicted_inference: fhe.report.predictedInferenceError,
      simulate_read: (noisy.wrongReads ?? 0) / (noisy.reads ?? 1),
      simulate_inference: (noisy.wrongSamples ?? 0) / noisy.count,
      simulate_output_differs: 1 - agreement(noisy, simulate).samples,
      execute_output_differs: 1 - agreement(execute, sample(simulate)).samples,
    },
    report: fhe.report,
    samples: exArg.map((e, s) => ({ index: s, label: simSet.labels[s], clear: clearArg[s], simulate: simArg[s], execute: e })),
    zama_reference: ZAMA_FCNN_REFERENCE,
  };
  return { result, fhe, test: simSet, predictions: { clear, simulate, execute } };
}
