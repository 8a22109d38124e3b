/**
 * Bindings to the native TFHE evaluator (native/tfhe, built by scripts/setup.sh).
 * Loaded lazily so that code which never evaluates (parsing, tests of formats) works
 * without the addon; a missing build is reported with the command that makes it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../util/files';

export interface NativePbsParams {
  lweDimension: number;
  glweDimension: number;
  polynomialSize: number;
  pbsBaseLog: number;
  pbsLevel: number;
  ksBaseLog: number;
  ksLevel: number;
}

export interface NativeServerKey {
  /** Bytes held natively (Fourier bootstrapping key + key-switching key). */
  readonly bytes: number;
  /** The SIMD kernel set this key's operations run on ('avx512', 'avx2' or 'generic'). */
  readonly kernel: string;
  /**
   * mode 0: keyswitch then bootstrap (big-key LWE in and out); 1: bootstrap only (small
   * in, big out); 2: keyswitch only (big in, small out). luts: N values shared, or N per
   * input. offset: added to every body before the modulus switch.
   */
  run(mode: 0 | 1 | 2, inputs: BigUint64Array, luts: BigUint64Array, offset: bigint, threads?: number): Promise<BigUint64Array>;
}

export interface NativeTfhe {
  /** kernel: 'avx512' | 'avx2' | 'generic' (default: the fastest this CPU runs, or PRIVLAB_TFHE_SIMD). */
  ServerKey: new (params: NativePbsParams, bsk: BigUint64Array, ksk: BigUint64Array, kernel?: string) => NativeServerKey;
  linearCombination(inputs: BigUint64Array, size: number, weights: BigInt64Array, biases: BigUint64Array, threads?: number): Promise<BigUint64Array>;
  glweEncryptBodies(masks: BigUint64Array, key: BigUint64Array, noise: Float64Array, k: number, n: number, threads?: number): Promise<BigUint64Array>;
  lweEncryptBodies(masks: BigUint64Array, key: BigUint64Array, noise: Float64Array, threads?: number): Promise<BigUint64Array>;
  hardwareConcurrency: number;
  /** The default SIMD kernel set ('avx512', 'avx2' or 'generic'): the fastest this CPU runs, or PRIVLAB_TFHE_SIMD. */
  simd?: string;
  /** Every kernel set this CPU can run, fastest first. */
  kernels?: string[];
}

let cached: NativeTfhe | undefined;

export function nativeAddonPath(): string {
  return path.join(packageRoot(), 'native', 'tfhe', 'build', 'Release', 'privlab_tfhe.node');
}

export function loadNative(): NativeTfhe {
  if (cached) return cached;
  const file = nativeAddonPath();
  if (!fs.existsSync(file)) throw new Error(`the native TFHE evaluator is not built (${file} is missing): run bash scripts/setup.sh`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  cached = require(file) as NativeTfhe;
  return cached;
}
