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
 * The parameter set is the cheapest of tfhe's candidates (by pbsCost) whose predicted errors
 * meet the targets given — per read (pError) and per inference (globalPError: P(at least one
 * wrong read)) — and whose output digits tfhe decrypts reliably (decryptErrorBound),
 * unless one is named.
 *
 * With roundingThresholdBits, a layer's accumulators are rounded to their top bits before the
 * lookup, by the modulus switch itself (rounding.ts: placement and tables of rounded layers).
 *
 * One file per step: options.ts, calibration.ts (1), placement.ts (2), tables.ts (3),
 * prediction.ts (4), report.ts, and rounding.ts; this file runs them for each candidate set.
 */
import { QuantizedModel, checkQuantizedModel } from '../../../quant/quantized-model';
import { describeParameters } from '../shortint/parameters';
import { encodeCiphertext } from '../shortint/ciphertext';
import { bootstrapKeySize } from '../core/lwe_bootstrap_key_generation';
import { keyswitchKeySize } from '../core/lwe_keyswitch_key_generation';
import { bigLweDimension } from '../core/parameters';
import { CircuitLayer, FheCircuit } from './circuit';
import { pbsCost, readParameterSet } from './parameters';
import { CandidateReport, CompileReport, LayerReport, layerReport } from './report';
import { CompileError, CompileOptions, resolveOptions } from './options';
import { Calibration, calibrate } from './calibration';
import { place } from './placement';
import { buildLayer } from './tables';
import { predictLayer } from './prediction';

export function planCandidate(model: QuantizedModel, cal: Calibration, name: string, o: Required<CompileOptions>): FheCircuit {
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
  const ctBytes = encodeCiphertext({
    lwe: new BigUint64Array(bigLweDimension(params) + 1),
    degree: 0,
    noiseLevel: 1,
    messageModulus: params.messageModulus,
    carryModulus: params.carryModulus,
  }).length;
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
    globalPErrorTarget: o.globalPError,
    roundingThresholdBits: o.roundingThresholdBits,
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

/** The error targets a compiled candidate misses, as reasons (empty: it meets every target given). */
export function missedTargets(r: CompileReport, o: Required<CompileOptions>): string[] {
  const out: string[] = [];
  if (o.pError !== null && r.predictedReadError > o.pError) out.push(`predicted read error ${r.predictedReadError.toExponential(2)} > target ${o.pError}`);
  if (o.globalPError !== null && r.predictedInferenceError > o.globalPError)
    out.push(`predicted P(any wrong read per inference) ${r.predictedInferenceError.toExponential(2)} > target ${o.globalPError}`);
  return out;
}

function describeTargets(o: Required<CompileOptions>): string {
  return [o.pError !== null ? `pError ${o.pError}` : '', o.globalPError !== null ? `globalPError ${o.globalPError}` : ''].filter(Boolean).join(', ');
}

/**
 * Compile a quantized model for encrypted inference, calibrated on `inputset` (float
 * inputs, [count × features] row-major, as the model's input quantizer expects them).
 */
export function compileCircuit(model: QuantizedModel, inputset: ArrayLike<number>, options: CompileOptions = {}): FheCircuit {
  checkQuantizedModel(model);
  return compileCalibrated(model, calibrate(model, inputset), options);
}

/**
 * compileCircuit with the calibration given: for models whose accumulator ranges are known
 * without running the dense clear model (e.g. trees, src/models/trees/hummingbird.ts, whose
 * windows are the exact ranges any input can reach).
 */
export function compileCalibrated(model: QuantizedModel, cal: Calibration, options: CompileOptions = {}): FheCircuit {
  const o = resolveOptions(model, options);
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
      entry.predictedInferenceError = circuit.report.predictedInferenceError;
      // A set whose first layer needs so large a plaintext modulus that tfhe would misdecrypt
      // the output digits is no choice, however good its reads (a named set is kept: its
      // report states the error).
      const decryptOk = circuit.report.outputDecryptError <= o.decryptErrorBound;
      const missed = missedTargets(circuit.report, o);
      if (o.parameterSet || (decryptOk && missed.length === 0)) {
        chosen = circuit;
        break;
      }
      entry.reason = !decryptOk
        ? `output digits misdecrypt with probability ${circuit.report.outputDecryptError.toExponential(2)} > bound ${o.decryptErrorBound}`
        : missed.join(', ');
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      entry.reason = e.message;
      lastError = e;
    }
  }
  if (!chosen) {
    const fitting = candidates.filter((c) => c.fits);
    if (fitting.length === 0 && lastError) throw lastError;
    const best = (k: 'predictedReadError' | 'predictedInferenceError'): string => Math.min(...fitting.map((c) => c[k] ?? 1)).toExponential(2);
    throw new CompileError(
      undefined,
      `no parameter set meets the error target (${describeTargets(o)}; best predicted: ${best('predictedReadError')} per read, ${best('predictedInferenceError')} per inference) with reliably decryptable outputs; raise the target, prune, or name a set. Tried: ${candidates.map((c) => `${c.parameterSet}: ${c.reason}`).join('; ')}`,
    );
  }
  chosen.report.candidates = candidates;
  return chosen;
}
