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

/** The kernel's entry point: our launcher around tslab (src/jupyter/kernel/launch.ts), compiled. */
export function kernelEntry(root = packageRoot()): string {
  const tslab = path.join(root, 'node_modules', 'tslab', 'package.json');
  if (!fs.existsSync(tslab)) throw new Error(`tslab is not installed (${tslab} missing): run the set-up (npm test or npm start)`);
  const entry = path.join(root, 'dist', 'src', 'jupyter', 'kernel', 'launch.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run the set-up to compile the project`);
  return entry;
}

export function kernelSpec(root = packageRoot()): KernelSpec {
  return {
    // The node that runs this set-up, by absolute path: the kernel does not depend on PATH.
    argv: [process.execPath, kernelEntry(root), '--config-path', '{connection_file}'],
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
