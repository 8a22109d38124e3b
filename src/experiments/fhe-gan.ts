/**
 * Encrypted generation (the GAN paper's Table V): a QAT (and pruned) MLP generator from
 * the GAN compression experiment (src/experiments/gan-compression.ts writes them as
 * `<variant>.quantized.json`), compiled like any quantized MLP — the latent vector is the
 * encrypted input, the 784 pixels the encrypted output. Its accumulators (13-15 bits
 * after the first layer) are wider than any N=2048 table, so the compiler is allowed to
 * round them (several accumulator values per table position); simulation reproduces that
 * rounding exactly, so clear vs simulate measures the rounding and simulate vs execute
 * the noise.
 *
 * FID (LeNet features, against the held-out digits) of the clear integer generator and of
 * the simulated circuit on `fidSamples` latents, with and without the noise model (the
 * latter predicts the encrypted outputs' distribution); encrypted generation of a few
 * images, timed by phase, with the FID of those few against clear and simulated outputs
 * of the same latents (few samples make FID biased upwards; equal counts keep the three
 * comparable).
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { MnistSource, mnistSplit } from '../data/mnist-canonical';
import { loadFeatureModel } from '../metrics/feature-model';
import { frechetDistance } from '../metrics/frechet';
import { GaussianStats } from '../metrics/gaussian-stats';
import { imageStats } from '../metrics/gan-fid';
import { cachedDatasetStats } from '../metrics/stats-cache';
import { fillNormal } from '../nn/random';
import { QuantizedModel, loadQuantizedModel } from '../quant/quantized-model';
import { SeededRng } from '../util/rng';
import { CompileReport } from '../fhe/tfhe/compile/report';
import { defaultParameterSetName } from '../fhe/tfhe/shortint/parameters';
import { Agreement, FheModel, Prediction, agreement, compile } from '../fhe/tfhe/run/model';
import { SampleTiming, sampleTiming } from './sample-timing';

/** The source's encrypted generation times for one 28x28 image (4-bit QAT + 50 % pruning). */
export const GAN_FHE_REFERENCE = [
  { setting: 'source, 128-vCPU server', seconds: 738 },
  { setting: 'source, laptop', seconds: 3780 },
] as const;

export interface GanFheOptions {
  /** Where the digits come from: the canonical MNIST (60,000 / 10,000; default) or the small 10k set ('small', for quick runs). */
  mnist?: MnistSource;
  /** The integer generator (or a file holding it). */
  model?: QuantizedModel;
  modelFile?: string;
  /** Latents used as the compile input set. Default 500. */
  calibration?: number;
  /** Latents for the clear and simulated FIDs. Default 2000. */
  fidSamples?: number;
  /** Images generated encrypted. Default 2. */
  images?: number;
  /** Default: tfhe's 4-bit-message set (N = 2048). */
  parameterSet?: string;
  /** Below 1, accumulators may be rounded to fit the table. Default 0.01. */
  minPositionsPerValue?: number;
  /** Accumulator window margin (CompileOptions.margin). Default the compiler's (0.2). */
  margin?: number;
  seed?: number;
  threads?: number;
  log?: (line: string) => void;
  onExecute?: (done: number, total: number) => void | Promise<void>;
}

export interface GanFheResult extends SampleTiming {
  experiment: 'mnist-gan-fhe';
  variant: string;
  images: number;
  parameter_set: string;
  fid_samples: number;
  fid_clear: number;
  fid_simulate: number;
  fid_simulate_noise: number;
  /** On the executed latents only (n = images). */
  fid_execute: number | null;
  fid_clear_executed: number | null;
  fid_simulate_executed: number | null;
  /** Pixel levels: execute vs simulate on the executed latents; noisy vs noise-free simulation on all. */
  agreement_execute_simulate: Agreement;
  agreement_noise_simulate: Agreement;
  agreement_simulate_clear: Agreement;
  report: CompileReport;
  reference: typeof GAN_FHE_REFERENCE;
}

export interface GanFheRun {
  result: GanFheResult;
  fhe: FheModel;
  /** Pixels in [-1, 1], [n × 784]: the executed images and the clear/simulated ones of the same latents. */
  executed: Float32Array;
  clearOfExecuted: Float32Array;
  simulatedOfExecuted: Float32Array;
}

