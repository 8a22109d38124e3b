/**
 * Step 2, place: a layer's accumulators share one torus scale (the previous PBS writes every
 * input at it), chosen so the widest window plus a noise guard fits the N positions of the
 * half torus; each neuron's bias centres its own window there. The first layer's scale is a
 * multiple of tfhe's Δ, with the carry modulus raised until it can be fine enough.
 */
import { QuantizedDense, QuantizedModel } from '../../../quant/quantized-model';
import { ShortintParameterSet } from '../shortint/parameters';
import { delta } from '../shortint/encoding';
import { normalTail } from '../core/noise_model';
import { freshEncryptionVariance, pbsOutputVariance, readNoiseStd } from './noise';
import { readParameterSet } from './parameters';
import { positionUnit } from './positions';
import { CompileError, CompileOptions } from './options';
import { Calibration, digitsFor, levels } from './calibration';
import { roundingShifts } from './rounding';

/** How one layer is placed on the torus. */
export interface LayerPlan {
  /** Torus value of one unit of the layer's input messages (Δ for the first layer). */
  inputScale: bigint;
  /** Per neuron: integer multiplier of its weights (first layer: times the digit weights). */
  factor: Int32Array;
  /** Per neuron: positions per accumulator value u = factor·inputScale/unit, and centre: x(acc) = u·acc + c + offset. */
  u: Float64Array;
  centre: Int32Array;
  /** Per neuron: a fraction of a position added to the phase (a rounded later layer's u/2: rounding.ts; else 0). */
  offset: Float64Array;
  /** Continuous read-noise std per neuron (positions), with its factor. */
  sigma: Float64Array;
  windowLo: Int32Array;
  windowHi: Int32Array;
  /** Low bits the layer's accumulators lose to rounding before the lookup (rounding.ts); 0: none. */
  shift: number;
}

export function rowSums(l: QuantizedDense): { sum: Int32Array; sumSq: Float64Array } {
  const sum = new Int32Array(l.outputs);
  const sumSq = new Float64Array(l.outputs);
  for (let o = 0; o < l.outputs; o++) {
    for (let i = 0; i < l.inputs; i++) {
      const w = l.weights[o * l.inputs + i];
      sum[o] += w;
      sumSq[o] += w * w;
    }
  }
  return { sum, sumSq };
}

/** Windows with margin, and the largest u that fits them with the noise guard. */
export function windowFit(
  cal: Calibration,
  l: number,
  sigma: Float64Array,
  n: number,
  o: Required<CompileOptions>,
): { lo: Int32Array; hi: Int32Array; uMax: number; why: string } {
  const lo = cal.lo[l].slice();
  const hi = cal.hi[l].slice();
  let uMax = Infinity;
  let why = '';
  for (let j = 0; j < lo.length; j++) {
    const m = Math.max(1, Math.ceil(o.margin * (hi[j] - lo[j])));
    lo[j] -= m;
    hi[j] += m;
    const room = n - 1 - 2 * o.noiseGuard * sigma[j];
    if (room <= 0)
      throw new CompileError(
        l,
        `neuron ${j}: read noise σ = ${sigma[j].toFixed(1)} positions leaves no room in N = ${n} positions (too many or too large weights for this parameter set)`,
      );
    const u = room / (hi[j] - lo[j]);
    if (u < uMax) {
      uMax = u;
      why = `neuron ${j}'s accumulator window [${lo[j]}, ${hi[j]}] (calibrated [${cal.lo[l][j]}, ${cal.hi[l][j]}] + ${Math.round(100 * o.margin)} % margin) has ${hi[j] - lo[j] + 1} values for ${Math.floor(room)} positions (N = ${n} minus a ${o.noiseGuard}σ noise guard)`;
    }
  }
  return { lo, hi, uMax, why };
}

export function sigmas(p: ShortintParameterSet, sumSq: Float64Array, inputVariance: number): Float64Array {
  return Float64Array.from(sumSq, (s) => readNoiseStd(p, s * inputVariance));
}

/** Where every layer goes on the torus, for one parameter set. */
export interface Placement {
  name: string;
  params: ShortintParameterSet;
  /** tfhe's Δ with the chosen carry: the input and output digits' scale. */
  delta: bigint;
  decryptError: number;
  message: number;
  inDigits: number;
  outDigits: number;
  plans: LayerPlan[];
}

