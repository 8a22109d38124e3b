/**
 * Post-training quantization of a chain of float dense layers: weights per output
 * neuron (symmetric, narrow range), activations calibrated on an input set. Each
 * layer's output range is observed on the *quantized* path (quantized inputs and
 * weights so far), so the ranges match what the integer circuit will see.
 */
import { activationFn, ActivationName } from './activations';
import { CalibrationMethod, makeObserver } from './calibration';
import { QuantizedDense, QuantizedModel } from './quantized-model';
import { quantizeInputs, runQuantized } from './quantized-eval';
import { dequantize, paramsFromRange, perChannelParams, quantize, QuantParams } from './quantizer';
import { rowDot, sparseRows } from '../util/sparse-rows';

/** A float dense layer as tfjs keeps it: kernel [inputs × outputs] row-major. */
export interface FloatDense {
  inputs: number;
  outputs: number;
  kernel: Float32Array;
  bias: Float32Array;
  activation: ActivationName;
  alpha?: number;
}

export interface PtqOptions {
  weightBits: number;
  activationBits: number;
  /** Bits of the model input (default: activationBits). */
  inputBits?: number;
  /** Fixed input range (e.g. pixels in [0, 1]); default: calibrated. */
  inputRange?: { min: number; max: number };
  /** Default min/max. */
  calibration?: CalibrationMethod;
  meta?: Record<string, unknown>;
}

/** The weight quantizers of a [inputs × outputs] kernel: symmetric, narrow range, one per output neuron (column). */
export function weightParams(kernel: ArrayLike<number>, inputs: number, outputs: number, bits: number): QuantParams[] {
  return perChannelParams(kernel, inputs, outputs, 1, { bits, signed: true, narrow: true, symmetric: true });
}

/** Quantize one layer's weights: integers [out × in] and a scale per output neuron. */
export function quantizeDenseWeights(l: FloatDense, bits: number): { weights: number[]; scales: number[] } {
  const params = weightParams(l.kernel, l.inputs, l.outputs, bits);
  const weights = new Array<number>(l.inputs * l.outputs);
  for (let o = 0; o < l.outputs; o++) for (let i = 0; i < l.inputs; i++) weights[o * l.inputs + i] = quantize(l.kernel[i * l.outputs + o], params[o]);
  return { weights, scales: params.map((p) => p.scale) };
}

/** What floatLayers reads of a model: dense layers as tfjs variables (src/nn's Mlp has them). */
export interface DenseVariables {
  layers: Array<{
    kernel: { rank: number; shape: number[]; dataSync(): ArrayLike<number> };
    bias: { dataSync(): ArrayLike<number> };
    activation: ActivationName;
  }>;
  config: { alpha: number };
}

/** A model's dense layers as the quantizer takes them (float weights, read once). */
export function floatLayers(model: DenseVariables): FloatDense[] {
  return model.layers.map((l, k) => {
    if (l.kernel.rank !== 2)
      throw new RangeError(`layer ${k} has a rank-${l.kernel.rank} kernel, not a dense one (export convolutions through src/quant/conv-as-dense)`);
    const [inputs, outputs] = l.kernel.shape as [number, number];
    return {
      inputs,
      outputs,
      kernel: l.kernel.dataSync() as Float32Array,
      bias: l.bias.dataSync() as Float32Array,
      activation: l.activation,
      alpha: model.config.alpha,
    };
  });
}

/**
 * The integer model of float dense layers whose output quantizers are already known
 * (after QAT): weights quantized per output neuron, layer k's output by `output(k)`.
 */
export function integerModel(
  layers: FloatDense[],
  input: QuantParams,
  weightBits: number,
  output: (k: number) => QuantParams,
  meta: Record<string, unknown>,
): QuantizedModel {
  return {
    format: 'privlab.quantized-model',
    version: 1,
    input,
    layers: layers.map((l, k) => {
      const { weights, scales } = quantizeDenseWeights(l, weightBits);
      return {
        kind: 'dense',
        inputs: l.inputs,
        outputs: l.outputs,
        weights,
        weightBits,
        weightScales: scales,
        bias: Array.from(l.bias),
        activation: l.activation,
        alpha: l.alpha,
        output: output(k),
      };
    }),
    meta,
  };
}

function observedParams(values: ArrayLike<number>, bits: number, method: CalibrationMethod): QuantParams {
  const obs = makeObserver(method);
  obs.observe(values);
  const { min, max } = obs.range();
  // Non-negative activations (ReLU, sigmoid) use an unsigned grid: one more bit of resolution.
  return paramsFromRange(min, max, { bits, signed: min < 0 });
}

export function quantizeLayers(layers: FloatDense[], calibration: Float32Array, count: number, opts: PtqOptions): QuantizedModel {
  if (layers.length === 0) throw new RangeError('nothing to quantize: no layers');
  if (calibration.length !== count * layers[0].inputs)
    throw new RangeError(`${count} calibration inputs of ${layers[0].inputs} need ${count * layers[0].inputs} values, got ${calibration.length}`);
  const method = opts.calibration ?? { kind: 'minmax' };
  const inputBits = opts.inputBits ?? opts.activationBits;
  const input = opts.inputRange
    ? paramsFromRange(opts.inputRange.min, opts.inputRange.max, { bits: inputBits, signed: opts.inputRange.min < 0 })
    : observedParams(calibration, inputBits, method);
  const model: QuantizedModel = {
    format: 'privlab.quantized-model',
    version: 1,
    input,
    layers: [],
    meta: { method: 'ptq', weightBits: opts.weightBits, activationBits: opts.activationBits, inputBits, calibration: method, ...opts.meta },
  };
  let xq = quantizeInputs(model, calibration);
  let inQ = input;
  for (const l of layers) {
    const { weights, scales } = quantizeDenseWeights(l, opts.weightBits);
    // Real activations of this layer on the quantized path, to calibrate its output.
    const act = activationFn(l.activation, l.alpha);
    const y = new Float32Array(count * l.outputs);
    const rows = sparseRows(weights, l.outputs, l.inputs);
    const x = Float64Array.from(xq, (v) => dequantize(v, inQ));
    for (let s = 0; s < count; s++) {
      for (let o = 0; o < l.outputs; o++) y[s * l.outputs + o] = act(scales[o] * rowDot(rows, o, x, s * l.inputs) + l.bias[o]);
    }
    const output = observedParams(y, opts.activationBits, method);
    const layer: QuantizedDense = {
      kind: 'dense',
      inputs: l.inputs,
      outputs: l.outputs,
      weights,
      weightBits: opts.weightBits,
      weightScales: scales,
      bias: Array.from(l.bias),
      activation: l.activation,
      alpha: l.alpha,
      output,
    };
    model.layers.push(layer);
    // Advance the quantized path through this one layer.
    const step: QuantizedModel = { ...model, input: inQ, layers: [layer] };
    xq = runQuantized(step, xq, count).outputs;
    inQ = output;
  }
  return model;
}

/** Float forward pass of the layers (the unquantized reference). */
export function runFloat(layers: FloatDense[], x: Float32Array, count: number): Float32Array {
  let cur = x;
  for (const l of layers) {
    const act = activationFn(l.activation, l.alpha);
    const next = new Float32Array(count * l.outputs);
    for (let s = 0; s < count; s++) {
      for (let o = 0; o < l.outputs; o++) {
        let a = l.bias[o];
        for (let i = 0; i < l.inputs; i++) a += cur[s * l.inputs + i] * l.kernel[i * l.outputs + o];
        next[s * l.outputs + o] = act(a);
      }
    }
    cur = next;
  }
  return cur;
}