function latents(n: number, dim: number, seed: number): Float32Array {
  return fillNormal(new SeededRng(seed), new Float32Array(n * dim));
}

function fidOf(fm: Awaited<ReturnType<typeof loadFeatureModel>>, real: GaussianStats, pixels: Float32Array, n: number): number | null {
  if (n < 2) return null;
  const t = tf.tensor2d(pixels, [n, pixels.length / n]);
  try {
    return frechetDistance(imageStats(fm, t), real);
  } finally {
    t.dispose();
  }
}

function head(p: Prediction, n: number): Prediction {
  return { ...p, count: n, levels: p.levels.subarray(0, n * p.features), values: p.values.subarray(0, n * p.features) };
}

export async function runGanFhe(o: GanFheOptions): Promise<GanFheRun> {
  // The encrypted images are the experiment: none would fail late, inside predict.
  if (o.images !== undefined && (!Number.isInteger(o.images) || o.images < 1)) throw new RangeError(`images must be a positive integer, got ${o.images}`);
  const log = o.log ?? (() => undefined);
  let model = o.model;
  if (!model) {
    if (!o.modelFile || !fs.existsSync(o.modelFile))
      throw new Error(
        `no quantized generator at ${o.modelFile ?? '(none given)'}: run \`privlab bench gan-compression\` first (it writes figures/gan-compression/<variant>.quantized.json)`,
      );
    model = loadQuantizedModel(o.modelFile);
  }
  const dim = model.layers[0].inputs;
  const seed = o.seed ?? 7;
  const calibration = o.calibration ?? 500;
  log(`compiling the generator on ${calibration} latents`);
  const fhe = compile(model, latents(calibration, dim, seed), {
    name: 'mnist-generator',
    parameterSet: o.parameterSet ?? defaultParameterSetName(4),
    minPositionsPerValue: o.minPositionsPerValue ?? 0.01,
    margin: o.margin,
  });
  const fidSamples = o.fidSamples ?? 2000;
  const z = latents(fidSamples, dim, seed + 1);
  const clear = await fhe.predict(z, { fhe: 'disable' });
  const simulate = await fhe.predict(z, { fhe: 'simulate' });
  const noisy = await fhe.predict(z, { fhe: 'simulate', noise: true, seed: seed + 2 });
  const images = Math.min(o.images ?? 2, fidSamples);
  log(`generating ${images} images encrypted (${fhe.report.pbsCount} PBS each)`);
  const execute = await fhe.predict(z.subarray(0, images * dim), { fhe: 'execute', threads: o.threads, onSample: o.onExecute });

  log('FID (LeNet features) against the held-out digits');
  const fm = await loadFeatureModel();
  const real = cachedDatasetStats(fm, mnistSplit(o.mnist).test);
  const clearHead = head(clear, images);
  const simHead = head(simulate, images);
  const result: GanFheResult = {
    experiment: 'mnist-gan-fhe',
    variant: typeof model.meta?.variant === 'string' ? model.meta.variant : 'generator',
    images,
    ...sampleTiming(execute.times!, images, fhe.report.pbsCount),
    parameter_set: fhe.circuit.parameterSet,
    fid_samples: fidSamples,
    fid_clear: fidOf(fm, real, clear.values, fidSamples) as number,
    fid_simulate: fidOf(fm, real, simulate.values, fidSamples) as number,
    fid_simulate_noise: fidOf(fm, real, noisy.values, fidSamples) as number,
    fid_execute: fidOf(fm, real, execute.values, images),
    fid_clear_executed: fidOf(fm, real, clearHead.values, images),
    fid_simulate_executed: fidOf(fm, real, simHead.values, images),
    agreement_execute_simulate: agreement(execute, simHead),
    agreement_noise_simulate: agreement(noisy, simulate),
    agreement_simulate_clear: agreement(simulate, clear),
    report: fhe.report,
    reference: GAN_FHE_REFERENCE,
  };
  return { result, fhe, executed: execute.values, clearOfExecuted: clearHead.values.slice(), simulatedOfExecuted: simHead.values.slice() };
}