/**
 * Each neuron's own multiplier: the largest integer a whose window still fits,
 * a·u0·(hi − lo) + 2·guard·σ(a) + 1 ≤ N. A neuron with a narrower window than the widest
 * thus reads its accumulator more finely. Multiplying the weights multiplies the input
 * noise too (σ(a) grows), which the fit accounts for; for fresh encryptions (first layer)
 * that noise is negligible, after a PBS it is not.
 */
export function neuronFactors(
  p: ShortintParameterSet,
  lo: Int32Array,
  hi: Int32Array,
  u0: number,
  sumSq: Float64Array,
  inputVariance: number,
  maxWeight: number,
  o: Required<CompileOptions>,
  odd = false,
): { factor: Int32Array; sigma: Float64Array } {
  const n = p.polynomialSize;
  const factor = new Int32Array(lo.length);
  const sigma = new Float64Array(lo.length);
  const cap = Math.max(1, Math.floor((2 ** 31 - 1) / Math.max(1, maxWeight)));
  for (let j = 0; j < lo.length; j++) {
    const span = hi[j] - lo[j];
    const sig = (a: number): number => readNoiseStd(p, a * a * sumSq[j] * inputVariance);
    let a = Math.max(1, Math.min(cap, Math.floor((n - 1 - 2 * o.noiseGuard * sig(1)) / (u0 * Math.max(1, span)))));
    while (a > 1 && a * u0 * span + 2 * o.noiseGuard * sig(a) + 1 > n) a--;
    // a rounded layer's factor is its positions per rounded value: odd, so that each rounded value owns whole positions (rounding.ts)
    if (odd && a % 2 === 0) a--;
    factor[j] = a;
    sigma[j] = sig(a);
  }
  return { factor, sigma };
}

export function plan(
  p: ShortintParameterSet,
  inputScale: bigint,
  fit: { lo: Int32Array; hi: Int32Array },
  f: { factor: Int32Array; sigma: Float64Array },
  shift = 0,
  bucketed = false,
): LayerPlan {
  const n = p.polynomialSize;
  const unitN = Number(positionUnit(n));
  const u = Float64Array.from(f.factor, (a) => (a * Number(inputScale)) / unitN);
  // a rounded later layer's reads sit half a value inside its buckets' edges (rounding.ts)
  const offset = Float64Array.from(u, (uj) => (bucketed ? uj / 2 : 0));
  // each neuron's window centred on the half torus
  const centre = Int32Array.from(fit.lo, (lo, j) => Math.round(n / 2 - (u[j] * (lo + fit.hi[j])) / 2 - offset[j]));
  return { inputScale, factor: f.factor, u, centre, offset, sigma: f.sigma, windowLo: fit.lo, windowHi: fit.hi, shift };
}

export function maxAbsWeight(l: QuantizedDense): number {
  return l.weights.reduce((m, w) => Math.max(m, Math.abs(w)), 0);
}

/**
 * The first layer's inputs are tfhe encryptions at Δ = 2^63/P (P = message·carry, a power
 * of two in [message, N]): N/P positions per accumulator value before the neurons' own
 * multipliers. A larger P gives finer multiples but leaves the output digits (written at
 * the same Δ) less room against the PBS output noise: take the largest P whose decryption
 * stays within the bound — larger only if the widest window needs it.
 */
