/**
 * The PyTorch CPU yardstick (bench/yardsticks/torch_gan_step.py): the same GAN step in
 * PyTorch, run as a subprocess so that it can be timed in the same run as ours.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../src/util/files';

export interface YardstickRun {
  framework: string;
  version: string;
  threads: number;
  batch: number;
  ms_per_step_median: number;
  ms_per_step_min: number;
}

export interface YardstickOptions {
  steps?: number;
  threads?: number;
  batch?: number;
  /** Another yardstick script taking the same options (default: yardstickPath()). */
  script?: string;
}

/** The script: PRIVLAB_TORCH_YARDSTICK, else the project's own bench/yardsticks/torch_gan_step.py. */
export function yardstickPath(): string {
  return process.env.PRIVLAB_TORCH_YARDSTICK ?? path.join(packageRoot(), 'bench', 'yardsticks', 'torch_gan_step.py');
}

/** Debian's python3 sees Debian's python3-torch; PRIVLAB_PYTHON overrides. */
function python(): string {
  return process.env.PRIVLAB_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** Why the yardstick cannot run here, or null when it can. */
export function yardstickUnavailable(script = yardstickPath()): string | null {
  if (!fs.existsSync(script)) return `PyTorch yardstick not found at ${script}`;
  const r = spawnSync(python(), ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `${python()} cannot run: ${r.error.message}`;
  if (r.status !== 0) return 'PyTorch is not installed for this python (Debian package python3-torch)';
  return null;
}

/** One run of the yardstick; throws with its stderr when it fails. */
export function runYardstick(opts: YardstickOptions = {}): YardstickRun {
  const args = [
    opts.script ?? yardstickPath(),
    '--steps',
    String(opts.steps ?? 30),
    '--threads',
    String(opts.threads ?? 2),
    '--batch',
    String(opts.batch ?? 64),
  ];
  const r = spawnSync(python(), args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0)
    throw new Error(`PyTorch yardstick failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const line = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`PyTorch yardstick printed no JSON: ${r.stdout.slice(0, 200)}`);
  return JSON.parse(line) as YardstickRun;
}
