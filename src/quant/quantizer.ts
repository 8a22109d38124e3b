/**
 * Uniform affine quantization: q = clamp(round(x / scale) + zeroPoint, qmin, qmax),
 * x ≈ (q − zeroPoint) · scale. The integer range follows from the bit-width,
 * signedness and "narrow range" (which drops the most negative signed value, or the
 * top unsigned one, so that the range is symmetric / leaves room, as in Concrete ML).
 */

export interface QuantSpec {
  /** 2 to 8 bits, as FHE-friendly models use; 1 bit unsigned ({0, 1}, e.g. binarized pixels). */
  bits: number;
  signed: boolean;
  /** Narrow range: signed [−2^(b−1)+1, 2^(b−1)−1], unsigned [0, 2^b−2]. */
  narrow?: boolean;
  /** Zero point fixed at 0 (scale from max |x|). Default: false (affine). */
  symmetric?: boolean;
}

export interface QuantParams {
  scale: number;
  zeroPoint: number;
  qmin: number;
  qmax: number;
  bits: number;
  signed: boolean;
}

export function checkSpec(spec: QuantSpec): void {
  const oneBitUnsigned = spec.bits === 1 && !spec.signed;
  if (!oneBitUnsigned && (!Number.isInteger(spec.bits) || spec.bits < 2 || spec.bits > 8))
    throw new RangeError(`quantization bit-width must be an integer from 2 to 8, got ${spec.bits}`);
  if (spec.symmetric && !spec.signed) throw new RangeError('a symmetric quantizer must be signed');
}

export function intRange(spec: QuantSpec): { qmin: number; qmax: number } {
  checkSpec(spec);
  const b = spec.bits;
  if (spec.signed) return { qmin: -(2 ** (b - 1)) + (spec.narrow ? 1 : 0), qmax: 2 ** (b - 1) - 1 };
  return { qmin: 0, qmax: 2 ** b - 1 - (spec.narrow ? 1 : 0) };
}

/**
 * Parameters that map [min, max] onto the integer range. The range is widened to
 * contain 0 so that zero is exactly representable (padding, ReLU, pruned weights).
 */
export function paramsFromRange(min: number, max: number, spec: QuantSpec): QuantParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new RangeError(`invalid calibration range [${min}, ${max}]`);
  const { qmin, qmax } = intRange(spec);
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (spec.symmetric) {
    const m = Math.max(-lo, hi);
    const scale = m > 0 ? m / qmax : 1;
    return { scale, zeroPoint: 0, qmin, qmax, bits: spec.bits, signed: spec.signed };
  }
  if (hi === lo) return { scale: 1, zeroPoint: spec.signed ? 0 : qmin, qmin, qmax, bits: spec.bits, signed: spec.signed };
  const scale = (hi - lo) / (qmax - qmin);
  const zeroPoint = Math.min(qmax, Math.max(qmin, Math.round(qmin - lo / scale)));
  return { scale, zeroPoint, qmin, qmax, bits: spec.bits, signed: spec.signed };
}

export function quantize(x: number, p: QuantParams): number {
  const q = Math.round(x / p.scale) + p.zeroPoint;
  return q < p.qmin ? p.qmin : q > p.qmax ? p.qmax : q;
}

export function dequantize(q: number, p: QuantParams): number {
  return (q - p.zeroPoint) * p.scale;
}

export function quantizeArray(xs: ArrayLike<number>, p: QuantParams): Int32Array {
  const out = new Int32Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = quantize(xs[i], p);
  return out;
}

export function dequantizeArray(qs: ArrayLike<number>, p: QuantParams): Float32Array {
  const out = new Float32Array(qs.length);
  for (let i = 0; i < qs.length; i++) out[i] = dequantize(qs[i], p);
  return out;
}

/** min and max of an array (NaN-free input assumed; an empty array is an error). */
export function arrayRange(xs: ArrayLike<number>): { min: number; max: number } {
  if (xs.length === 0) throw new RangeError('cannot calibrate on an empty array');
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * One parameter set per output channel of a weight matrix stored row-major as
 * [rows × cols] with channels along `axis` (0: one per row, e.g. a dense layer's
 * output neuron when weights are [out × in]).
 */
export function perChannelParams(values: ArrayLike<number>, rows: number, cols: number, axis: 0 | 1, spec: QuantSpec): QuantParams[] {
  if (values.length !== rows * cols) throw new RangeError(`${rows}x${cols} needs ${rows * cols} values, got ${values.length}`);
  const channels = axis === 0 ? rows : cols;
  const out: QuantParams[] = [];
  for (let c = 0; c < channels; c++) {
    let min = Infinity;
    let max = -Infinity;
    const n = axis === 0 ? cols : rows;
    for (let k = 0; k < n; k++) {
      const v = axis === 0 ? values[c * cols + k] : values[k * cols + c];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    out.push(paramsFromRange(min, max, spec));
  }
  return out;
}
