/**
 * Per-layer accumulator report of a quantized model: worst-case bit-width (any input
 * in the quantizer's range) and calibrated bit-width (over an input set), with the
 * active fan-in that pruning caps. The FHE compiler needs these to fit each layer
 * into a TFHE parameter set.
 */
import { QuantizedModel } from '../quant/quantized-model';
import { quantizeInputs, runQuantized } from '../quant/quantized-eval';
import { maxFanIn, signedBits, worstCaseAccumulator } from './accumulator';

export interface LayerAccumulatorReport {
  layer: number;
  inputs: number;
  outputs: number;
  /** Largest number of non-zero weights of any neuron. */
  maxFanIn: number;
  /** Fraction of zero weights. */
  sparsity: number;
  worstCaseBits: number;
  calibratedBits: number;
  calibratedMin: number;
  calibratedMax: number;
}

export function accumulatorReport(model: QuantizedModel, calibration: Float32Array, count: number): LayerAccumulatorReport[] {
  const run = runQuantized(model, quantizeInputs(model, calibration), count);
  let inQ = model.input;
  return model.layers.map((l, k) => {
    const worst = worstCaseAccumulator({ weights: l.weights, outputs: l.outputs, inputs: l.inputs }, inQ.qmin, inQ.qmax);
    // The observed accumulators (runQuantized records them) give the calibrated range.
    const acc = run.accumulators[k];
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < acc.length; i++) {
      if (acc[i] < lo) lo = acc[i];
      if (acc[i] > hi) hi = acc[i];
    }
    inQ = l.output;
    const zeros = l.weights.reduce((z, w) => z + (w === 0 ? 1 : 0), 0);
    return {
      layer: k,
      inputs: l.inputs,
      outputs: l.outputs,
      maxFanIn: maxFanIn({ weights: l.weights, outputs: l.outputs, inputs: l.inputs }),
      sparsity: zeros / l.weights.length,
      worstCaseBits: worst.bits,
      calibratedBits: signedBits(Math.min(lo, 0), Math.max(hi, 0)),
      calibratedMin: lo,
      calibratedMax: hi,
    };
  });
}
