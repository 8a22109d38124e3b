/**
 * The compiled kernels of native/kernels (OpenBLAS GEMM, im2col convolution, fused
 * elementwise loops), loaded once. Missing or unloadable addons are not an error here:
 * backend selection falls back to another backend and reports why.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../util/files';
import { requirePositiveInteger } from '../util/checks';

/** The addon's functions (native/kernels/src/addon.cc). Outputs are caller-allocated. */
export interface NativeKernels {
  /** n threads for GEMMs; pool (default true): privlab's block sharing, else OpenBLAS's own threads. */
  setBlasThreads(n: number, pool?: boolean): void;
  blasThreads(): number;
  blasPoolThreading(): boolean;
  blasConfig(): string;
  batchMatMul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    strideA: number,
    strideB: number,
  ): void;
  fusedBatchMatMul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    strideA: number,
    strideB: number,
    bias: Float32Array | null,
    biasKind: number,
    activation: number,
    alpha: number,
  ): void;
  biasActivation(c: Float32Array, rows: number, cols: number, bias: Float32Array | null, activation: number, alpha: number): void;
  activation(x: Float32Array, y: Float32Array, activation: number, alpha: number): void;
  activationGradFromOutput(dy: Float32Array, y: Float32Array, dx: Float32Array, activation: number, alpha: number): void;
  leakyReluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, alpha: number): void;
  /** op: 0 add, 1 sub, 2 mul, 3 div; the shorter operand repeats over the longer. */
  binaryCyclic(op: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  sumCols(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, shape: Int32Array): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, shape: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dfilter: Float32Array, shape: Int32Array): void;
  batchNormForward(
    x: Float32Array,
    rows: number,
    channels: number,
    gamma: Float32Array,
    beta: Float32Array,
    epsilon: number,
    y: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
  ): void;
  batchNormBackward(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    gamma: Float32Array,
    rows: number,
    channels: number,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
  ): void;
  /** Each row of x [rows, cols] cut into consecutive pieces; piece p's width is outs[p].length / rows. */
  splitColumns(x: Float32Array, rows: number, cols: number, outs: Float32Array[]): void;
  /** Its inverse: out [rows, cols] from pieces whose widths (length / rows) sum to cols. */
  concatColumns(ins: Float32Array[], rows: number, cols: number, out: Float32Array): void;
  adamUpdate(
    w: Float32Array,
    m: Float32Array,
    v: Float32Array,
    g: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    biasCorrection1: number,
    biasCorrection2: number,
  ): void;
  /**
   * Eigenvalues (ascending) of the symmetric n×n float64 matrix `a` into w (LAPACK dsyevd);
   * with `vectors`, `a` is overwritten by the eigenvectors, one per row. Returns LAPACK's
   * info (0 = success). Absent from addons built before it was added.
   */
  symmetricEigen?(a: Float64Array, n: number, w: Float64Array, vectors: boolean): number;
  /** c[m×n] = op(a)·op(b) in float64 (BLAS dgemm), row-major. */
  gemmF64?(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): void;
}

/** Activation codes of the addon (privlab::Activation in native/kernels/src/kernels.h). */
export const ACTIVATION_CODES = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5, tanh: 6 } as const;
export type NativeActivation = keyof typeof ACTIVATION_CODES;

/** How a bias broadcasts over a [batch, m, n] product (privlab::BiasKind). */
export const BIAS_KINDS = { none: 0, scalar: 1, perColumn: 2, perMatrix: 3, full: 4 } as const;

export function isNativeActivation(a: unknown): a is NativeActivation {
  return typeof a === 'string' && Object.prototype.hasOwnProperty.call(ACTIVATION_CODES, a);
}

/** Where setup builds the addon (scripts/setup.sh → node-gyp in native/kernels). */
export function nativeAddonPath(): string {
  return process.env.PRIVLAB_KERNELS_ADDON ?? path.join(packageRoot(), 'native', 'kernels', 'build', 'Release', 'privlab_kernels.node');
}

let loaded: { kernels: NativeKernels | null; error?: string } | undefined;

/** The addon, or null when it is not built or does not load (see nativeKernelsError()). */
export function loadNativeKernels(): NativeKernels | null {
  if (loaded) return loaded.kernels;
  const file = nativeAddonPath();
  if (!fs.existsSync(file)) {
    loaded = { kernels: null, error: `native kernels not built (${file} is missing; run bash scripts/setup.sh)` };
    return null;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    loaded = { kernels: require(file) as NativeKernels };
  } catch (err) {
    loaded = { kernels: null, error: `native kernels failed to load from ${file}: ${(err as Error).message}` };
    return null;
  }
  configureBlasThreads();
  return loaded.kernels;
}

/** Why loadNativeKernels() returned null, if it did. */
export function nativeKernelsError(): string | undefined {
  return loaded?.error;
}

/** The addon; throws when it is not available (for code that already checked). */
export function nativeKernels(): NativeKernels {
  const k = loadNativeKernels();
  if (!k) throw new Error(nativeKernelsError() ?? 'native kernels are not available');
  return k;
}

/** How the GEMM threads share a product (native/kernels/src/parallel_gemm.cc). */
export type GemmThreading = 'pool' | 'openblas';

/**
 * Threads for the GEMMs: the argument, else PRIVLAB_BLAS_THREADS, else one per core; and how
 * they share a product: `threading`, else PRIVLAB_GEMM_THREADING, else 'pool' — blocks of the
 * product claimed by whichever thread is running (robust when another process holds a core)
 * rather than OpenBLAS's static split ('openblas'). The threads share the cores with Node's
 * main thread, which takes part in every product. bench/ measures both.
 */
export function configureBlasThreads(threads?: number, threading?: GemmThreading): number {
  const k = loadNativeKernels();
  const env = process.env.PRIVLAB_BLAS_THREADS;
  let n = threads;
  if (n === undefined && env !== undefined && env !== '') {
    n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`PRIVLAB_BLAS_THREADS must be a positive integer, got "${env}"`);
  }
  if (n === undefined) n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  requirePositiveInteger(n, 'BLAS threads');
  const mode = threading ?? (process.env.PRIVLAB_GEMM_THREADING || 'pool');
  if (mode !== 'pool' && mode !== 'openblas') throw new RangeError(`GEMM threading must be "pool" or "openblas", got "${mode}"`);
  if (k) k.setBlasThreads(n, mode === 'pool');
  return n;
}
