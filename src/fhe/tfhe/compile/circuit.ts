/**
 * The integer circuit: what the compiler makes from a quantized model, what simulation
 * runs in the clear and what the server runs on ciphertexts. Per layer:
 *
 *   acc_o = Σ_i W[o,i]·m_i          m_i the input ciphertexts' messages (integers)
 *   phase_o = scale_in·acc_o + bias_o   (torus, mod 2^64: the linear combination)
 *   PBS p reads position t of phase_{neuron(p)} and writes table_p(t)·scale_out
 *
 * The first layer's inputs are the model input's integers minus qmin, in base-`message`
 * digits, each a tfhe encryption (scale Δ); the last layer's PBS write the output levels
 * minus qmin, in digits, at tfhe's Δ, so the client decrypts them with tfhe.
 *
 * The JSON form keeps bigints as decimal strings and tables as runs (positions.ts); the
 * client's part (ClientSpec) has no weights or tables.
 */
import { createHash } from 'node:crypto';
import { QuantParams } from '../../../quant/quantizer';
import { ShortintParameterSet, describeParameters } from '../shortint/parameters';
import { shortintParametersFromJson } from '../shortint/evaluation_keys';
import { RunLengthTable, decodeRuns, encodeRuns, MASK64 } from './positions';
import { CompileReport } from './report';

/** How the client turns floats into encrypted digits, or decrypted digits into floats. */
export interface DigitCodec {
  /** Features per sample. */
  features: number;
  /** Ciphertexts per feature: levels − qmin written in base message modulus, least significant first. */
  digits: number;
  quant: QuantParams;
}

export interface CircuitLayer {
  /** Input ciphertexts (per sample). */
  inputs: number;
  /** Accumulators (neurons). */
  neurons: number;
  /** Integer weights on the input ciphertexts, [neurons × inputs] row-major. */
  weights: Int32Array;
  /** Torus bias of each accumulator. */
  bias: bigint[];
  /** Torus value of one unit of the input messages. */
  inputScale: bigint;
  /** The accumulator each PBS reads (one PBS per neuron; `digits` per neuron in the last layer). */
  pbsNeuron: Int32Array;
  /** Each PBS's table: levels at all N positions. */
  tables: Int32Array[];
  /** Torus value of one output level: the next layer's inputScale, or tfhe's Δ. */
  outputScale: bigint;
}

export interface FheCircuit {
  format: 'privlab.fhe-circuit';
  version: 1;
  /** Short name for servers and files. */
  name: string;
  /** tfhe's name of the parameter set, and the carry modulus the compiler set. */
  parameterSet: string;
  carryModulus: number;
  params: ShortintParameterSet;
  input: DigitCodec;
  output: DigitCodec;
  layers: CircuitLayer[];
  report: CompileReport;
}

/** The client's part of a circuit: how to make keys, encode inputs, decode outputs. */
export interface ClientSpec {
  format: 'privlab.fhe-client-spec';
  version: 1;
  name: string;
  /** Identifies the circuit this spec belongs to (hash of the circuit). */
  circuitId: string;
  parameterSet: string;
  carryModulus: number;
  params: ShortintParameterSet;
  input: DigitCodec;
  output: DigitCodec;
}

/**
 * Bound on the decoded lookup tables (N int32 levels per PBS): the run-length JSON of a
 * table can be a few bytes, so a small file could otherwise ask for gigabytes. The MNIST
 * generator (about 3,300 PBS at N = 2048) needs 27 MB.
 */
export const MAX_TABLE_BYTES = 256 * 1024 * 1024;
/** Layers a circuit may have. */
export const MAX_CIRCUIT_LAYERS = 256;

export class CircuitFormatError extends Error {
  constructor(message: string) {
    super(`invalid FHE circuit: ${message}`);
    this.name = 'CircuitFormatError';
  }
}

export function pbsCount(c: FheCircuit): number {
  return c.layers.reduce((s, l) => s + l.tables.length, 0);
}

/** Ciphertexts per sample going in and out. */
export function inputCiphertexts(c: { input: DigitCodec }): number {
  return c.input.features * c.input.digits;
}

