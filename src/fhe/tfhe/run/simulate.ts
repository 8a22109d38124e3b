/**
 * fhe: 'simulate' — the compiled integer circuit run in the clear, with the positions
 * and rounding the encrypted run uses (compile/positions.ts): each accumulator's phase
 * is computed exactly modulo 2^64 and read by the same modulus switch, through the same
 * tables, with the same digit decoding. Without noise it equals the clear integer model
 * wherever every accumulator stays in its window (always, for the calibration set).
 *
 * With `noise`, each read gets the noise model's Gaussian (compile/noise.ts) before the
 * rounding, so the simulated off-by-one rate predicts execute's. That noise is a
 * statistical model, not cryptographic noise, so it comes from a seeded generator for
 * reproducible runs.
 */
import { FheCircuit, CircuitLayer } from '../compile/circuit';
import { freshEncryptionVariance, pbsOutputVariance, readNoiseStd } from '../compile/noise';
import { levelAt, phaseOf, readPosition, realPosition } from '../compile/positions';
import { SeededRng } from '../../../util/rng';
import { rowDot, sparseRows } from '../../../util/sparse-rows';
import { decodeDigits, encodeDigits } from './codec';

export interface SimulateOptions {
  /** Add the noise model's read noise. Default false. */
  noise?: boolean;
  /** Seed of the simulated noise. Default 0. */
  seed?: number;
  /** Keep every layer's PBS outputs (levels) in the result. */
  keepLayers?: boolean;
}

export interface SimulationResult {
  /** Output levels, [count × output features]. */
  outputs: Int32Array;
  /** Each layer's PBS outputs [count × PBS] (with keepLayers). */
  layers?: Int32Array[];
  /** Reads whose noisy position gave another value than the noise-free one (with noise). */
  wrongReads: number;
  reads: number;
  /** Samples with at least one such read (with noise): the measured counterpart of the report's predictedInferenceError. */
  wrongSamples: number;
}

/** Continuous read-noise std (positions) of each neuron of each layer, from the circuit's own weights. */
export function circuitReadNoise(c: FheCircuit): Float64Array[] {
  const fresh = freshEncryptionVariance(c.params);
  const pbs = pbsOutputVariance(c.params);
  return c.layers.map((l, k) => {
    const out = new Float64Array(l.neurons);
    for (let j = 0; j < l.neurons; j++) {
      let sq = 0;
      for (let i = 0; i < l.inputs; i++) sq += l.weights[j * l.inputs + i] ** 2;
      out[j] = readNoiseStd(c.params, sq * (k === 0 ? fresh : pbs));
    }
    return out;
  });
}

class Gaussian {
  private spare: number | undefined;
  constructor(private readonly rng: SeededRng) {}
  next(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = (this.rng.nextUint32() + 0.5) / 4294967296;
    const v = this.rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function runLayer(
  l: CircuitLayer,
  n: number,
  m: Int32Array,
  count: number,
  sigma: Float64Array | undefined,
  gauss: Gaussian | undefined,
  tally: { wrong: number; reads: number; wrongAt: Uint8Array },
): Int32Array {
  const pbs = l.tables.length;
  const out = new Int32Array(count * pbs);
  const pos = new Int32Array(l.neurons);
  const n2 = 2 * n;
  const rows = sparseRows(l.weights, l.neurons, l.inputs);
  // PBS grouped by the accumulator they read: the digits of one output share one read.
  for (let s = 0; s < count; s++) {
    const base = s * l.inputs;
    for (let j = 0; j < l.neurons; j++) {
      const acc = rowDot(rows, j, m, base);
      const phase = phaseOf(acc, l.inputScale, l.bias[j]);
      let t = readPosition(phase, n);
      if (sigma && gauss) {
        const noisy = Math.floor(realPosition(phase, n) + sigma[j] * gauss.next() + 0.5);
        const tn = ((noisy % n2) + n2) % n2;
        tally.reads++;
        if (tn !== t) {
          // a read elsewhere only matters if some table of this neuron differs there
          for (let p = 0; p < pbs; p++) {
            if (l.pbsNeuron[p] === j && levelAt(l.tables[p], tn) !== levelAt(l.tables[p], t)) {
              tally.wrong++;
              tally.wrongAt[s] = 1;
              break;
            }
          }
        }
        t = tn;
      }
      pos[j] = t;
    }
    for (let p = 0; p < pbs; p++) out[s * pbs + p] = levelAt(l.tables[p], pos[l.pbsNeuron[p]]);
  }
  return out;
}

/** Run the circuit on model-input levels (quantized with circuit.input.quant), [count × features]. */
export function simulateCircuit(c: FheCircuit, levels: Int32Array, count: number, o: SimulateOptions = {}): SimulationResult {
  if (levels.length !== count * c.input.features)
    throw new RangeError(`${count} samples of ${c.input.features} features need ${count * c.input.features} levels, got ${levels.length}`);
  const msg = c.params.messageModulus;
  const n = c.params.polynomialSize;
  const noise = o.noise ? circuitReadNoise(c) : undefined;
  const gauss = o.noise ? new Gaussian(new SeededRng(o.seed ?? 0)) : undefined;
  const tally = { wrong: 0, reads: 0, wrongAt: new Uint8Array(count) };
  let m = encodeDigits(levels, c.input, msg);
  const kept: Int32Array[] = [];
  c.layers.forEach((l, k) => {
    m = runLayer(l, n, m, count, noise?.[k], gauss, tally);
    if (o.keepLayers) kept.push(m);
  });
  return {
    outputs: decodeDigits(m, c.output, msg),
    layers: o.keepLayers ? kept : undefined,
    wrongReads: tally.wrong,
    reads: tally.reads,
    wrongSamples: tally.wrongAt.reduce((a, b) => a + b, 0),
  };
}
