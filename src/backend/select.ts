/**
 * Choosing the tfjs backend: an explicit choice (argument, else PRIVLAB_BACKEND), or the
 * fastest available of
 *   tfjs-node-gpu → tfjs-node ('tensorflow') → privlab-native → wasm → cpu.
 * The choice is reported once per process (one line on stderr) unless quiet.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { NATIVE_BACKEND_NAME, registerNativeBackend } from './native-backend';
import { configureBlasThreads, GemmThreading, loadNativeKernels } from './native-addon';

export interface BackendInfo {
  /** tfjs's name of the active backend: 'tensorflow', 'privlab-native', 'wasm' or 'cpu'. */
  name: string;
  /** What it is, for people (package, BLAS build and threads). */
  description: string;
  /** Why it was chosen, and why faster ones were not. */
  reason: string;
}

export interface SelectBackendOptions {
  /** 'auto' (default), 'tfjs-node-gpu', 'tfjs-node', 'native', 'wasm' or 'cpu'. Overrides PRIVLAB_BACKEND. */
  backend?: string;
  /** GEMM threads for the native backend (default PRIVLAB_BLAS_THREADS, else one per core). */
  blasThreads?: number;
  /** How they share a product (default PRIVLAB_GEMM_THREADING, else 'pool'); see configureBlasThreads. */
  gemmThreading?: GemmThreading;
  /** Do not print the one-line report. */
  quiet?: boolean;
}

type Candidate = 'tfjs-node-gpu' | 'tfjs-node' | 'native' | 'wasm' | 'cpu';
const AUTO_ORDER: Candidate[] = ['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu'];
const ALIASES: Record<string, Candidate | 'auto'> = {
  auto: 'auto',
  'tfjs-node-gpu': 'tfjs-node-gpu',
  'node-gpu': 'tfjs-node-gpu',
  'tfjs-node': 'tfjs-node',
  node: 'tfjs-node',
  tensorflow: 'tfjs-node',
  native: 'native',
  [NATIVE_BACKEND_NAME]: 'native',
  wasm: 'wasm',
  cpu: 'cpu',
};

let reported = false;
let current: BackendInfo | undefined;

/** The backend chosen by the last selectBackend() call. */
export function selectedBackend(): BackendInfo | undefined {
  return current;
}

/** Parse a backend choice; throws a RangeError listing the accepted names. */
export function parseBackendChoice(choice: string): Candidate | 'auto' {
  const c = ALIASES[choice.trim().toLowerCase()];
  if (!c) throw new RangeError(`unknown backend "${choice}"; expected one of ${Object.keys(ALIASES).join(', ')}`);
  return c;
}

/** Loads a real @tensorflow/tfjs-node(-gpu); returns why not when it cannot. */
function loadTfjsNode(pkg: string): string | null {
  let pjFile: string;
  try {
    pjFile = require.resolve(`${pkg}/package.json`);
  } catch {
    return `${pkg} is not installed`;
  }
  // This project aliases @tensorflow/tfjs-node to @tensorflow/tfjs (for danfojs-node), so
  // "installed" is not enough: it must be the real package.
  const name = (JSON.parse(fs.readFileSync(pjFile, 'utf8')) as { name?: string }).name;
  if (name !== pkg) return `${pkg} is an alias of ${name ?? 'another package'}, not the real package`;
  try {
    require(pkg);
  } catch (err) {
    return `${pkg} failed to load: ${(err as Error).message.split('\n')[0]}`;
  }
  if (!tf.findBackendFactory('tensorflow')) return `${pkg} registered no 'tensorflow' backend with this @tensorflow/tfjs`;
  return null;
}

/** Makes `c` the active backend, or returns why it cannot be. */
async function tryCandidate(c: Candidate, opts: SelectBackendOptions): Promise<{ info?: BackendInfo; why?: string }> {
  switch (c) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      const pkg = `@tensorflow/${c}`;
      const why = loadTfjsNode(pkg);
      if (why) return { why };
      if (!(await tf.setBackend('tensorflow'))) return { why: `${pkg}'s backend failed to initialise` };
      return { info: { name: 'tensorflow', description: `${pkg} (libtensorflow)`, reason: '' } };
    }
    case 'native': {
      const reg = registerNativeBackend();
      if (!reg.ok) return { why: reg.reason };
      const threads = configureBlasThreads(opts.blasThreads, opts.gemmThreading);
      if (!(await tf.setBackend(NATIVE_BACKEND_NAME))) return { why: `${NATIVE_BACKEND_NAME} failed to initialise` };
      const k = loadNativeKernels();
      const blas = k?.blasConfig() ?? 'OpenBLAS';
      const sharing = threads > 1 ? (k?.blasPoolThreading() ? ', blocks shared' : ', OpenBLAS threading') : '';
      return {
        info: {
          name: NATIVE_BACKEND_NAME,
          description: `tfjs cpu + native kernels (${blas}; ${threads} GEMM thread${threads === 1 ? '' : 's'}${sharing})`,
          reason: '',
        },
      };
    }
    case 'wasm': {
      try {
        require('@tensorflow/tfjs-backend-wasm');
      } catch {
        return { why: '@tensorflow/tfjs-backend-wasm is not installed' };
      }
      if (!(await tf.setBackend('wasm'))) return { why: 'the wasm backend failed to initialise' };
      return { info: { name: 'wasm', description: '@tensorflow/tfjs-backend-wasm', reason: '' } };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) return { why: "tfjs's cpu backend failed to initialise" };
      // Its "install tfjs-node" banner: we report the backend ourselves, with the reason.
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      return { info: { name: 'cpu', description: "tfjs's pure-JavaScript cpu backend", reason: '' } };
    }
  }
}

/** Select and activate a backend (see the module comment); returns what was chosen and why. */
export async function selectBackend(opts: SelectBackendOptions = {}): Promise<BackendInfo> {
  const requested = opts.backend ?? process.env.PRIVLAB_BACKEND ?? 'auto';
  const choice = parseBackendChoice(requested === '' ? 'auto' : requested);
  let info: BackendInfo | undefined;
  if (choice !== 'auto') {
    const r = await tryCandidate(choice, opts);
    if (!r.info) throw new Error(`backend "${requested}" is not available: ${r.why}`);
    info = { ...r.info, reason: opts.backend ? `requested (${requested})` : `requested by PRIVLAB_BACKEND=${requested}` };
  } else {
    const skipped: string[] = [];
    for (const c of AUTO_ORDER) {
      const r = await tryCandidate(c, opts);
      if (r.info) {
        info = { ...r.info, reason: skipped.length ? `fastest available (${skipped.join('; ')})` : 'fastest available' };
        break;
      }
      skipped.push(r.why ?? `${c} unavailable`);
    }
    if (!info) throw new Error(`no tfjs backend could be initialised: ${skipped.join('; ')}`);
  }
  current = info;
  if (!opts.quiet && !reported) {
    reported = true;
    process.stderr.write(`privlab: tfjs backend ${info.name} — ${info.description}\n`);
  }
  return info;
}

/**
 * Selects a backend automatically unless one was already chosen — by selectBackend() or by
 * tfjs itself having started one (tf.setBackend(), or any tensor made before). Library
 * entry points that train call this, so that the fast backend is used without a set-up step.
 */
export async function ensureBackend(opts: SelectBackendOptions = {}): Promise<BackendInfo | undefined> {
  if (current) return current;
  if (tf.engine().backendName) return undefined;
  return selectBackend(opts);
}
