/**
 * The server side: a loaded server key (bootstrapping key in the Fourier domain and the
 * key-switching key, held natively) and the batch operations on LWE ciphertexts:
 * keyswitch, programmable bootstrap, both. Batches run on all cores inside the addon
 * and never block the event loop.
 */
import { EvaluationKeys, checkEvaluationKeySizes } from './evaluation_keys';
import { NativeServerKey, loadNative } from './native';
import { CoreParameters, bigLweDimension } from './parameters';

/**
 * The evaluator's SIMD kernel sets: AVX-512 (F/DQ/BW/VL), AVX2+FMA, plain x86-64. The
 * default is the fastest the CPU runs (or the PRIVLAB_TFHE_SIMD environment variable);
 * naming one lets tests and benchmarks run each on the same machine. A set the CPU lacks
 * is a RangeError.
 */
export type TfheKernel = 'avx512' | 'avx2' | 'generic';
export const TFHE_KERNELS: readonly TfheKernel[] = ['avx512', 'avx2', 'generic'];

export interface LoadOptions {
  kernel?: TfheKernel;
}

export interface BatchOptions {
  /** Worker threads (default: all cores). */
  threads?: number;
}

export class LweServerKey<P extends CoreParameters = CoreParameters> {
  private constructor(
    readonly params: P,
    private readonly native: NativeServerKey,
  ) {}

  static load<P extends CoreParameters>(keys: EvaluationKeys<P>, o: LoadOptions = {}): LweServerKey<P> {
    checkEvaluationKeySizes(keys);
    if (o.kernel !== undefined && !TFHE_KERNELS.includes(o.kernel))
      throw new RangeError(`unknown TFHE kernel ${String(o.kernel)} (expected ${TFHE_KERNELS.join(', ')})`);
    const p = keys.params;
    const native = new (loadNative().ServerKey)(
      {
        lweDimension: p.lweDimension,
        glweDimension: p.glweDimension,
        polynomialSize: p.polynomialSize,
        pbsBaseLog: p.pbsBaseLog,
        pbsLevel: p.pbsLevel,
        ksBaseLog: p.ksBaseLog,
        ksLevel: p.ksLevel,
      },
      keys.bootstrapKey,
      keys.keyswitchKey,
      o.kernel,
    );
    return new LweServerKey(p, native);
  }

  /** The SIMD kernel set this key runs on. */
  get kernel(): TfheKernel {
    return this.native.kernel as TfheKernel;
  }

  /** Bytes the evaluator holds in memory. */
  get bytes(): number {
    return this.native.bytes;
  }

  get bigLweSize(): number {
    return bigLweDimension(this.params) + 1;
  }

  get smallLweSize(): number {
    return this.params.lweDimension + 1;
  }

  private checkLuts(luts: BigUint64Array, count: number): void {
    const n = this.params.polynomialSize;
    if (luts.length !== n && luts.length !== n * count) throw new RangeError(`lookup polynomials must hold N = ${n} or ${count}·N values, got ${luts.length}`);
  }

  /** Big-key LWEs → keyswitch → PBS through `luts` (N positions) → big-key LWEs. */
  keyswitchBootstrap(inputs: BigUint64Array, luts: BigUint64Array, bodyOffset: bigint, o: BatchOptions = {}): Promise<BigUint64Array> {
    if (inputs.length % this.bigLweSize) throw new RangeError(`inputs are not a whole number of big-key LWE ciphertexts (size ${this.bigLweSize})`);
    this.checkLuts(luts, inputs.length / this.bigLweSize);
    return this.native.run(0, inputs, luts, bodyOffset, o.threads);
  }

  /** Small-key LWEs → PBS → big-key LWEs. */
  bootstrap(inputs: BigUint64Array, luts: BigUint64Array, bodyOffset: bigint, o: BatchOptions = {}): Promise<BigUint64Array> {
    if (inputs.length % this.smallLweSize) throw new RangeError(`inputs are not a whole number of small-key LWE ciphertexts (size ${this.smallLweSize})`);
    this.checkLuts(luts, inputs.length / this.smallLweSize);
    return this.native.run(1, inputs, luts, bodyOffset, o.threads);
  }

  /** Big-key LWEs → small-key LWEs. */
  keyswitch(inputs: BigUint64Array, o: BatchOptions = {}): Promise<BigUint64Array> {
    if (inputs.length % this.bigLweSize) throw new RangeError(`inputs are not a whole number of big-key LWE ciphertexts (size ${this.bigLweSize})`);
    return this.native.run(2, inputs, new BigUint64Array(0), 0n, o.threads);
  }
}
