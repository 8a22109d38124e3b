/**
 * The compile report (DESIGN "FHE design" item 7, the part known before running): PBS
 * count, accumulator bit-widths, table resolution, predicted error probabilities, key and
 * ciphertext sizes, and why each candidate parameter set was taken or not.
 */
import { QuantizedModel } from '../../../quant/quantized-model';
import { QuantParams } from '../../../quant/quantizer';
import { signedBits, worstCaseAccumulator } from '../../../prune/accumulator';
import { Calibration } from './calibration';
import { LayerPlan } from './placement';

export interface LayerReport {
  layer: number;
  inputs: number;
  neurons: number;
  pbs: number;
  activation: string;
  /** The model layer's role when it has one (e.g. 'max-pool 1/3': quant/pooling.ts). */
  role?: string;
  /** Signed bits of the accumulators the input set produced, and of the worst case over the input range. */
  accumulatorBits: number;
  accumulatorBitsWorstCase: number;
  /** Calibrated accumulator range over all neurons (before the margin). */
  accumulatorRange: [number, number];
  /** Widest neuron window (values, margin included) the table must hold. */
  windowValues: number;
  /** Table positions per accumulator value, fewest over the neurons and median (≥ 1: every value read exactly without noise). */
  positionsPerValue: number;
  positionsPerValueMedian: number;
  /** log2 of the accumulator values the N positions distinguish. */
  tableResolutionBits: number;
  lossless: boolean;
  /** Read-noise standard deviation, worst neuron, in positions and in accumulator values. */
  readNoiseStd: number;
  readNoiseStdValues: number;
  /** Predicted probability that a read is off, mean over the input set and the layer's neurons. */
  predictedReadError: number;
  /** Low bits of the accumulators rounded off before the lookup (roundingThresholdBits; 0: none). */
  roundingShift: number;
}

export interface CandidateReport {
  parameterSet: string;
  polynomialSize: number;
  /** Relative cost of one PBS (ordering only). */
  cost: number;
  fits: boolean;
  reason?: string;
  predictedReadError?: number;
  predictedInferenceError?: number;
}

export interface CompileReport {
  parameterSet: string;
  parameters: string;
  carryModulus: number;
  plaintextModulus: number;
  polynomialSize: number;
  pbsCount: number;
  /** Accumulator reads (PBS that read distinct accumulators; output digits share one read). */
  reads: number;
  inputDigits: number;
  outputDigits: number;
  layers: LayerReport[];
  /** Mean over all reads and the input set. */
  predictedReadError: number;
  /** Expected number of wrong reads per inference. */
  predictedErrorsPerInference: number;
  /** Probability that an inference has at least one wrong read (mean over the input set). */
  predictedInferenceError: number;
  /** Probability that tfhe decrypts an output digit wrongly (PBS output noise vs Δ/2). */
  outputDecryptError: number;
  keys: {
    bootstrapKeyBytes: number;
    keyswitchKeyBytes: number;
    evaluationKeyBytes: number;
    ciphertextBytes: number;
    uploadBytesPerSample: number;
    downloadBytesPerSample: number;
  };
  inputsetSize: number;
  margin: number;
  /** The targets the set was chosen for (null: not given); compile.ts missedTargets. */
  pErrorTarget: number | null;
  globalPErrorTarget: number | null;
  /** Accumulators rounded to this many top bits before each lookup (null: no rounding). */
  roundingThresholdBits: number | null;
  candidates: CandidateReport[];
}

function pct(x: number): string {
  return x === 0 ? '0' : x < 1e-4 ? x.toExponential(1) : `${(100 * x).toPrecision(3)} %`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The report as text (CLI, logs). */
export function formatCompileReport(r: CompileReport): string {
  const lines = [
    `parameter set ${r.parameterSet} (${r.parameters}), plaintext modulus ${r.plaintextModulus}`,
    `${r.pbsCount} PBS (${r.reads} accumulator reads); input ${r.inputDigits} digit(s)/feature, output ${r.outputDigits} digit(s)/feature`,
    ...r.layers.map(
      (l) =>
        `  layer ${l.layer}: ${l.inputs}→${l.neurons} ${l.activation}${l.role ? ` (${l.role})` : ''}, ${l.pbs} PBS, accumulator ${l.accumulatorBits} bits (worst case ${l.accumulatorBitsWorstCase}), ` +
        `range [${l.accumulatorRange[0]}, ${l.accumulatorRange[1]}], window ${l.windowValues} values at ${l.positionsPerValue.toPrecision(3)} positions/value (median ${l.positionsPerValueMedian.toPrecision(3)}) ` +
        `(${l.tableResolutionBits.toFixed(1)}-bit table${l.lossless ? '' : ', ROUNDED'}), read noise σ ${l.readNoiseStd.toFixed(2)} positions = ${l.readNoiseStdValues.toFixed(2)} values, ` +
        `predicted read error ${pct(l.predictedReadError)}${l.roundingShift ? `, rounded: ${l.roundingShift} low bits off` : ''}`,
    ),
    `predicted: ${pct(r.predictedReadError)} per read, ${r.predictedErrorsPerInference.toFixed(2)} wrong reads per inference, ` +
      `P(any wrong read) ${pct(r.predictedInferenceError)}, output decryption error ${pct(r.outputDecryptError)}` +
      ` (targets: ${r.pErrorTarget ?? '-'} per read, ${r.globalPErrorTarget ?? '-'} per inference)`,
    `keys: bootstrapping ${mb(r.keys.bootstrapKeyBytes)} + key switching ${mb(r.keys.keyswitchKeyBytes)}; ` +
      `ciphertext ${(r.keys.ciphertextBytes / 1024).toFixed(1)} KiB, ${mb(r.keys.uploadBytesPerSample)} up / ${mb(r.keys.downloadBytesPerSample)} down per sample`,
  ];
  return lines.join('\n');
}

/** The report of one compiled layer: accumulator widths, window, table resolution, read noise and predicted error. */
export function layerReport(
  model: QuantizedModel,
  cal: Calibration,
  l: number,
  plan: LayerPlan,
  pbs: number,
  n: number,
  inQ: QuantParams,
  predictedReadError: number,
): LayerReport {
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
    ...(ml.role ? { role: ml.role } : {}),
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
    roundingShift: plan.shift,
  };
}
