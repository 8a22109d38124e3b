/** Registering the tslab kernel (TypeScript) in the project-local Jupyter data dir. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot, writeFileAtomic } from '../util/files';
import { jupyterDirs, KERNEL_NAME } from './env';

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  env?: Record<string, string>;
  metadata?: Record<string, unknown>;
}

export function tslabEntry(root = packageRoot()): string {
  const bin = path.join(root, 'node_modules', 'tslab', 'bin', 'tslab');
  if (!fs.existsSync(bin)) throw new Error(`tslab is not installed (${bin} missing): run the set-up (npm test or npm start)`);
  return bin;
}

export function kernelSpec(root = packageRoot()): KernelSpec {
  return {
    // The node that runs this set-up, by absolute path: the kernel does not depend on PATH.
    argv: [process.execPath, tslabEntry(root), 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (privlab)',
    language: 'typescript',
    env: { PRIVLAB_ROOT: root },
    metadata: { privlab: { import: 'import * as lab from "privlab/kernel-ext";' } },
  };
}

export function kernelSpecFile(root = packageRoot()): string {
  return path.join(jupyterDirs(root).data, 'kernels', KERNEL_NAME, 'kernel.json');
}

/** Write the kernelspec if it is missing or different. Returns true when it wrote. */
export function installKernelSpec(root = packageRoot()): boolean {
  const file = kernelSpecFile(root);
  const text = `${JSON.stringify(kernelSpec(root), null, 2)}\n`;
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  writeFileAtomic(file, text);
  return true;
}
