/**
 * Seeded random float dense layers (uniform weights scaled by 1/√fan-in): stand-in models
 * for the FHE compiler's tests and for benchmarks that time the machinery, not a trained net.
 */
import { SeededRng } from '../util/rng';
import { ActivationName } from './activations';
import { FloatDense } from './ptq';

export function randomLayers(rng: SeededRng, sizes: number[], acts: ActivationName[]): FloatDense[] {
  if (acts.length !== sizes.length - 1) throw new RangeError(`${sizes.length - 1} layers need as many activations, got ${acts.length}`);
  return sizes.slice(1).map((out, k) => {
    const inp = sizes[k];
    const b = 1 / Math.sqrt(inp);
    return {
      inputs: inp,
      outputs: out,
      activation: acts[k],
      alpha: 0.2,
      kernel: Float32Array.from({ length: inp * out }, () => (rng.next() * 2 - 1) * b * 2),
      bias: Float32Array.from({ length: out }, () => (rng.next() * 2 - 1) * b),
    };
  });
}