export function placeFirstLayer(
  model: QuantizedModel,
  cal: Calibration,
  name: string,
  inDigits: number,
  o: Required<CompileOptions>,
  shift = 0,
): { plan: LayerPlan; params: ShortintParameterSet; decryptError: number } {
  const base = readParameterSet(name);
  const msg = base.messageModulus;
  const n = base.polynomialSize;
  let digitSq = 0;
  for (let k = 0; k < inDigits; k++) digitSq += msg ** (2 * k);
  const sumSq = rowSums(model.layers[0]).sumSq;
  const inputVariance = digitSq * freshEncryptionVariance(base);
  const fit = windowFit(cal, 0, sigmas(base, sumSq, inputVariance), n, o);
  const outStd = Math.sqrt(pbsOutputVariance(base));
  const decryptError = (p: number): number => 2 * normalTail(1 / (4 * p) / outStd); // Δ/2 as a torus fraction is 1/(4P)
  let chosen = 0;
  for (let p = msg; p <= Math.min(n, msg * 256); p *= 2) {
    const fits = fit.uMax >= n / p;
    if (fits && (chosen === 0 || decryptError(p) <= o.decryptErrorBound)) chosen = p;
    if (chosen && decryptError(p) > o.decryptErrorBound) break;
  }
  if (!chosen) {
    throw new CompileError(
      0,
      `${fit.why}: fewer than one position per value even at the largest plaintext modulus (N = ${n}); the first layer cannot round its accumulator — prune it, use fewer weight/input bits, or a parameter set with a larger N`,
    );
  }
  if (n / chosen < o.minPositionsPerValue)
    throw new CompileError(0, `${fit.why}: ${n / chosen} positions per value is below the minimum ${o.minPositionsPerValue}`);
  const params = readParameterSet(name, chosen / msg);
  const factors = neuronFactors(base, fit.lo, fit.hi, n / chosen, sumSq, inputVariance, maxAbsWeight(model.layers[0]) * msg ** (inDigits - 1), o);
  return { plan: plan(params, delta(params), fit, factors, shift), params, decryptError: decryptError(chosen) };
}

/**
 * Later layers: the widest window sets the shared input scale (an integer u when possible, so
 * reads land on position centres). A rounded layer (shift > 0) reads at 1/2^shift positions
 * per value times each neuron's odd factor (rounding.ts).
 */
export function placeLayer(model: QuantizedModel, cal: Calibration, l: number, p: ShortintParameterSet, o: Required<CompileOptions>, shift = 0): LayerPlan {
  const n = p.polynomialSize;
  const sumSq = rowSums(model.layers[l]).sumSq;
  const inputVariance = pbsOutputVariance(p);
  const fit = windowFit(cal, l, sigmas(p, sumSq, inputVariance), n, o);
  if (shift > 0) {
    const unit = positionUnit(n);
    if (fit.uMax * 2 ** shift < 1)
      throw new CompileError(
        l,
        `${fit.why}: fewer than one position per rounded value even with ${shift} low bits rounded off — round to fewer bits or use a larger N`,
      );
    if (BigInt(2 ** shift) > unit) throw new CompileError(l, `rounding off ${shift} bits needs a finer input scale than N = ${n} allows`);
    // as coarse a scale as fits (a fine one would leave the previous PBS's output noise large beside it), odd positions per rounded value
    let k = Math.floor(fit.uMax * 2 ** shift);
    if (k % 2 === 0) k--;
    const inputScale = BigInt(k) * (unit / BigInt(2 ** shift));
    const factors = neuronFactors(p, fit.lo, fit.hi, k / 2 ** shift, sumSq, inputVariance, maxAbsWeight(model.layers[l]), o, true);
    return plan(p, inputScale, fit, factors, shift, true);
  }
  if (fit.uMax < o.minPositionsPerValue) {
    throw new CompileError(
      l,
      `${fit.why}: ${fit.uMax.toPrecision(3)} positions per value is below the minimum ${o.minPositionsPerValue} — prune the layer, use fewer bits, a larger N, or allow rounding (minPositionsPerValue < 1)`,
    );
  }
  const unit = positionUnit(n);
  const inputScale = fit.uMax >= 1 ? BigInt(Math.floor(fit.uMax)) * unit : BigInt(Math.floor(fit.uMax * Number(unit)));
  const factors = neuronFactors(p, fit.lo, fit.hi, Number(inputScale) / Number(unit), sumSq, inputVariance, maxAbsWeight(model.layers[l]), o);
  return plan(p, inputScale, fit, factors);
}

export function place(model: QuantizedModel, cal: Calibration, name: string, o: Required<CompileOptions>): Placement {
  const message = readParameterSet(name).messageModulus;
  const inDigits = digitsFor(levels(model.input), message);
  const outDigits = digitsFor(levels(model.layers[model.layers.length - 1].output), message);
  const shifts = roundingShifts(cal, o.roundingThresholdBits);
  const first = placeFirstLayer(model, cal, name, inDigits, o, shifts[0]);
  const plans = [first.plan];
  for (let l = 1; l < model.layers.length; l++) plans.push(placeLayer(model, cal, l, first.params, o, shifts[l]));
  return { name, params: first.params, delta: delta(first.params), decryptError: first.decryptError, message, inDigits, outDigits, plans };
}
