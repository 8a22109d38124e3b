/**
 * Quantized model → integer circuit (DESIGN "FHE design" items 5 and 7).
 *
 * 1. Calibrate: run the clear integer model on the input set; each neuron's accumulator
 *    range, widened by a margin, is the window its table must hold.
 * 2. Scale: a layer's accumulators share one torus scale (the previous PBS writes every
 *    input at it), chosen so the widest window plus a noise guard fits the N positions of
 *    the half torus; each neuron's bias centres its own window there. An integer number u
 *    of positions per accumulator value makes every value's read exact without noise.
 *    The first layer's scale is a multiple of tfhe's Δ = 2^63/(message·carry): the carry
 *    modulus is raised until that multiple can be fine enough, but no further than the
 *    output digits (written at the same Δ, decrypted by tfhe) stay reliably readable.
 * 3. Tabulate: each neuron's fused function acc ↦ next integer (bias, activation,
 *    requantization: quant/quantized-eval neuronFunction) at all N positions; the last
 *    layer's tables write the output's base-`message` digits at Δ.
 * 4. Predict: read noise per neuron from the noise model, and the probability each read
 *    lands on a wrong step, averaged over the input set.
 * The parameter set is the cheapest of tfhe's candidates whose predicted read error is
 * within the target, unless one is named.
 */
import { QuantizedDense, QuantizedModel, checkQuantizedModel } from '../../../quant/quantized-model';
import { neuronFunction, quantizeInputs, runQuantized } from '../../../quant/quantized-eval';
import { QuantParams } from '../../../quant/quantizer';
import { signedBits, worstCaseAccumulator } from '../../../prune/accumulator';
import { ShortintParameterSet, describeParameters } from '../shortint/parameters';
import { delta } from '../shortint/encoding';
import { encodeCiphertext } from '../shortint/ciphertext';
import { bootstrapKeySize } from '../core/lwe_bootstrap_key_generation';
import { keyswitchKeySize } from '../core/lwe_keyswitch_key_generation';
import { bigLweDimension } from '../core/parameters';
import { normalTail } from '../core/noise_model';
import { CircuitLayer, FheCircuit } from './circuit';
import { meanReadError } from './error-model';
import { freshEncryptionVariance, pbsOutputVariance, readNoiseStd } from './noise';
import { defaultCandidates, pbsCost, readParameterSet } from './parameters';
import { MASK64, positionUnit } from './positions';
import { CandidateReport, CompileReport, LayerReport } from './report';

