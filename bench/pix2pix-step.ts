/**
 * `privlab bench pix2pix-step`: the Pix2Pix training step (batch 1, 32x32 edges→image, the
 * model of src/nn/pix2pix) on the native backend, timed in rounds interleaved with the same
 * model's step in PyTorch on the CPU (bench/yardsticks/torch_pix2pix_step.py). Medians, the
 * ratio ours/PyTorch, and the same step with the Pix2Pix kernels of the native backend
 * (BatchNorm forward and gradient, last-axis SplitV and Concat) switched off — before/after in one run.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { NATIVE_BACKEND_NAME, selectBackend } from '../src/backend';
import { PrivlabBatchNorm, PrivlabBatchNormGrad } from '../src/backend/kernel-names';
import { Pix2Pix, pix2pixOptimizers, pix2pixTrainStep } from '../src/nn/pix2pix';
import { SeededRng } from '../src/util/rng';
import { packageRoot } from '../src/util/files';
import { intOption, intListOption } from '../src/cli/command';
import { runYardstick, yardstickUnavailable, YardstickRun } from './pytorch-yardstick';
import { median, round } from './stats';
import type { NamedBenchmark } from './benchmark';

export function pix2pixYardstickPath(): string {
  return path.join(packageRoot(), 'bench', 'yardsticks', 'torch_pix2pix_step.py');
}

/**
 * The native kernels added for this model. Without them, BatchNorm runs as standard ops (its
 * closed-form gradient included) and SplitV / Concat as tfjs's cpu kernels.
 */
const PIX2PIX_KERNELS = [PrivlabBatchNorm, PrivlabBatchNormGrad, tf.SplitV, tf.Concat];

/** Runs fn with the Pix2Pix kernels unregistered from the native backend (tfjs's own kernels where it has them). */
function withoutPix2PixKernels<T>(fn: () => T): T {
  const saved = PIX2PIX_KERNELS.map((k) => tf.getKernel(k, NATIVE_BACKEND_NAME)).filter((c): c is tf.KernelConfig => c !== undefined);
  for (const c of saved) tf.unregisterKernel(c.kernelName, NATIVE_BACKEND_NAME);
  const cpu = PIX2PIX_KERNELS.map((k) => tf.getKernel(k, 'cpu')).filter((c): c is tf.KernelConfig => c !== undefined);
  for (const c of cpu) tf.registerKernel({ ...c, backendName: NATIVE_BACKEND_NAME });
  try {
    return fn();
  } finally {
    for (const c of cpu) tf.unregisterKernel(c.kernelName, NATIVE_BACKEND_NAME);
    for (const c of saved) tf.registerKernel(c);
  }
}

interface Rig {
  step(): number;
  dispose(): void;
}

function makeRig(seed: number, batch: number): Rig {
  const model = new Pix2Pix({}, seed);
  const opt = pix2pixOptimizers(model);
  const rng = new SeededRng(seed + 1);
  const pair = (): tf.Tensor4D =>
    tf.tensor4d(
      Float32Array.from({ length: batch * 32 * 32 }, () => rng.next() * 2 - 1),
      [batch, 32, 32, 1],
    );
  const x = pair();
  const y = pair();
  return {
    step() {
      const t0 = performance.now();
      pix2pixTrainStep(model, opt, x, y, rng);
      return performance.now() - t0;
    },
    dispose() {
      tf.dispose([x, y]);
      opt.generator.dispose();
      opt.discriminator.dispose();
      model.dispose();
    },
  };
}

/** Kernel time of one step by kernel name, largest first (tf.profile). */
async function profileStep(rig: Rig, top: number): Promise<{ total_ms: number; kernels: Record<string, { ms: number; calls: number }> }> {
  const info = await tf.profile(() => {
    rig.step();
  });
  const by = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls++;
    by.set(k.name, e);
  }
  const rows = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms);
  return {
    total_ms: round(
      rows.reduce((s, [, e]) => s + e.ms, 0),
      2,
    ),
    kernels: Object.fromEntries(rows.slice(0, top).map(([n, e]) => [n, { ms: round(e.ms, 2), calls: e.calls }])),
  };
}

export interface Pix2PixStepOptions {
  rounds?: number;
  steps?: number;
  warmup?: number;
  batch?: number;
  torchThreads?: number[];
  noTorch?: boolean;
  ablation?: boolean;
  profile?: boolean;
  log?: (line: string) => void;
}

