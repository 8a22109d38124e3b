/**
 * Step 1, calibrate: run the clear integer model on the input set; each neuron's accumulator
 * range is the window its table must hold (widened by the margin at placement).
 */
import { QuantizedModel } from '../../../quant/quantized-model';
import { quantizeInputs, runQuantized } from '../../../quant/quantized-eval';
import { QuantParams } from '../../../quant/quantizer';
import { CompileError } from './options';

export interface Calibration {
  count: number;
  /** Per layer: accumulators [count × neurons]. */
  accs: Int32Array[];
  /** Per layer and neuron: calibrated range. */
  lo: Int32Array[];
  hi: Int32Array[];
}

export function levels(q: QuantParams): number {
  return q.qmax - q.qmin + 1;
}

export function digitsFor(levelCount: number, base: number): number {
  let d = 1;
  while (base ** d < levelCount) d++;
  return d;
}

export function calibrate(model: QuantizedModel, inputset: ArrayLike<number>): Calibration {
  const width = model.layers[0].inputs;
  if (inputset.length === 0 || inputset.length % width)
    throw new CompileError(undefined, `the input set must be a non-empty [count × ${width}] array, got ${inputset.length} values`);
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
