/**
 * `privlab bench interrupt-latency`: how soon `privlab train gan` ends after SIGINT or
 * SIGTERM, with its resumable checkpoint written — the reference MLP GAN on the small MNIST
 * set, an endless run stopped once it has printed its second epoch. Reports the seconds from
 * the signal to the process's exit beside the mean step time (the loop stops after the
 * current step, then saves ~35 MB of weights and Adam moments). Target: about a second.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { intOption } from '../src/cli/command';
import { readCheckpointHeader } from '../src/nn/checkpoint';
import { packageRoot } from '../src/util/files';
import type { NamedBenchmark } from './benchmark';
import { median, round } from './stats';
import { tmpDir } from './tmp';

interface Trial {
  signal: NodeJS.Signals;
  exit_code: number | null;
  /** Seconds from the signal to the process's exit. */
  latency_s: number;
  /** Training steps taken (the checkpoint's global step). */
  steps: number;
  /** Mean seconds per step over the run (history.json). */
  step_s: number;
  /** The checkpoint records where in the epoch the run stopped. */
  resumable: boolean;
}

async function trial(out: string, signal: NodeJS.Signals, maxSteps: number, dataset: string): Promise<Trial> {
  const root = packageRoot();
  const args = [
    path.join(root, 'bin', 'privlab'),
    'train',
    'gan',
    '--epochs',
    '100000',
    '--max-steps-per-epoch',
    String(maxSteps),
    '--dataset',
    dataset,
    '--out',
    out,
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      if (/^epoch 2:/m.test(err)) resolve();
    });
    void closed.then(() => reject(new Error(`train gan ended before its second epoch:\n${err}`)));
  });
  const t0 = performance.now();
  child.kill(signal);
  const code = await closed;
  const latency = (performance.now() - t0) / 1000;
  const ckpt = path.join(out, 'gan.ckpt');
  const { header } = readCheckpointHeader(ckpt, fs.readFileSync(ckpt));
  const history = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8')) as { seconds: number; steps: { d: number[] } };
  return {
    signal,
    exit_code: code,
    latency_s: round(latency),
    steps: header.meta.globalStep,
    step_s: round(history.seconds / history.steps.d.length, 4),
    resumable: typeof header.meta.resume === 'object' && header.meta.resume !== null,
  };
}

export const interruptLatencyBenchmark: NamedBenchmark = {
  name: 'interrupt-latency',
  usage: `interrupt-latency [--trials N] [--max-steps-per-epoch S] [--dataset mnist-small]
    Seconds from SIGINT / SIGTERM (alternating) to the exit of an endless privlab train gan, checkpoint written`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: { trials: { type: 'string' }, 'max-steps-per-epoch': { type: 'string' }, dataset: { type: 'string' } },
    });
    const trials = intOption('trials', values.trials, 1) ?? 4;
    const maxSteps = intOption('max-steps-per-epoch', values['max-steps-per-epoch'], 1) ?? 5;
    const dataset = values.dataset ?? 'mnist-small';
    const dir = tmpDir();
    const results: Trial[] = [];
    for (let i = 0; i < trials; i++) {
      const t = await trial(path.join(dir, `run-${i}`), i % 2 === 0 ? 'SIGINT' : 'SIGTERM', maxSteps, dataset);
      log(`${t.signal}: exit ${t.exit_code} after ${t.latency_s} s (step ${t.step_s} s, ${t.steps} steps)`);
      results.push(t);
    }
    return {
      benchmark: 'interrupt-latency',
      model: 'reference MLP GAN (G 100-256-512-1024-784, D 784-1024-512-256-1), batch 64',
      dataset,
      trials: results,
      median_latency_s: round(median(results.map((t) => t.latency_s))),
      median_step_s: round(median(results.map((t) => t.step_s)), 4),
      all_resumable: results.every((t) => t.resumable && t.exit_code === (t.signal === 'SIGINT' ? 130 : 143)),
    };
  },
};