export class CompileError extends Error {
  constructor(readonly layer: number | undefined, message: string) {
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
  /** Target predicted read error, mean over reads and the input set. Default 0.01. */
  pError?: number;
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

interface Calibration {
  count: number;
  /** Per layer: accumulators [count × neurons]. */
  accs: Int32Array[];
  /** Per layer and neuron: calibrated range. */
  lo: Int32Array[];
  hi: Int32Array[];
}

function levels(q: QuantParams): number {
  return q.qmax - q.qmin + 1;
}

function digitsFor(levelCount: number, base: number): number {
  let d = 1;
  while (base ** d < levelCount) d++;
  return d;
}

function calibrate(model: QuantizedModel, inputset: ArrayLike<number>): Calibration {
  const width = model.layers[0].inputs;
  if (inputset.length === 0 || inputset.length % width) throw new CompileError(undefined, `the input set must be a non-empty [count × ${width}] array, got ${inputset.length} values`);
  const count = inputset.length / width;
  const run = runQuantized(model, quantizeInputs(model, inputset), count);
  const lo: Int32Array[] = [];
  const hi: Int32Array[] = [];
  run.accumulators.forEach((acc, l) => {
    const n = model.layers[l].outputs;
    const a = new Int32Array(n).fill(2 ** 31 - 1);
    const b = new Int32Array(n).fill(-(2 ** 31));
    for (let s = 0; s < count; s++) {
      for (let o = 0; o < n; o++) {
        const v = acc[s * n + o];
        if (v < a[o]) a[o] = v;
        if (v > b[o]) b[o] = v;
      }
    }
    lo.push(a);
    hi.push(b);
  });
  return { count, accs: run.accumulators, lo, hi };
}

/** How one layer is placed on the torus. */
interface LayerPlan {
  /** Torus value of one unit of the layer's input messages (Δ for the first layer). */
  inputScale: bigint;
  /** Per neuron: integer multiplier of its weights (first layer: times the digit weights). */
  factor: Int32Array;
  /** Per neuron: positions per accumulator value u = factor·inputScale/unit, and centre: x(acc) = u·acc + c. */
  u: Float64Array;
  centre: Int32Array;
  /** Continuous read-noise std per neuron (positions), with its factor. */
  sigma: Float64Array;
  windowLo: Int32Array;
  windowHi: Int32Array;
}

function rowSums(l: QuantizedDense): { sum: Int32Array; sumSq: Float64Array } {
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
function windowFit(cal: Calibration, l: number, sigma: Float64Array, n: number, o: Required<CompileOptions>): { lo: Int32Array; hi: Int32Array; uMax: number; why: string } {
  const lo = cal.lo[l].slice();
  const hi = cal.hi[l].slice();
  let uMax = Infinity;
  let why = '';
  for (let j = 0; j < lo.length; j++) {
    const m = Math.max(1, Math.ceil(o.margin * (hi[j] - lo[j])));
    lo[j] -= m;
    hi[j] += m;
    const room = n - 1 - 2 * o.noiseGuard * sigma[j];
    if (room <= 0) throw new CompileError(l, `neuron ${j}: read noise σ = ${sigma[j].toFixed(1)} positions leaves no room in N = ${n} positions (too many or too large weights for this parameter set)`);
    const u = room / (hi[j] - lo[j]);
    if (u < uMax) {
      uMax = u;
      why = `neuron ${j}'s accumulator window [${lo[j]}, ${hi[j]}] (calibrated [${cal.lo[l][j]}, ${cal.hi[l][j]}] + ${Math.round(100 * o.margin)} % margin) has ${hi[j] - lo[j] + 1} values for ${Math.floor(room)} positions (N = ${n} minus a ${o.noiseGuard}σ noise guard)`;
    }
  }
  return { lo, hi, uMax, why };
}

function sigmas(p: ShortintParameterSet, sumSq: Float64Array, inputVariance: number): Float64Array {
  return Float64Array.from(sumSq, (s) => readNoiseStd(p, s * inputVariance));
}

/** Where every layer goes on the torus, for one parameter set. */
interface Placement {
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
function neuronFactors(p: ShortintParameterSet, lo: Int32Array, hi: Int32Array, u0: number, sumSq: Float64Array, inputVariance: number, maxWeight: number, o: Required<CompileOptions>): { factor: Int32Array; sigma: Float64Array } {
  const n = p.polynomialSize;
  const factor = new Int32Array(lo.length);
  const sigma = new Float64Array(lo.length);
  const cap = Math.max(1, Math.floor((2 ** 31 - 1) / Math.max(1, maxWeight)));
  for (let j = 0; j < lo.length; j++) {
    const span = hi[j] - lo[j];
    const sig = (a: number): number => readNoiseStd(p, a * a * sumSq[j] * inputVariance);
    let a = Math.max(1, Math.min(cap, Math.floor((n - 1 - 2 * o.noiseGuard * sig(1)) / (u0 * Math.max(1, span)))));
    while (a > 1 && a * u0 * span + 2 * o.noiseGuard * sig(a) + 1 > n) a--;
    factor[j] = a;
    sigma[j] = sig(a);
  }
  return { factor, sigma };
}

function plan(p: ShortintParameterSet, inputScale: bigint, fit: { lo: Int32Array; hi: Int32Array }, f: { factor: Int32Array; sigma: Float64Array }): LayerPlan {
  const n = p.polynomialSize;
  const unitN = Number(positionUnit(n));
  const u = Float64Array.from(f.factor, (a) => (a * Number(inputScale)) / unitN);
  // each neuron's window centred on the half torus
  const centre = Int32Array.from(fit.lo, (lo, j) => Math.round(n / 2 - (u[j] * (lo + fit.hi[j])) / 2));
  return { inputScale, factor: f.factor, u, centre, sigma: f.sigma, windowLo: fit.lo, windowHi: fit.hi };
}

function maxAbsWeight(l: QuantizedDense): number {
  return l.weights.reduce((m, w) => Math.max(m, Math.abs(w)), 0);
}

/**
 * The first layer's inputs are tfhe encryptions at Δ = 2^63/P (P = message·carry, a power
 * of two in [message, N]): N/P positions per accumulator value before the neurons' own
 * multipliers. A larger P gives finer multiples but leaves the output digits (written at
 * the same Δ) less room against the PBS output noise: take the largest P whose decryption
 * stays within the bound — larger only if the widest window needs it.
 */
function placeFirstLayer(model: QuantizedModel, cal: Calibration, name: string, inDigits: number, o: Required<CompileOptions>): { plan: LayerPlan; params: ShortintParameterSet; decryptError: number } {
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
    throw new CompileError(0, `${fit.why}: fewer than one position per value even at the largest plaintext modulus (N = ${n}); the first layer cannot round its accumulator — prune it, use fewer weight/input bits, or a parameter set with a larger N`);
  }
  if (n / chosen < o.minPositionsPerValue) throw new CompileError(0, `${fit.why}: ${n / chosen} positions per value is below the minimum ${o.minPositionsPerValue}`);
  const params = readParameterSet(name, chosen / msg);
  const factors = neuronFactors(base, fit.lo, fit.hi, n / chosen, sumSq, inputVariance, maxAbsWeight(model.layers[0]) * msg ** (inDigits - 1), o);
  return { plan: plan(params, delta(params), fit, factors), params, decryptError: decryptError(chosen) };
}

/** Later layers: the widest window sets the shared input scale (an integer u when possible, so reads land on position centres). */
function placeLayer(model: QuantizedModel, cal: Calibration, l: number, p: ShortintParameterSet, o: Required<CompileOptions>): LayerPlan {
  const n = p.polynomialSize;
  const sumSq = rowSums(model.layers[l]).sumSq;
  const inputVariance = pbsOutputVariance(p);
  const fit = windowFit(cal, l, sigmas(p, sumSq, inputVariance), n, o);
  if (fit.uMax < o.minPositionsPerValue) {
    throw new CompileError(l, `${fit.why}: ${fit.uMax.toPrecision(3)} positions per value is below the minimum ${o.minPositionsPerValue} — prune the layer, use fewer bits, a larger N, or allow rounding (minPositionsPerValue < 1)`);
  }
  const unit = positionUnit(n);
  const inputScale = fit.uMax >= 1 ? BigInt(Math.floor(fit.uMax)) * unit : BigInt(Math.floor(fit.uMax * Number(unit)));
  const factors = neuronFactors(p, fit.lo, fit.hi, Number(inputScale) / Number(unit), sumSq, inputVariance, maxAbsWeight(model.layers[l]), o);
  return plan(p, inputScale, fit, factors);
}

function place(model: QuantizedModel, cal: Calibration, name: string, o: Required<CompileOptions>): Placement {
  const message = readParameterSet(name).messageModulus;
  const inDigits = digitsFor(levels(model.input), message);
  const outDigits = digitsFor(levels(model.layers[model.layers.length - 1].output), message);
  const first = placeFirstLayer(model, cal, name, inDigits, o);
  const plans = [first.plan];
  for (let l = 1; l < model.layers.length; l++) plans.push(placeLayer(model, cal, l, first.params, o));
  return { name, params: first.params, delta: delta(first.params), decryptError: first.decryptError, message, inDigits, outDigits, plans };
}

/** One circuit layer: weights on the input ciphertexts, biases that place each window, tables. */
function buildLayer(model: QuantizedModel, l: number, pl: Placement, inQ: QuantParams): { layer: CircuitLayer; neuronTables: Int32Array[][] } {
  const ml = model.layers[l];
  const plan = pl.plans[l];
  const msg = pl.message;
  const n = pl.params.polynomialSize;
  const isLast = l === model.layers.length - 1;
  const rows = rowSums(ml);
  // the first layer's inputs are the digits of x − qmin
  const digits = l === 0 ? pl.inDigits : 1;
  const inputs = ml.inputs * digits;
  const weights = new Int32Array(ml.outputs * inputs);
  for (let j = 0; j < ml.outputs; j++) {
    for (let i = 0; i < ml.inputs; i++) {
      for (let k = 0; k < digits; k++) {
        const w = ml.weights[j * ml.inputs + i] * plan.factor[j] * msg ** k;
        if (Math.abs(w) >= 2 ** 31) throw new CompileError(l, `weight ${ml.weights[j * ml.inputs + i]} × ${plan.factor[j] * msg ** k} overflows 32 bits`);
        weights[j * inputs + i * digits + k] = w;
      }
    }
  }
  const inputScale = plan.inputScale;
  // phase = inputScale·Σw·m + bias must equal a·inputScale·acc + centre·unit; the first
  // layer's messages are x − qmin, so acc = Σw·m/a + qmin·rowsum.
  const unit = positionUnit(n);
  const bias = Array.from(plan.centre, (c, j) => (BigInt(c) * unit + (l === 0 ? BigInt(plan.factor[j]) * inputScale * BigInt(inQ.qmin * rows.sum[j]) : 0n)) & MASK64);
  const pbsNeuron: number[] = [];
  const tables: Int32Array[] = [];
  const neuronTables: Int32Array[][] = [];
  for (let j = 0; j < ml.outputs; j++) {
    const f = neuronFunction(ml, j, inQ);
    const values = new Int32Array(n);
    const c = plan.centre[j];
    const u = plan.u[j];
    for (let t = 0; t < n; t++) values[t] = f(Math.floor((t - c) / u + 0.5));
    const own: Int32Array[] = [];
    if (isLast) {
      for (let k = 0; k < pl.outDigits; k++) own.push(values.map((y) => Math.floor((y - ml.output.qmin) / msg ** k) % msg));
    } else own.push(values);
    for (const t of own) {
      pbsNeuron.push(j);
      tables.push(t);
    }
    neuronTables.push(own);
  }
  const outputScale = isLast ? pl.delta : pl.plans[l + 1].inputScale;
  return { layer: { inputs, neurons: ml.outputs, weights, bias, inputScale, pbsNeuron: Int32Array.from(pbsNeuron), tables, outputScale }, neuronTables };
}

/** Mean predicted read error of a layer over the input set; adds log(1 − p) per sample to `logOk`. */
function predictLayer(cal: Calibration, l: number, plan: LayerPlan, neuronTables: Int32Array[][], logOk: Float64Array): number {
  const accs = cal.accs[l];
  const neurons = neuronTables.length;
  const col = new Int32Array(cal.count);
  const ps = new Float64Array(cal.count);
  let sum = 0;
  for (let j = 0; j < neurons; j++) {
    for (let s = 0; s < cal.count; s++) col[s] = accs[s * neurons + j];
    sum += meanReadError(neuronTables[j], col, plan.u[j], plan.centre[j], plan.sigma[j], ps);
    for (let s = 0; s < cal.count; s++) logOk[s] += Math.log1p(-Math.min(ps[s], 1 - 1e-12));
  }
  return sum / neurons;
}

function layerReport(model: QuantizedModel, cal: Calibration, l: number, plan: LayerPlan, pbs: number, n: number, inQ: QuantParams, predictedReadError: number): LayerReport {
  const ml = model.layers[l];
  let accLo = Infinity;
  let accHi = -Infinity;
  let widest = 0;
  let worstSigma = 0;
  let worstValues = 0;
  for (let j = 0; j < ml.outputs; j++) {
    accLo = Math.min(accLo, cal.lo[l][j]);
    accHi = Math.max(accHi, cal.hi[l][j]);
    widest = Math.max(widest, plan.windowHi[j] - plan.windowLo[j] + 1);
    const std = Math.sqrt(plan.sigma[j] ** 2 + 1 / 12);
    worstSigma = Math.max(worstSigma, std);
    worstValues = Math.max(worstValues, std / plan.u[j]);
  }
  const uMin = Math.min(...plan.u);
  const uSorted = Float64Array.from(plan.u).sort();
  return {
    layer: l,
    inputs: ml.inputs,
    neurons: ml.outputs,
    pbs,
    activation: ml.activation,
    accumulatorBits: signedBits(accLo, accHi),
    accumulatorBitsWorstCase: worstCaseAccumulator({ weights: ml.weights, outputs: ml.outputs, inputs: ml.inputs }, inQ.qmin, inQ.qmax).bits,
    accumulatorRange: [accLo, accHi],
    windowValues: widest,
    positionsPerValue: uMin,
    positionsPerValueMedian: uSorted[uSorted.length >> 1],
    tableResolutionBits: Math.log2(n / uMin),
    lossless: plan.u.every((u) => u >= 1 && Number.isInteger(u)),
    readNoiseStd: worstSigma,
    readNoiseStdValues: worstValues,
    predictedReadError,
  };
}

function planCandidate(model: QuantizedModel, cal: Calibration, name: string, o: Required<CompileOptions>): FheCircuit {
  const pl = place(model, cal, name, o);
  const { params } = pl;
  const n = params.polynomialSize;
  const layers: CircuitLayer[] = [];
  const layerReports: LayerReport[] = [];
  const logOk = new Float64Array(cal.count); // Σ log(1 − p) per sample
  let inQ = model.input;
  model.layers.forEach((ml, l) => {
    const { layer, neuronTables } = buildLayer(model, l, pl, inQ);
    layers.push(layer);
    const err = predictLayer(cal, l, pl.plans[l], neuronTables, logOk);
    layerReports.push(layerReport(model, cal, l, pl.plans[l], layer.tables.length, n, inQ, err));
    inQ = ml.output;
  });

  const reads = model.layers.reduce((s, l) => s + l.outputs, 0);
  const expectedErrors = layerReports.reduce((s, r) => s + r.predictedReadError * r.neurons, 0);
  const ctBytes = encodeCiphertext({ lwe: new BigUint64Array(bigLweDimension(params) + 1), degree: 0, noiseLevel: 1, messageModulus: params.messageModulus, carryModulus: params.carryModulus }).length;
  const last = model.layers[model.layers.length - 1];
  const inputFeatures = model.layers[0].inputs;
  const report: CompileReport = {
    parameterSet: name,
    parameters: describeParameters(params),
    carryModulus: params.carryModulus,
    plaintextModulus: params.messageModulus * params.carryModulus,
    polynomialSize: n,
    pbsCount: layers.reduce((s, l) => s + l.tables.length, 0),
    reads,
    inputDigits: pl.inDigits,
    outputDigits: pl.outDigits,
    layers: layerReports,
    predictedReadError: expectedErrors / reads,
    predictedErrorsPerInference: expectedErrors,
    predictedInferenceError: logOk.reduce((s, v) => s + (1 - Math.exp(v)), 0) / cal.count,
    outputDecryptError: pl.decryptError,
    keys: {
      bootstrapKeyBytes: 8 * bootstrapKeySize(params),
      keyswitchKeyBytes: 8 * keyswitchKeySize(params),
      evaluationKeyBytes: 8 * (bootstrapKeySize(params) + keyswitchKeySize(params)),
      ciphertextBytes: ctBytes,
      uploadBytesPerSample: ctBytes * inputFeatures * pl.inDigits,
      downloadBytesPerSample: ctBytes * last.outputs * pl.outDigits,
    },
    inputsetSize: cal.count,
    margin: o.margin,
    pErrorTarget: o.pError,
    candidates: [],
  };
  return {
    format: 'privlab.fhe-circuit',
    version: 1,
    name: o.name,
    parameterSet: name,
    carryModulus: params.carryModulus,
    params,
    input: { features: inputFeatures, digits: pl.inDigits, quant: { ...model.input } },
    output: { features: last.outputs, digits: pl.outDigits, quant: { ...last.output } },
    layers,
    report,
  };
}

function resolveOptions(model: QuantizedModel, options: CompileOptions): Required<CompileOptions> {
  const metaName = typeof model.meta?.name === 'string' ? model.meta.name : undefined;
  const o: Required<CompileOptions> = {
    name: options.name ?? metaName ?? 'model',
    parameterSet: options.parameterSet ?? '',
    candidates: options.candidates ?? defaultCandidates(),
    pError: options.pError ?? 0.01,
    margin: options.margin ?? 0.2,
    noiseGuard: options.noiseGuard ?? 4,
    minPositionsPerValue: options.minPositionsPerValue ?? 1,
    decryptErrorBound: options.decryptErrorBound ?? 1e-9,
  };
  if (!/^[\w.-]{1,64}$/.test(o.name)) throw new RangeError(`circuit name "${o.name}" must be 1-64 characters of [A-Za-z0-9_.-]`);
  if (!(o.pError > 0 && o.pError < 1)) throw new RangeError(`pError must be in (0, 1), got ${o.pError}`);
  if (!(o.margin >= 0 && o.margin <= 10)) throw new RangeError(`margin must be in [0, 10], got ${o.margin}`);
  if (!(o.noiseGuard >= 0 && o.noiseGuard <= 20)) throw new RangeError(`noiseGuard must be in [0, 20], got ${o.noiseGuard}`);
  if (!(o.minPositionsPerValue > 0)) throw new RangeError(`minPositionsPerValue must be positive, got ${o.minPositionsPerValue}`);
  return o;
}

/**
 * Compile a quantized model for encrypted inference, calibrated on `inputset` (float
 * inputs, [count × features] row-major, as the model's input quantizer expects them).
 */
export function compileCircuit(model: QuantizedModel, inputset: ArrayLike<number>, options: CompileOptions = {}): FheCircuit {
  checkQuantizedModel(model);
  const o = resolveOptions(model, options);
  const cal = calibrate(model, inputset);
  const names = o.parameterSet ? [o.parameterSet] : [...o.candidates];
  const ranked = names.map((name) => ({ name, params: readParameterSet(name) })).sort((a, b) => pbsCost(a.params) - pbsCost(b.params));
  const candidates: CandidateReport[] = [];
  let chosen: FheCircuit | undefined;
  let lastError: CompileError | undefined;
  for (const { name, params } of ranked) {
    const entry: CandidateReport = { parameterSet: name, polynomialSize: params.polynomialSize, cost: pbsCost(params), fits: false };
    candidates.push(entry);
    try {
      const circuit = planCandidate(model, cal, name, o);
      entry.fits = true;
      entry.predictedReadError = circuit.report.predictedReadError;
      if (o.parameterSet || circuit.report.predictedReadError <= o.pError) {
        chosen = circuit;
        break;
      }
      entry.reason = `predicted read error ${circuit.report.predictedReadError.toExponential(2)} > target ${o.pError}`;
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      entry.reason = e.message;
      lastError = e;
    }
  }
  if (!chosen) {
    const fitting = candidates.filter((c) => c.fits);
    if (fitting.length === 0 && lastError) throw lastError;
    const bestErr = Math.min(...fitting.map((c) => c.predictedReadError ?? 1));
    throw new CompileError(undefined, `no parameter set meets the read-error target ${o.pError} (best predicted: ${bestErr.toExponential(2)}); raise pError, prune, or name a set. Tried: ${candidates.map((c) => `${c.parameterSet}: ${c.reason}`).join('; ')}`);
  }
  chosen.report.candidates = candidates;
  return chosen;
}
