/**
 * Post-training quantization of a linear model onto the integer model the FHE compiler
 * reads (src/quant/quantized-model.ts): one dense layer, one table lookup per output.
 *
 * - Inputs: one affine unsigned quantizer per feature, calibrated (min/max) on the
 *   calibration rows. The client applies it in the clear before encrypting, so the
 *   circuit's own input quantizer is the identity on the levels 0 … 2^bits − 1; a
 *   per-feature scale s_j is folded into the weights instead (w_j·s_j), which keeps
 *   features of very different ranges (Spambase's percentages and run lengths) at full
 *   resolution each.
 * - Weights: symmetric, one scale per output, `weightBits` signed bits (narrow range).
 * - Zero points go into the bias: Σ w_j·s_j·(q_j − z_j) + b = scale·Σ W_j·q_j + (b − scale·Σ W_j·z_j).
 * - The lookup at the end: 'linear' requantizes the decision value (regression, multi-class
 *   scores), 'sigmoid' gives a probability on `outputBits`, and 'sign' the class of a binary
 *   model on one bit (sigmoid rounded to {0, 1}: 1 exactly when the decision value is ≥ 0).
 *
 * The accumulator Σ W_j·q_j must fit the evaluator's table (N positions, one per value):
 * that, not the quantizers, bounds the bit-widths (see linear-model.ts, nBits 'auto').
 */
import { QuantizedModel } from '../quant/quantized-model';
import { QuantParams, checkSpec, paramsFromRange, quantize } from '../quant/quantizer';
import type { LinearSolution } from './solvers';

export type LinearHead = 'linear' | 'sigmoid' | 'sign';

export interface LinearQuantOptions {
  inputBits: number;
  weightBits: number;
  /** Bits of each output (ignored by 'sign', which has one). */
  outputBits: number;
  head: LinearHead;
  name?: string;
}

export interface QuantizedLinear {
  model: QuantizedModel;
  /** The client's per-feature quantizers. */
  inputQuant: QuantParams[];
}

/** Each row's levels under the per-feature quantizers (what the client encrypts), flat [rows × features]. */
export function quantizeRows(x: number[][], inputQuant: QuantParams[]): Float64Array {
  const f = inputQuant.length;
  const out = new Float64Array(x.length * f);
  x.forEach((r, i) => {
    for (let j = 0; j < f; j++) out[i * f + j] = quantize(r[j], inputQuant[j]);
  });
  return out;
}

export function quantizeLinear(sol: LinearSolution, xcal: number[][], o: LinearQuantOptions): QuantizedLinear {
  checkSpec({ bits: o.inputBits, signed: false });
  checkSpec({ bits: o.weightBits, signed: true });
  if (o.head !== 'sign') checkSpec({ bits: o.outputBits, signed: false });
  const f = sol.coef[0].length;
  const outputs = sol.coef.length;
  const inputQuant = Array.from({ length: f }, (_, j) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of xcal) {
      lo = Math.min(lo, r[j]);
      hi = Math.max(hi, r[j]);
    }
    return paramsFromRange(lo, hi, { bits: o.inputBits, signed: false });
  });
  const wmax = 2 ** (o.weightBits - 1) - 1;
  const weights: number[] = [];
  const weightScales: number[] = [];
  const bias: number[] = [];
  for (let k = 0; k < outputs; k++) {
    const eff = sol.coef[k].map((w, j) => w * inputQuant[j].scale);
    const m = Math.max(...eff.map(Math.abs));
    const scale = m > 0 ? m / wmax : 1;
    const row = eff.map((w) => Math.max(-wmax, Math.min(wmax, Math.round(w / scale))));
    weights.push(...row);
    weightScales.push(scale);
    bias.push(sol.intercept[k] - scale * row.reduce((s, w, j) => s + w * inputQuant[j].zeroPoint, 0));
  }
  let output: QuantParams;
  if (o.head === 'sign') output = { scale: 1, zeroPoint: 0, qmin: 0, qmax: 1, bits: 1, signed: false };
  else if (o.head === 'sigmoid') output = paramsFromRange(0, 1, { bits: o.outputBits, signed: false });
  else {
    // the decision values the quantized layer gives on the calibration rows
    const levels = quantizeRows(xcal, inputQuant);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < xcal.length; i++) {
      for (let k = 0; k < outputs; k++) {
        let acc = 0;
        for (let j = 0; j < f; j++) acc += weights[k * f + j] * levels[i * f + j];
        const v = weightScales[k] * acc + bias[k];
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    output = paramsFromRange(lo, hi, { bits: o.outputBits, signed: false });
  }
  const model: QuantizedModel = {
    format: 'privlab.quantized-model',
    version: 1,
    input: { scale: 1, zeroPoint: 0, qmin: 0, qmax: 2 ** o.inputBits - 1, bits: o.inputBits, signed: false },
    layers: [
      {
        kind: 'dense',
        inputs: f,
        outputs,
        weights,
        weightBits: o.weightBits,
        weightScales,
        bias,
        activation: o.head === 'linear' ? 'linear' : 'sigmoid',
        output,
      },
    ],
    meta: { name: o.name ?? 'linear', inputBits: o.inputBits, weightBits: o.weightBits, head: o.head },
  };
  return { model, inputQuant };
}