export async function benchPix2PixStep(o: Pix2PixStepOptions = {}): Promise<object> {
  const log = o.log ?? (() => undefined);
  const rounds = o.rounds ?? 5;
  const steps = o.steps ?? 10;
  const warmup = o.warmup ?? 3;
  const batch = o.batch ?? 1;
  const torchThreads = o.torchThreads ?? [2, 1];
  const ablation = o.ablation ?? true;
  const info = await selectBackend({ backend: 'native', quiet: true });
  const script = pix2pixYardstickPath();
  const torchMissing = o.noTorch ? 'skipped (--no-torch)' : yardstickUnavailable(script);
  if (torchMissing) log(`PyTorch yardstick: ${torchMissing}`);

  const ours = makeRig(0, batch);
  const before = ablation ? makeRig(0, batch) : null;
  for (let i = 0; i < warmup; i++) {
    ours.step();
    if (before) withoutPix2PixKernels(() => before.step());
  }
  const oursMs: number[] = [];
  const beforeMs: number[] = [];
  const oursRounds: number[] = [];
  const torchRuns: YardstickRun[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const threads of torchMissing ? [] : torchThreads) {
      const run = runYardstick({ script, steps, threads, batch });
      torchRuns.push(run);
      log(`round ${r + 1}/${rounds}: pytorch (${threads} thread${threads === 1 ? '' : 's'}) ${run.ms_per_step_median.toFixed(1)} ms/step`);
    }
    const t = Array.from({ length: steps }, () => ours.step());
    oursMs.push(...t);
    oursRounds.push(round(median(t), 2));
    log(`round ${r + 1}/${rounds}: ${info.name} ${median(t).toFixed(1)} ms/step`);
    if (before) {
      const b = withoutPix2PixKernels(() => Array.from({ length: steps }, () => before.step()));
      beforeMs.push(...b);
      log(`round ${r + 1}/${rounds}: ${info.name} without the Pix2Pix kernels ${median(b).toFixed(1)} ms/step`);
    }
  }
  const byThreads: Record<string, { ms_per_step: number; rounds_ms: number[] }> = {};
  for (const threads of torchThreads) {
    const runs = torchRuns.filter((t) => t.threads === threads).map((t) => t.ms_per_step_median);
    if (runs.length) byThreads[String(threads)] = { ms_per_step: round(median(runs), 2), rounds_ms: runs };
  }
  // The yardstick at its best thread count (the fairest comparison for PyTorch).
  const fastest = Object.values(byThreads).sort((a, b) => a.ms_per_step - b.ms_per_step)[0];
  const msOurs = median(oursMs);
  const profile = o.profile
    ? {
        native: await profileStep(ours, 12),
        ...(before ? { without_pix2pix_kernels: await withoutPix2PixKernels(() => profileStep(before, 12)) } : {}),
      }
    : undefined;
  const model = new Pix2Pix({}, 0);
  const parameters = { generator: model.generator.parameterCount(), discriminator: model.discriminator.parameterCount() };
  model.dispose();
  ours.dispose();
  before?.dispose();
  return {
    benchmark: 'pix2pix-step',
    backend: info.name,
    batch,
    image: '32x32x1',
    parameters,
    rounds,
    steps_per_round: steps,
    ms_per_step: round(msOurs, 2),
    ms_per_step_min: round(Math.min(...oursMs), 2),
    rounds_ms: oursRounds,
    pytorch_ms_per_step: fastest ? fastest.ms_per_step : null,
    ratio_to_pytorch: fastest ? round(msOurs / fastest.ms_per_step, 3) : null,
    pytorch: torchMissing ? { unavailable: torchMissing } : { version: torchRuns[0]?.version, by_threads: byThreads },
    ...(ablation
      ? {
          without_pix2pix_kernels: {
            kernels: PIX2PIX_KERNELS,
            ms_per_step: round(median(beforeMs), 2),
            speedup_from_kernels: round(median(beforeMs) / msOurs, 3),
          },
        }
      : {}),
    ...(profile ? { profile } : {}),
  };
}

export const pix2pixStepBenchmark: NamedBenchmark = {
  name: 'pix2pix-step',
  usage: `pix2pix-step [--rounds R] [--steps N] [--warmup W] [--batch B] [--torch-threads 2,1] [--no-torch] [--no-ablation] [--profile]
      The Pix2Pix training step (32x32, batch 1): median ms per step on the native backend,
      the same model's step in PyTorch (CPU) in interleaved rounds, and the ratio; also the step
      without the native BatchNorm/SplitV/Concat kernels (before/after), and with --profile the
      kernel time of one step by kernel.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        rounds: { type: 'string' },
        steps: { type: 'string' },
        warmup: { type: 'string' },
        batch: { type: 'string' },
        'torch-threads': { type: 'string' },
        'no-torch': { type: 'boolean' },
        'no-ablation': { type: 'boolean' },
        profile: { type: 'boolean' },
      },
    });
    return benchPix2PixStep({
      rounds: intOption('rounds', values.rounds, 1),
      steps: intOption('steps', values.steps, 1),
      warmup: intOption('warmup', values.warmup, 0),
      batch: intOption('batch', values.batch, 1),
      torchThreads: intListOption('torch-threads', values['torch-threads'], 1),
      noTorch: values['no-torch'],
      ablation: !values['no-ablation'],
      profile: values.profile,
      log,
    });
  },
};
