/**
 * The GAN training-step benchmark: the reference MNIST MLP GAN step (batch 64) on the
 * selected tfjs backend, timed in rounds interleaved with runs of the PyTorch yardstick so
 * that both see the same machine load; the same step on the other available backends; and
 * whole epochs over the 10,000 embedded MNIST digits, with memory after each epoch.
 * Prints nothing itself (progress goes to `log`); `privlab bench train-step --json` prints.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { BackendInfo, configureBlasThreads, GemmThreading, loadNativeKernels, NATIVE_BACKEND_NAME, registerNativeBackend, selectBackend } from '../src/backend';
import { loadMnist } from '../src/data';
import { Gan, ganOptimizers, ganTrainStep, trainGan } from '../src/nn';
import { SeededRng } from '../src/util/rng';
import { runYardstick, yardstickUnavailable, YardstickRun } from './pytorch-yardstick';
import { median, round } from './stats';
import { parseArgs } from 'node:util';
import { intOption, intListOption } from '../src/cli/command';
import type { NamedBenchmark } from './benchmark';

export interface TrainStepBenchOptions {
  /** Backend to measure (default: automatic selection / PRIVLAB_BACKEND). */
  backend?: string;
  /** Timed steps per round. Default 25. */
  steps?: number;
  /** Rounds (each: the yardstick runs, then our steps). Default 4. */
  rounds?: number;
  batch?: number;
  /**
   * PyTorch thread counts to run the yardstick with, each every round. Default [2, 1]: its own
   * default, and one thread, which is faster on this 2-core machine whenever anything else
   * runs (OpenMP's threads wait on each other). The ratio is taken against the fastest.
   */
  torchThreads?: number[];
  /** OpenBLAS threads for the native backend (default: PRIVLAB_BLAS_THREADS, else one per core). */
  blasThreads?: number;
  gemmThreading?: GemmThreading;
  /**
   * Also time the native backend with these GEMM thread settings, in the same rounds
   * (default: one thread, and OpenBLAS's own threading): shows what each buys on this machine now.
   */
  compareGemm?: Array<{ threads: number; threading: GemmThreading }>;
  /** Skip the PyTorch yardstick. */
  noTorch?: boolean;
  /** Epochs over MNIST to time (0 skips). Default 2. */
  epochs?: number;
  /** Also time these backends (a few steps each). Default: every other available one. */
  otherBackends?: string[];
  log?: (line: string) => void;
}

export interface OtherBackendResult {
  backend: string;
  ms_per_step: number | null;
  steps: number;
  error?: string;
}

export interface TrainStepBenchResult {
  benchmark: 'train-step';
  backend: string;
  backend_description: string;
  batch: number;
  ms_per_step: number;
  ms_per_step_min: number;
  /** The native backend's median (and min) ms per step by GEMM thread setting ("2 pool", "2 openblas", "1"), same rounds. */
  by_gemm_threads: Record<string, { ms_per_step: number; ms_per_step_min: number }>;
  /**
   * The yardstick's ms per step: for each thread count the median over rounds of its median,
   * then the fastest thread count. Null when PyTorch is not installed.
   */
  pytorch_ms_per_step: number | null;
  ratio_to_pytorch: number | null;
  /** The fastest single yardstick step seen, and our fastest over it: the figures of a quiet machine. */
  pytorch_ms_per_step_min: number | null;
  ratio_min_to_min: number | null;
  pytorch: { version: string; threads: number; by_threads: Record<string, { ms_per_step: number; rounds_ms: number[] }> } | { unavailable: string };
  /** Median seconds of one epoch over the 10,000 MNIST digits (157 steps of 64). */
  epoch_s: number | null;
  epochs: Array<{ epoch: number; seconds: number; steps: number; num_tensors: number; tensor_mb: number; rss_mb: number }>;
  peak_rss_mb: number | null;
  /** Tensor count and bytes identical after every epoch. */
  tensors_flat: boolean | null;
  other_backends: OtherBackendResult[];
  /** The default GEMM setting measured as ms_per_step, e.g. "2 pool". */
  gemm_threads: string | null;
  rounds: number;
  steps_per_round: number;
  machine: { cpus: number; model: string };
}

interface StepRig {
  step(): number;
  dispose(): void;
}

/** A reference GAN with its optimisers and a fixed random "real" batch, as in the yardstick. */
function makeRig(batch: number, seed = 0): StepRig {
  const gan = new Gan({}, seed);
  const opt = ganOptimizers(gan);
  const rng = new SeededRng(seed + 1);
  const real = tf.tensor2d(
    Float32Array.from({ length: batch * 784 }, () => rng.next() * 2 - 1),
    [batch, 784],
  );
  return {
    step() {
      const t0 = performance.now();
      ganTrainStep(gan, opt, real, rng);
      return performance.now() - t0;
    },
    dispose() {
      real.dispose();
      gan.dispose();
      opt.generator.dispose();
      opt.discriminator.dispose();
    },
  };
}

