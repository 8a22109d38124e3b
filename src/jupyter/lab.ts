/**
 * `privlab lab`: the interactive notebook server on localhost, with the privlab kernel registered.
 *
 * The Jupyter server is our child: when privlab lab is told to stop (SIGTERM, SIGINT, SIGHUP)
 * it stops Jupyter first — else the server lives on, orphaned, holding the port and its
 * kernels. Jupyter's runtime files (server info and the page that opens it, both with the
 * token; kernel connection files with their signing key) are private: the runtime folder
 * is 0700 and Jupyter runs with umask 077, so they are 0600.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/files';
import { jupyterDirs, jupyterEnv, KERNEL_NAME, systemPython } from './env';
import { kernelSpecFile } from './kernelspec';

export interface LabOptions {
  port?: number;
  /** Extra arguments for `python3 -m notebook`. */
  extraArgs?: string[];
  /** Seconds Jupyter gets to shut its kernels down after SIGTERM before it is killed. Default 10. */
  stopTimeoutSeconds?: number;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBERS: Record<(typeof STOP_SIGNALS)[number], number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Make the runtime folder private (it may exist from an older privlab with mode 0755). */
export function privateRuntimeDir(dir = jupyterDirs().runtime): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  // Files an earlier run left readable (server info with its token): private as well.
  for (const f of fs.readdirSync(dir)) {
    try {
      fs.chmodSync(path.join(dir, f), 0o600);
    } catch {
      /* someone else's file: the folder's 0700 already hides it */
    }
  }
}

/** Start Jupyter Notebook on 127.0.0.1 in notebooks/; resolves with its exit code (128 + n when stopped by signal n). */
export function startLab(opts: LabOptions = {}): Promise<number> {
  const root = packageRoot();
  if (!fs.existsSync(kernelSpecFile(root))) throw new Error('the privlab kernel is not registered: run the set-up first (npm run lab does it)');
  const args = [
    '-m',
    'notebook',
    `--notebook-dir=${path.join(root, 'notebooks')}`,
    '--ip=127.0.0.1',
    `--port=${opts.port ?? 8888}`,
    '--no-browser',
    `--MappingKernelManager.default_kernel_name=${KERNEL_NAME}`,
    // Jupyter refuses to start as root without it (containers, fresh VMs).
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ...(opts.extraArgs ?? []),
  ];
  const env = jupyterEnv(jupyterDirs(root));
  privateRuntimeDir(jupyterDirs(root).runtime);
  return new Promise((resolve, reject) => {
    // The umask is inherited at spawn: set it for the child only.
    const umask = process.umask(0o077);
    let child;
    try {
      child = spawn(systemPython(), args, { env, stdio: 'inherit' });
    } finally {
      process.umask(umask);
    }
    let stoppedBy: (typeof STOP_SIGNALS)[number] | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const onSignal = (sig: (typeof STOP_SIGNALS)[number]): void => {
      if (stoppedBy) {
        // Asked twice: no more waiting for a clean shutdown.
        process.stderr.write(`\nprivlab lab: ${sig} again, killing Jupyter\n`);
        child.kill('SIGKILL');
        return;
      }
      stoppedBy = sig;
      process.stderr.write(`\nprivlab lab: ${sig}: stopping Jupyter and its kernels\n`);
      // SIGTERM makes Jupyter shut its kernels down and remove its runtime files.
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 1000 * (opts.stopTimeoutSeconds ?? 10));
    };
    for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
    const done = (): void => {
      for (const sig of STOP_SIGNALS) process.removeListener(sig, onSignal);
      if (killTimer) clearTimeout(killTimer);
    };
    child.on('error', (err) => {
      done();
      reject(new Error(`cannot start Jupyter Notebook: ${err.message}`));
    });
    child.on('close', (code) => {
      done();
      resolve(stoppedBy ? 128 + SIGNAL_NUMBERS[stoppedBy] : (code ?? 1));
    });
  });
}
