/**
 * Compiler options: their defaults and checks, and the error the compiler raises.
 */
import { QuantizedModel } from '../../../quant/quantized-model';
import { defaultCandidates } from './parameters';

export class CompileError extends Error {
  constructor(
    readonly layer: number | undefined,
    message: string,
  ) {
    super(layer === undefined ? message : `layer ${layer}: ${message}`);
    this.name = 'CompileError';
  }
}

export interface CompileOptions {
  /** Circuit name (default: the model's meta.name, else "model"). */
  name?: string;
  /** Use this tfhe parameter set (skips the automatic choice). */
  parameterSet?: string;
  /** Sets to choose from (default: tfhe's newest Gaussian KS-PBS set per message width). */
  candidates?: string[];
  /**
   * Target of the per-lookup error (Concrete ML's p_error): predicted probability that a
   * table read lands on another step than the noise-free read, mean over all reads and the
   * input set. Default 0.01 when globalPError is not given; without a default then.
   */
  pError?: number | null;
  /**
   * Target of the per-circuit error (Concrete ML's global_p_error): predicted probability
   * that at least one lookup of an inference reads a wrong step, mean over the input set.
   * It bounds the probability that an inference's output differs from the noise-free
   * circuit's (a wrong read need not change the output). Every target given must be met.
   */
  globalPError?: number | null;
  /**
   * Round each layer's accumulators to their top B bits before the lookup (Concrete ML's
   * rounding_threshold_bits): a layer whose calibrated accumulators need b > B signed bits
   * loses its b − B least significant bits (rounding.ts), so its table needs one position
   * per rounded value instead of per value and fits a smaller N. Default null (off).
   */
  roundingThresholdBits?: number | null;
  /**
   * Each neuron's window extends its calibrated range by this fraction on both sides.
   * Unseen inputs exceed the input set's extremes, and an accumulator beyond its window
   * wraps around the torus (a wrong value, in simulation too). Default 0.2 (MNIST FCNN,
   * test digits: 0.04 % of outputs differ from the clear model at 0.2, 0.3 % at 0.1).
   */
  margin?: number;
  /** Read-noise standard deviations kept clear of the half-torus edges. Default 4. */
  noiseGuard?: number;
  /** Fewer table positions per accumulator value than this is an error. Default 1 (lossless). */
  minPositionsPerValue?: number;
  /** Largest acceptable probability that tfhe misdecrypts an output digit. Default 1e-9. */
  decryptErrorBound?: number;
}

export function resolveOptions(model: QuantizedModel, options: CompileOptions): Required<CompileOptions> {
  const metaName = typeof model.meta?.name === 'string' ? model.meta.name : undefined;
  const o: Required<CompileOptions> = {
    name: options.name ?? metaName ?? 'model',
    parameterSet: options.parameterSet ?? '',
    candidates: options.candidates ?? defaultCandidates(),
    pError: options.pError ?? (options.globalPError == null ? 0.01 : null),
    globalPError: options.globalPError ?? null,
    roundingThresholdBits: options.roundingThresholdBits ?? null,
    margin: options.margin ?? 0.2,
    noiseGuard: options.noiseGuard ?? 4,
    minPositionsPerValue: options.minPositionsPerValue ?? 1,
    decryptErrorBound: options.decryptErrorBound ?? 1e-9,
  };
  if (!/^[\w.-]{1,64}$/.test(o.name)) throw new RangeError(`circuit name "${o.name}" must be 1-64 characters of [A-Za-z0-9_.-]`);
  for (const k of ['pError', 'globalPError'] as const) {
    const v = o[k];
    if (v !== null && !(typeof v === 'number' && v > 0 && v < 1)) throw new RangeError(`${k} must be in (0, 1), got ${String(v)}`);
  }
  const rb = o.roundingThresholdBits;
  if (rb !== null && !(Number.isInteger(rb) && rb >= 1 && rb <= 24))
    throw new RangeError(`roundingThresholdBits must be an integer in [1, 24], got ${String(rb)}`);
  if (!(o.margin >= 0 && o.margin <= 10)) throw new RangeError(`margin must be in [0, 10], got ${o.margin}`);
  if (!(o.noiseGuard >= 0 && o.noiseGuard <= 20)) throw new RangeError(`noiseGuard must be in [0, 20], got ${o.noiseGuard}`);
  if (!(o.minPositionsPerValue > 0)) throw new RangeError(`minPositionsPerValue must be positive, got ${o.minPositionsPerValue}`);
  return o;
}