export function outputCiphertexts(c: { output: DigitCodec }): number {
  return c.output.features * c.output.digits;
}

interface LayerJson {
  inputs: number;
  neurons: number;
  weights: number[];
  bias: string[];
  inputScale: string;
  pbsNeuron: number[];
  tables: RunLengthTable[];
  outputScale: string;
}

export function circuitToJson(c: FheCircuit): string {
  const layers: LayerJson[] = c.layers.map((l) => ({
    inputs: l.inputs,
    neurons: l.neurons,
    weights: Array.from(l.weights),
    bias: l.bias.map(String),
    inputScale: String(l.inputScale),
    pbsNeuron: Array.from(l.pbsNeuron),
    tables: l.tables.map(encodeRuns),
    outputScale: String(l.outputScale),
  }));
  return JSON.stringify({ ...c, layers });
}

/** Content hash of a circuit: what a client spec and a server's keys refer to. */
export function circuitId(c: FheCircuit): string {
  return createHash('sha256').update(circuitToJson(c)).digest('hex').slice(0, 16);
}

export function clientSpec(c: FheCircuit): ClientSpec {
  return {
    format: 'privlab.fhe-client-spec',
    version: 1,
    name: c.name,
    circuitId: circuitId(c),
    parameterSet: c.parameterSet,
    carryModulus: c.carryModulus,
    params: c.params,
    input: c.input,
    output: c.output,
  };
}

function torus(v: unknown, where: string): bigint {
  if (typeof v !== 'string' || !/^\d{1,20}$/.test(v)) throw new CircuitFormatError(`${where} must be a decimal torus value`);
  const b = BigInt(v);
  if (b > MASK64) throw new CircuitFormatError(`${where} exceeds 2^64`);
  return b;
}

function positiveInt(v: unknown, where: string, max = 1 << 24): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    throw new CircuitFormatError(`${where} must be an integer in [1, ${max}], got ${String(v)}`);
  return v;
}

function checkCodec(v: unknown, where: string): DigitCodec {
  const o = v as DigitCodec | null;
  if (!o || typeof o !== 'object') throw new CircuitFormatError(`${where} missing`);
  positiveInt(o.features, `${where}.features`);
  positiveInt(o.digits, `${where}.digits`, 64);
  const q = o.quant;
  if (!q || ![q.scale, q.zeroPoint, q.qmin, q.qmax, q.bits].every((x) => typeof x === 'number' && Number.isFinite(x)) || !(q.scale > 0) || !(q.qmin < q.qmax)) {
    throw new CircuitFormatError(`${where}.quant is not a quantizer`);
  }
  return { features: o.features, digits: o.digits, quant: { ...q } };
}

function checkParams(v: unknown): ShortintParameterSet {
  try {
    return shortintParametersFromJson(v);
  } catch (e) {
    throw new CircuitFormatError(`parameters: ${(e as Error).message}`);
  }
}

/** Parse and check a client spec (untrusted JSON: what a server sends a client). */
export function parseClientSpec(text: string): ClientSpec {
  let o: ClientSpec;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new CircuitFormatError(`client spec is not JSON: ${(e as Error).message}`);
  }
  if (!o || o.format !== 'privlab.fhe-client-spec' || o.version !== 1) throw new CircuitFormatError('not a privlab FHE client spec (format/version)');
  if (typeof o.name !== 'string' || typeof o.circuitId !== 'string' || typeof o.parameterSet !== 'string')
    throw new CircuitFormatError('client spec: name, circuitId and parameterSet must be strings');
  const params = checkParams(o.params);
  if (o.carryModulus !== params.carryModulus) throw new CircuitFormatError('client spec: carry modulus disagrees with the parameters');
  return { ...o, params, input: checkCodec(o.input, 'input'), output: checkCodec(o.output, 'output') };
}

