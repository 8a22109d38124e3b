/**
 * The project-local Jupyter environment: kernelspecs, runtime files and config live
 * under <project>/.jupyter, never in the user's global Jupyter directories.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/files';

export const KERNEL_NAME = 'privlab';

export interface JupyterDirs {
  root: string;
  /** Prepended to JUPYTER_PATH; holds kernels/<name>/kernel.json. */
  data: string;
  runtime: string;
  config: string;
}

export function jupyterDirs(root = packageRoot()): JupyterDirs {
  const base = path.join(root, '.jupyter');
  return { root, data: path.join(base, 'data'), runtime: path.join(base, 'runtime'), config: path.join(base, 'config') };
}

/** Debian's interpreter: it is the one that imports Debian's nbclient/nbconvert/notebook. */
export function systemPython(): string {
  return process.env.PRIVLAB_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** Environment for Jupyter processes: project-local kernelspecs first, the user's settings untouched otherwise. */
export function jupyterEnv(dirs = jupyterDirs()): NodeJS.ProcessEnv {
  const env = { ...process.env };
  env.JUPYTER_PATH = [dirs.data, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  env.JUPYTER_RUNTIME_DIR = dirs.runtime;
  env.JUPYTER_CONFIG_DIR = dirs.config;
  // Not needed by Jupyter, but avoids a platformdirs deprecation warning on every start.
  env.JUPYTER_PLATFORM_DIRS = env.JUPYTER_PLATFORM_DIRS ?? '1';
  fs.mkdirSync(dirs.runtime, { recursive: true });
  fs.mkdirSync(dirs.config, { recursive: true });
  return env;
}
