/**
 * Rounding accumulators to their top bits before a lookup (Concrete ML's
 * rounding_threshold_bits). Layer l's accumulators, whose calibrated range needs b signed
 * bits, lose shift = max(0, b − B) low bits: acc ↦ roundAccumulator(acc, shift), the
 * nearest multiple of 2^shift, ties up (src/quant/quantized-eval.ts, the clear reference).
 *
 * The circuit does not compute the rounding separately: the PBS's modulus switch does it.
 * A rounded later layer reads its accumulator at x(acc) = ρ·acc/2^shift + c + ρ/2^(shift+1)
 * positions, ρ an odd integer (the layer's input scale in positions per rounded value times
 * the neuron's weight factor, both odd). Rounded value m then owns exactly the ρ positions
 * c + ρ·m − (ρ−1)/2 … c + ρ·m + (ρ−1)/2 (their edges are half positions, since ρ is odd),
 * and m's values acc ∈ [2^shift·m − 2^(shift−1), 2^shift·m + 2^(shift−1)) land inside them,
 * so a noise-free read returns the table at m, whatever acc in m's range.
 * The last term moves the phase by half a value (u/2 positions, offsetTorus) so that the
 * two values beside each edge sit half a value from it, as in an unrounded table; without
 * it every tie would sit on an edge and noise would read it wrong half the time.
 * The first layer's inputs are tfhe encryptions at Δ ≥ one position, so its accumulators
 * keep ≥ 1 position per value: there rounding changes the tabulated function, not the
 * positions the table needs.
 */
import { signedBits } from '../../../prune/accumulator';
import { Calibration } from './calibration';

/** Low bits each layer drops for rounding to `bits` (all 0 when bits is null). */
export function roundingShifts(cal: Calibration, bits: number | null): number[] {
  return cal.lo.map((lo, l) => {
    if (bits === null) return 0;
    const hi = cal.hi[l];
    const b = signedBits(Math.min(...lo), Math.max(...hi));
    return Math.max(0, b - bits);
  });
}

/** The rounded value a read at position t gives, for a rounded layer's neuron at x(acc) = ρ·acc/2^shift + c. */
export function roundedValueAt(t: number, centre: number, rho: number, shift: number): number {
  return 2 ** shift * Math.floor((t - centre) / rho + 0.5);
}

/** A plan's offset (positions: u/2, or 0) as a torus value, exactly: ρ·unit/2^(shift+1). */
export function offsetTorus(offset: number, u: number, shift: number, unit: bigint): bigint {
  if (offset === 0) return 0n;
  const rho = Math.round(u * 2 ** shift);
  return (BigInt(rho) * unit) >> BigInt(shift + 1);
}
