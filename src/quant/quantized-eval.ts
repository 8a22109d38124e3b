/**
 * The quantized model run in the clear, in integers: the reference that FHE
 * "simulate" and "execute" must reproduce (fhe: 'disable' in Concrete ML's terms).
 */
import { activationFn } from './activations';
import { QuantizedDense, QuantizedModel } from './quantized-model';
import { dequantize, quantize, QuantParams } from './quantizer';
import { rowDot, sparseRows } from '../util/sparse-rows';

/** The univariate function after one neuron's accumulator: acc ↦ next integer input. */
export function neuronFunction(layer: QuantizedDense, o: number, input: QuantParams): (acc: number) => number {
  let rowSum = 0;
  for (let i = 0; i < layer.inputs; i++) rowSum += layer.weights[o * layer.inputs + i];
  const act = activationFn(layer.activation, layer.alpha);
  const scale = layer.weightScales[o] * input.scale;
  const offset = input.zeroPoint * rowSum;
  const b = layer.bias[o];
  return (acc) => quantize(act(scale * (acc - offset) + b), layer.output);
}

/**
 * An accumulator rounded to its top bits: `shift` least significant bits removed, to the
 * nearest multiple of 2^shift, ties up (Concrete ML's rounding_threshold_bits; the FHE
 * compiler's modulus switch reads rounded accumulators this way, compile/placement.ts).
 */
export function roundAccumulator(acc: number, shift: number): number {
  if (shift === 0) return acc;
  const step = 2 ** shift;
  return step * Math.floor((acc + step / 2) / step);
}

export interface QuantizedRun {
  /** Integer outputs of the last layer, [count × outputs]. */
  outputs: Int32Array;
  /** Those outputs dequantized. */
  values: Float32Array;
  /** Every layer's accumulators, [count × outputs] each (for calibration and reports). */
  accumulators: Int32Array[];
}

/** Quantize float inputs [count × inputs] with the model's input quantizer. */
export function quantizeInputs(model: QuantizedModel, x: ArrayLike<number>): Int32Array {
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = quantize(x[i], model.input);
  return out;
}

/**
 * Run on integer inputs (already quantized with model.input). With `roundingShifts`, layer
 * l's accumulators are rounded (roundAccumulator) by roundingShifts[l] bits before its
 * neuron functions; the accumulators returned are the unrounded ones.
 */
export function runQuantized(model: QuantizedModel, xq: Int32Array, count: number, roundingShifts?: readonly number[]): QuantizedRun {
  if (xq.length !== count * model.layers[0].inputs)
    throw new RangeError(`${count} inputs of ${model.layers[0].inputs} need ${count * model.layers[0].inputs} values, got ${xq.length}`);
  let x = xq;
  let inQ = model.input;
  const accumulators: Int32Array[] = [];
  for (const [l, layer] of model.layers.entries()) {
    const shift = roundingShifts?.[l] ?? 0;
    const fns = Array.from({ length: layer.outputs }, (_, o) => neuronFunction(layer, o, inQ));
    const rows = sparseRows(layer.weights, layer.outputs, layer.inputs);
    const acc = new Int32Array(count * layer.outputs);
    const next = new Int32Array(count * layer.outputs);
    for (let s = 0; s < count; s++) {
      for (let o = 0; o < layer.outputs; o++) {
        const a = rowDot(rows, o, x, s * layer.inputs);
        acc[s * layer.outputs + o] = a;
        next[s * layer.outputs + o] = fns[o](roundAccumulator(a, shift));
      }
    }
    accumulators.push(acc);
    x = next;
    inQ = layer.output;
  }
  const values = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) values[i] = dequantize(x[i], inQ);
  return { outputs: x, values, accumulators };
}
