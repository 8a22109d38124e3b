/** Small quantized MLPs for the FHE compiler tests, made with PTQ from seeded random float layers. */
import { QuantizedModel, quantizeLayers } from '../../../../src/quant';
import { randomLayers } from '../../../../src/quant/random-layers';
import { ActivationName } from '../../../../src/quant/activations';
import { SeededRng } from '../../../../src/util/rng';
import { FheCircuit } from '../../../../src/fhe/tfhe/compile';
import { simulateCircuit } from '../../../../src/fhe/tfhe/run';

export { randomLayers };

export interface SmallModel {
  model: QuantizedModel;
  /** Float inputs [count × features] in [0, 1] (calibration set). */
  inputs: Float32Array;
  count: number;
}

export function smallModel(
  seed: number,
  sizes: number[],
  acts: ActivationName[],
  bits: { weight: number; activation: number; input?: number },
  count = 200,
): SmallModel {
  const rng = new SeededRng(seed);
  const layers = randomLayers(rng, sizes, acts);
  const inputs = Float32Array.from({ length: count * sizes[0] }, () => rng.next());
  const model = quantizeLayers(layers, inputs, count, {
    weightBits: bits.weight,
    activationBits: bits.activation,
    inputBits: bits.input,
    inputRange: { min: 0, max: 1 },
    meta: { name: `test-${seed}` },
  });
  return { model, inputs, count };
}

/** Fresh inputs from the same distribution as the calibration set. */
export function freshInputs(seed: number, count: number, features: number): Float32Array {
  const rng = new SeededRng(seed);
  return Float32Array.from({ length: count * features }, () => rng.next());
}

/** Totals of noisy simulations of the same inputs with seeds 0 … seeds−1 (Monte-Carlo of the noise model). */
export function noisyTotals(
  c: FheCircuit,
  xq: Int32Array,
  count: number,
  seeds: number,
): { wrong: number; reads: number; wrongSamples: number; samples: number } {
  const t = { wrong: 0, reads: 0, wrongSamples: 0, samples: seeds * count };
  for (let seed = 0; seed < seeds; seed++) {
    const r = simulateCircuit(c, xq, count, { noise: true, seed });
    t.wrong += r.wrongReads;
    t.reads += r.reads;
    t.wrongSamples += r.wrongSamples;
  }
  return t;
}
