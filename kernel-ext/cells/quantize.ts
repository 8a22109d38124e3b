/**
 * `lab.quantize(net, calibration, opts)`: post-training quantization of an MLP in one
 * cell — per-neuron weights, activations calibrated on the given inputs — shown as a table
 * of each layer's quantizers and accumulator widths; returns the integer model (the FHE
 * compiler's input).
 */
import { Mlp } from '../../src/nn/mlp';
import { accumulatorReport } from '../../src/prune/accumulator-report';
import { FloatDense, PtqOptions, floatLayers, quantizeLayers } from '../../src/quant/ptq';

export { floatLayers };
import { QuantizedModel } from '../../src/quant/quantized-model';
import { table } from '../tables';

export interface QuantizeCellOptions extends PtqOptions {
  /** Save the table under figures/ with this name. */
  save?: string;
  /** Show the table. Default true. */
  show?: boolean;
}

/** The per-layer table of a quantized model, over `calibration` ([count × inputs]). */
export function showQuantizedModel(model: QuantizedModel, calibration: Float32Array, count: number, save?: string): void {
  const acc = accumulatorReport(model, calibration, count);
  table(
    model.layers.map((l, k) => ({
      layer: k,
      shape: `${l.inputs} → ${l.outputs}`,
      activation: l.activation,
      'output bits': Math.log2(l.output.qmax - l.output.qmin + 1),
      'output scale': Number(l.output.scale.toPrecision(4)),
      sparsity: Number(acc[k].sparsity.toFixed(3)),
      'max fan-in': acc[k].maxFanIn,
      'accumulator bits (calibrated)': acc[k].calibratedBits,
      'accumulator bits (worst case)': acc[k].worstCaseBits,
    })),
    { save },
  );
}

export function quantize(net: Mlp | FloatDense[], calibration: Float32Array, opts: QuantizeCellOptions): QuantizedModel {
  const layers = Array.isArray(net) ? net : floatLayers(net);
  const count = calibration.length / layers[0].inputs;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`calibration must be [count × ${layers[0].inputs}] values, got ${calibration.length}`);
  const model = quantizeLayers(layers, calibration, count, opts);
  if (opts.show ?? true) showQuantizedModel(model, calibration, count, opts.save);
  return model;
}