async function timeOtherBackend(name: string, batch: number, steps: number): Promise<OtherBackendResult> {
  try {
    const info = await selectBackend({ backend: name, quiet: true });
    const rig = makeRig(batch);
    rig.step(); // warm-up
    const times = Array.from({ length: steps }, () => rig.step());
    rig.dispose();
    return { backend: info.name, ms_per_step: round(median(times), 2), steps };
  } catch (err) {
    return { backend: name, ms_per_step: null, steps: 0, error: (err as Error).message };
  }
}

export async function benchTrainStep(o: TrainStepBenchOptions = {}): Promise<TrainStepBenchResult> {
  const log = o.log ?? (() => undefined);
  const batch = o.batch ?? 64;
  const steps = o.steps ?? 25;
  const rounds = o.rounds ?? 4;
  const epochs = o.epochs ?? 2;
  const torchThreads = o.torchThreads ?? [2, 1];
  if (![batch, steps, rounds].every((n) => Number.isInteger(n) && n > 0) || !Number.isInteger(epochs) || epochs < 0) {
    throw new RangeError('batch, steps and rounds must be positive integers, epochs a non-negative integer');
  }

  const info: BackendInfo = await selectBackend({ backend: o.backend, blasThreads: o.blasThreads, gemmThreading: o.gemmThreading, quiet: true });
  log(`backend ${info.name}: ${info.description}`);
  const torchMissing = o.noTorch ? 'skipped (--no-torch)' : yardstickUnavailable();
  const rig = makeRig(batch);
  for (let i = 0; i < 5; i++) rig.step(); // warm-up: JIT, first-use allocations
  const kernels = info.name === NATIVE_BACKEND_NAME ? loadNativeKernels() : null;
  const defaultThreads = kernels ? kernels.blasThreads() : null;
  const defaultThreading: GemmThreading = kernels?.blasPoolThreading() ? 'pool' : 'openblas';
  const label = (t: number, m: GemmThreading) => (t === 1 ? '1' : `${t} ${m}`);
  const defaultLabel = defaultThreads === null ? '' : label(defaultThreads, defaultThreading);
  const compare =
    defaultThreads === null
      ? []
      : (
          o.compareGemm ?? [
            { threads: defaultThreads, threading: 'openblas' as const },
            { threads: defaultThreads, threading: 'pool' as const },
            { threads: 1, threading: 'pool' as const },
          ]
        ).filter(
          (c, i, all) =>
            label(c.threads, c.threading) !== defaultLabel && all.findIndex((d) => label(d.threads, d.threading) === label(c.threads, c.threading)) === i,
        );
  const byThreadsOurs = new Map<string, { threads: number; threading: GemmThreading; times: number[] }>(
    compare.map((c) => [label(c.threads, c.threading), { ...c, times: [] }]),
  );
  const ours: number[] = [];
  const torchRuns: YardstickRun[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const threads of torchMissing ? [] : torchThreads) {
      const run = runYardstick({ steps, threads, batch });
      torchRuns.push(run);
      log(`round ${r + 1}/${rounds}: pytorch (${threads} thread${threads === 1 ? '' : 's'}) ${run.ms_per_step_median.toFixed(1)} ms/step`);
    }
    const t = Array.from({ length: steps }, () => rig.step());
    ours.push(...t);
    log(`round ${r + 1}/${rounds}: ${info.name} ${median(t).toFixed(1)} ms/step`);
    for (const [name, c] of byThreadsOurs) {
      configureBlasThreads(c.threads, c.threading);
      const tt = Array.from({ length: steps }, () => rig.step());
      c.times.push(...tt);
      configureBlasThreads(defaultThreads as number, defaultThreading);
      log(`round ${r + 1}/${rounds}: ${info.name} with GEMM threads "${name}" ${median(tt).toFixed(1)} ms/step`);
    }
  }
  rig.dispose();
  const byGemm: TrainStepBenchResult['by_gemm_threads'] = {};
  if (defaultThreads !== null) byGemm[defaultLabel] = { ms_per_step: round(median(ours), 2), ms_per_step_min: round(Math.min(...ours), 2) };
  for (const [name, c] of byThreadsOurs) byGemm[name] = { ms_per_step: round(median(c.times), 2), ms_per_step_min: round(Math.min(...c.times), 2) };
  const msPerStep = median(ours);
  const byThreads: Record<string, { ms_per_step: number; rounds_ms: number[] }> = {};
  for (const threads of torchThreads) {
    const runs = torchRuns.filter((t) => t.threads === threads).map((t) => t.ms_per_step_median);
    if (runs.length) byThreads[String(threads)] = { ms_per_step: round(median(runs), 2), rounds_ms: runs };
  }
  const fastest = Object.entries(byThreads).sort((a, b) => a[1].ms_per_step - b[1].ms_per_step)[0];
  const torchMs = fastest ? fastest[1].ms_per_step : null;
  const torchMin = torchRuns.length ? Math.min(...torchRuns.map((t) => t.ms_per_step_min)) : null;

  const epochRecords: TrainStepBenchResult['epochs'] = [];
  if (epochs > 0) {
    const ds = loadMnist();
    const run = await trainGan({
      dataset: ds,
      epochs,
      batchSize: batch,
      seed: 0,
      sampleEpochs: [],
      onEpoch: (e) => {
        epochRecords.push({
          epoch: e.epoch,
          seconds: round(e.seconds, 2),
          steps: e.steps,
          num_tensors: e.numTensors,
          tensor_mb: round(e.numBytes / 2 ** 20, 2),
          rss_mb: round(e.rssBytes / 2 ** 20, 1),
        });
        log(`epoch ${e.epoch}/${epochs}: ${e.seconds.toFixed(1)} s over ${ds.count} digits, rss ${(e.rssBytes / 2 ** 20).toFixed(0)} MB`);
      },
    });
    run.gan.dispose();
    run.optimizers.generator.dispose();
    run.optimizers.discriminator.dispose();
  }

  // The other backends last: the cpu backend takes seconds per step.
  const others = o.otherBackends ?? defaultOtherBackends(info.name);
  const otherResults: OtherBackendResult[] = [];
  for (const name of others) {
    log(`timing backend ${name} …`);
    otherResults.push(await timeOtherBackend(name, batch, name === 'cpu' ? 2 : 5));
  }
  await selectBackend({ backend: o.backend, blasThreads: o.blasThreads, gemmThreading: o.gemmThreading, quiet: true });

  return {
    benchmark: 'train-step',
    backend: info.name,
    backend_description: info.description,
    batch,
    ms_per_step: round(msPerStep, 2),
    ms_per_step_min: round(Math.min(...ours), 2),
    by_gemm_threads: byGemm,
    pytorch_ms_per_step: torchMs === null ? null : round(torchMs, 2),
    ratio_to_pytorch: torchMs === null ? null : round(msPerStep / torchMs, 3),
    pytorch_ms_per_step_min: torchMin === null ? null : round(torchMin, 2),
    ratio_min_to_min: torchMin === null ? null : round(Math.min(...ours) / torchMin, 3),
    pytorch: fastest ? { version: torchRuns[0].version, threads: Number(fastest[0]), by_threads: byThreads } : { unavailable: torchMissing ?? 'not run' },
    epoch_s: epochRecords.length ? round(median(epochRecords.map((e) => e.seconds)), 2) : null,
    epochs: epochRecords,
    peak_rss_mb: epochRecords.length ? Math.max(...epochRecords.map((e) => e.rss_mb)) : null,
    tensors_flat: epochRecords.length
      ? epochRecords.every((e) => e.num_tensors === epochRecords[0].num_tensors && e.tensor_mb === epochRecords[0].tensor_mb)
      : null,
    other_backends: otherResults,
    gemm_threads: defaultThreads === null ? null : defaultLabel,
    rounds,
    steps_per_round: steps,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
  };
}

