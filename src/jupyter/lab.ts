/** `privlab lab`: the interactive notebook server on localhost, with the privlab kernel registered. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/files';
import { jupyterEnv, KERNEL_NAME, systemPython } from './env';
import { kernelSpecFile } from './kernelspec';

export interface LabOptions {
  port?: number;
  /** Extra arguments for `python3 -m notebook`. */
  extraArgs?: string[];
}

/** Start Jupyter Notebook on 127.0.0.1 in notebooks/; resolves with its exit code. */
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
  return new Promise((resolve, reject) => {
    const child = spawn(systemPython(), args, { env: jupyterEnv(), stdio: 'inherit' });
    child.on('error', (err) => reject(new Error(`cannot start Jupyter Notebook: ${err.message}`)));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
