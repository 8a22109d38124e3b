/**
 * The exported quantized model: the input of the FHE compiler (src/fhe/compile) and of
 * the clear integer evaluator. A chain of dense layers, each computing, per neuron o,
 *
 *   acc_o  = Σ_i W[o,i] · x_i                        (integers: the accumulator)
 *   pre_o  = s_w[o] · s_in · (acc_o − zp_in · Σ_i W[o,i]) + b_o
 *   x'_o   = quantize(act(pre_o), output)             (the next layer's integer input)
 *
 * where x are the layer's integer inputs with quantizer (s_in, zp_in) — the model
 * input's quantizer for the first layer, the previous layer's `output` after that.
 * Weights are symmetric (zero point 0) with one scale per output neuron. Everything
 * after the accumulator is univariate per neuron, so FHE evaluates it as one table
 * lookup.
 */
import * as fs from 'node:fs';
import { DataFileError } from '../data/errors';
import { writeFileAtomic } from '../util/files';
import { ACTIVATION_NAMES, ActivationName } from './activations';
import { QuantParams } from './quantizer';

export interface QuantizedDense {
  kind: 'dense';
  inputs: number;
  outputs: number;
  /** Integer weights, [outputs × inputs] row-major. */
  weights: number[];
  /** Bit-width of the weights (signed). */
  weightBits: number;
  /** One scale per output neuron. */
  weightScales: number[];
  /** Real-valued bias per output neuron (folded into the table). */
  bias: number[];
  activation: ActivationName;
  /** leakyrelu's negative slope. */
  alpha?: number;
  /** Quantizer of this layer's output (the next layer's input). */
  output: QuantParams;
  /** What the layer is for when not a model layer of its own (e.g. 'max-pool 1/3', pooling.ts); the compile report shows it. */
  role?: string;
}

export interface QuantizedModel {
  format: 'privlab.quantized-model';
  version: 1;
  /** Quantizer of the model input. */
  input: QuantParams;
  layers: QuantizedDense[];
  /** Free-form provenance: how it was trained/quantized, bit-widths, pruning. */
  meta?: Record<string, unknown>;
}

function fail(where: string, problem: string): never {
  throw new RangeError(`quantized model: ${where}: ${problem}`);
}

function checkParams(p: QuantParams, where: string): void {
  if (!p || typeof p !== 'object') fail(where, 'missing quantizer');
  for (const k of ['scale', 'zeroPoint', 'qmin', 'qmax', 'bits'] as const)
    if (typeof p[k] !== 'number' || !Number.isFinite(p[k])) fail(where, `quantizer field ${k} must be a finite number`);
  if (!(p.scale > 0)) fail(where, `scale must be positive, got ${p.scale}`);
  if (!Number.isInteger(p.qmin) || !Number.isInteger(p.qmax) || p.qmin >= p.qmax) fail(where, `bad integer range [${p.qmin}, ${p.qmax}]`);
  if (p.qmax - p.qmin > 2 ** p.bits - 1) fail(where, `range [${p.qmin}, ${p.qmax}] does not fit ${p.bits} bits`);
  if (!Number.isInteger(p.zeroPoint) || p.zeroPoint < p.qmin || p.zeroPoint > p.qmax) fail(where, `zero point ${p.zeroPoint} outside [${p.qmin}, ${p.qmax}]`);
}

/** Check a model's structure and numbers; returns it typed. Errors say which layer and field. */
export function checkQuantizedModel(m: unknown): QuantizedModel {
  const model = m as QuantizedModel;
  if (!model || model.format !== 'privlab.quantized-model') fail('header', 'format must be "privlab.quantized-model"');
  if (model.version !== 1) fail('header', `unsupported version ${String(model.version)}`);
  checkParams(model.input, 'input');
  if (!Array.isArray(model.layers) || model.layers.length === 0) fail('layers', 'at least one layer is needed');
  let width = -1;
  model.layers.forEach((l, k) => {
    const where = `layer ${k}`;
    if (l.kind !== 'dense') fail(where, `unsupported kind ${String(l.kind)}`);
    if (!Number.isInteger(l.inputs) || !Number.isInteger(l.outputs) || l.inputs < 1 || l.outputs < 1)
      fail(where, 'inputs and outputs must be positive integers');
    if (width >= 0 && l.inputs !== width) fail(where, `has ${l.inputs} inputs but the previous layer has ${width} outputs`);
    width = l.outputs;
    if (!Array.isArray(l.weights) || l.weights.length !== l.inputs * l.outputs) fail(where, `needs ${l.inputs * l.outputs} weights, has ${l.weights?.length}`);
    const wmax = 2 ** (l.weightBits - 1) - 1;
    if (!Number.isInteger(l.weightBits) || l.weightBits < 2 || l.weightBits > 8) fail(where, `weight bit-width must be 2..8, got ${l.weightBits}`);
    l.weights.forEach((w, i) => {
      if (!Number.isInteger(w) || w < -wmax - 1 || w > wmax) fail(where, `weight ${i} = ${w} is not a ${l.weightBits}-bit signed integer`);
    });
    if (!Array.isArray(l.weightScales) || l.weightScales.length !== l.outputs || !l.weightScales.every((s) => s > 0 && Number.isFinite(s)))
      fail(where, `needs ${l.outputs} positive weight scales`);
    if (!Array.isArray(l.bias) || l.bias.length !== l.outputs || !l.bias.every(Number.isFinite)) fail(where, `needs ${l.outputs} finite biases`);
    if (!ACTIVATION_NAMES.includes(l.activation)) fail(where, `unknown activation ${String(l.activation)}`);
    checkParams(l.output, `${where} output`);
  });
  return model;
}

export function saveQuantizedModel(file: string, model: QuantizedModel): void {
  checkQuantizedModel(model);
  writeFileAtomic(file, `${JSON.stringify(model)}\n`);
}

export function loadQuantizedModel(file: string): QuantizedModel {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(file, code === 'ENOENT' ? 'file not found' : `not valid JSON (${(err as Error).message})`);
  }
  try {
    return checkQuantizedModel(json);
  } catch (err) {
    throw new DataFileError(file, (err as Error).message);
  }
}