/** Every backend other than `chosen` that could be available here. */
function defaultOtherBackends(chosen: string): string[] {
  const all = [registerNativeBackend().ok ? NATIVE_BACKEND_NAME : null, 'cpu'];
  return all.filter((b): b is string => b !== null && b !== chosen);
}

function gemmThreading(v: string | undefined): GemmThreading | undefined {
  if (v === undefined) return undefined;
  if (v !== 'pool' && v !== 'openblas') throw new RangeError(`--gemm-threading must be pool or openblas, got "${v}"`);
  return v;
}

export const trainStepBenchmark: NamedBenchmark = {
  name: 'train-step',
  usage: `train-step [--backend B] [--blas-threads T] [--gemm-threading pool|openblas] [--steps N] [--rounds R] [--epochs E] [--torch-threads 2,1] [--no-torch] [--others cpu,…|none]
      The reference MNIST GAN training step (batch 64): median ms per step on the backend,
      the PyTorch yardstick in the same run (interleaved rounds) and the ratio, one epoch
      over the 10,000 MNIST digits, memory after each epoch, and the other backends.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        backend: { type: 'string' },
        steps: { type: 'string' },
        rounds: { type: 'string' },
        epochs: { type: 'string' },
        'torch-threads': { type: 'string' },
        'blas-threads': { type: 'string' },
        'gemm-threading': { type: 'string' },
        'no-torch': { type: 'boolean' },
        others: { type: 'string' },
        batch: { type: 'string' },
      },
    });
    const others =
      values.others === undefined
        ? undefined
        : values.others === 'none'
          ? []
          : values.others
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
    return benchTrainStep({
      backend: values.backend,
      steps: intOption('steps', values.steps, 1),
      rounds: intOption('rounds', values.rounds, 1),
      epochs: intOption('epochs', values.epochs, 0),
      blasThreads: intOption('blas-threads', values['blas-threads'], 1),
      gemmThreading: gemmThreading(values['gemm-threading']),
      torchThreads: intListOption('torch-threads', values['torch-threads'], 1),
      batch: intOption('batch', values.batch, 1),
      noTorch: values['no-torch'],
      otherBackends: others,
      log,
    });
  },
};