/** Parse and check a circuit file; every size is cross-checked so a server can trust the shapes. */
export function parseCircuit(text: string): FheCircuit {
  let o: Omit<FheCircuit, 'layers'> & { layers: LayerJson[] };
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new CircuitFormatError(`not JSON: ${(e as Error).message}`);
  }
  if (!o || o.format !== 'privlab.fhe-circuit') throw new CircuitFormatError('format must be "privlab.fhe-circuit"');
  if (o.version !== 1) throw new CircuitFormatError(`unsupported version ${String(o.version)}`);
  if (typeof o.name !== 'string' || !/^[\w.-]{1,64}$/.test(o.name)) throw new CircuitFormatError('name must be 1-64 characters of [A-Za-z0-9_.-]');
  if (typeof o.parameterSet !== 'string') throw new CircuitFormatError('parameterSet missing');
  const params = checkParams(o.params);
  if (o.carryModulus !== params.carryModulus) throw new CircuitFormatError('carry modulus disagrees with the parameters');
  const input = checkCodec(o.input, 'input');
  const output = checkCodec(o.output, 'output');
  if (!Array.isArray(o.layers) || o.layers.length === 0) throw new CircuitFormatError('at least one layer is needed');
  if (o.layers.length > MAX_CIRCUIT_LAYERS) throw new CircuitFormatError(`${o.layers.length} layers, more than ${MAX_CIRCUIT_LAYERS}`);
  const n = params.polynomialSize;
  // Count the tables' decoded size before decoding any.
  const tables = o.layers.reduce((t, l) => t + (Array.isArray(l?.tables) ? l.tables.length : 0), 0);
  if (tables * n * 4 > MAX_TABLE_BYTES) {
    throw new CircuitFormatError(`${tables} lookup tables of ${n} levels need ${tables * n * 4} bytes, more than the limit of ${MAX_TABLE_BYTES}`);
  }
  let width = input.features * input.digits;
  const layers = o.layers.map((l, k): CircuitLayer => {
    const where = `layer ${k}`;
    if (!l || typeof l !== 'object') throw new CircuitFormatError(`${where} is not an object`);
    const inputs = positiveInt(l.inputs, `${where}.inputs`);
    const neurons = positiveInt(l.neurons, `${where}.neurons`);
    if (inputs !== width) throw new CircuitFormatError(`${where} takes ${inputs} ciphertexts, the previous stage gives ${width}`);
    if (!Array.isArray(l.weights) || l.weights.length !== inputs * neurons || !l.weights.every((w) => Number.isInteger(w) && Math.abs(w) < 2 ** 31)) {
      throw new CircuitFormatError(`${where} needs ${inputs * neurons} 32-bit integer weights`);
    }
    if (!Array.isArray(l.bias) || l.bias.length !== neurons) throw new CircuitFormatError(`${where} needs ${neurons} biases`);
    if (!Array.isArray(l.pbsNeuron) || !Array.isArray(l.tables) || l.pbsNeuron.length !== l.tables.length || l.tables.length === 0) {
      throw new CircuitFormatError(`${where}: one table per PBS is needed`);
    }
    l.pbsNeuron.forEach((j, p) => {
      if (!Number.isInteger(j) || j < 0 || j >= neurons) throw new CircuitFormatError(`${where}: PBS ${p} reads neuron ${j} of ${neurons}`);
    });
    width = l.tables.length;
    return {
      inputs,
      neurons,
      weights: Int32Array.from(l.weights),
      bias: l.bias.map((b, j) => torus(b, `${where}.bias[${j}]`)),
      inputScale: torus(l.inputScale, `${where}.inputScale`),
      pbsNeuron: Int32Array.from(l.pbsNeuron),
      tables: l.tables.map((t, p) => {
        try {
          return decodeRuns(t, n, `${where} table ${p}`);
        } catch (e) {
          throw new CircuitFormatError((e as Error).message);
        }
      }),
      outputScale: torus(l.outputScale, `${where}.outputScale`),
    };
  });
  if (width !== output.features * output.digits)
    throw new CircuitFormatError(`the last layer gives ${width} ciphertexts, the output needs ${output.features * output.digits}`);
  return { ...o, params, input, output, layers, report: o.report };
}

export function describeCircuit(c: FheCircuit): string {
  return `${c.name}: ${c.layers.length} layers, ${pbsCount(c)} PBS, ${c.parameterSet} (${describeParameters(c.params)})`;
}
