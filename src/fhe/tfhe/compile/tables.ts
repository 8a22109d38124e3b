/**
 * Step 3, tabulate: each neuron's fused function (bias, activation, requantization) at all N
 * positions of the test polynomial, and the layer's weights and biases on the ciphertexts.
 */
import { QuantizedModel } from '../../../quant/quantized-model';
import { neuronFunction, roundAccumulator } from '../../../quant/quantized-eval';
import { QuantParams } from '../../../quant/quantizer';
import { CircuitLayer } from './circuit';
import { MASK64, positionUnit } from './positions';
import { CompileError } from './options';
import { Placement, rowSums } from './placement';
import { offsetTorus, roundedValueAt } from './rounding';

/** One circuit layer: weights on the input ciphertexts, biases that place each window, tables. */
export function buildLayer(model: QuantizedModel, l: number, pl: Placement, inQ: QuantParams): { layer: CircuitLayer; neuronTables: Int32Array[][] } {
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
  const bias = Array.from(
    plan.centre,
    (c, j) =>
      (BigInt(c) * unit +
        offsetTorus(plan.offset[j], plan.u[j], plan.shift, unit) +
        (l === 0 ? BigInt(plan.factor[j]) * inputScale * BigInt(inQ.qmin * rows.sum[j]) : 0n)) &
      MASK64,
  );
  const pbsNeuron: number[] = [];
  const tables: Int32Array[] = [];
  const neuronTables: Int32Array[][] = [];
  for (let j = 0; j < ml.outputs; j++) {
    const f = neuronFunction(ml, j, inQ);
    const values = new Int32Array(n);
    const c = plan.centre[j];
    const u = plan.u[j];
    const s = plan.shift;
    if (s === 0) for (let t = 0; t < n; t++) values[t] = f(Math.floor((t - c) / u + 0.5));
    else if (l === 0)
      for (let t = 0; t < n; t++) values[t] = f(roundAccumulator(Math.floor((t - c) / u + 0.5), s)); // u ≥ 1: one value per position
    else for (let t = 0; t < n; t++) values[t] = f(roundedValueAt(t, c, Math.round(u * 2 ** s), s));
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
