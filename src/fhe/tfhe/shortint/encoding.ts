/**
 * The shortint encoding on top of the core PBS: message m ∈ [0, message·carry) sits at
 * m·Δ with Δ = 2^63/(message·carry) (one padding bit, so all messages lie in [0, 1/2)).
 * A lookup table becomes a test polynomial over all N positions: position t holds the
 * table value for the message whose step contains t, scaled by the output Δ. The body
 * is shifted by half a step (minus half a position) before the modulus switch, so each
 * message is read at the centre of its step and noise of either sign is tolerated
 * equally (no negacyclic wrap for m = 0).
 */
import { ShortintParameterSet } from './parameters';
import { MASK64 } from '../core/torus';

export function plaintextModulus(p: ShortintParameterSet): number {
  return p.messageModulus * p.carryModulus;
}

/** Δ = 2^63/(message·carry) */
export function delta(p: ShortintParameterSet): bigint {
  return (1n << 63n) / BigInt(plaintextModulus(p));
}

/** m·Δ modulo 2^64 (negative m wraps: that is the torus). */
export function encodeMessage(m: number | bigint, p: ShortintParameterSet): bigint {
  return (BigInt(m) * delta(p)) & MASK64;
}

/** Decode a phase as tfhe does: round to the nearest multiple of Δ, modulo message·carry. */
export function decodePhase(phase: bigint, p: ShortintParameterSet): number {
  const d = delta(p);
  const m = ((phase + d / 2n) & MASK64) / d;
  return Number(m % BigInt(2 * plaintextModulus(p))) % plaintextModulus(p);
}

/** The body offset that centres each step on its message: Δ/2 − 2^64/(4N). */
export function lookupBodyOffset(p: ShortintParameterSet): bigint {
  return (delta(p) / 2n - (1n << 64n) / BigInt(4 * p.polynomialSize)) & MASK64;
}

/** Check a table: message·carry integer entries in [0, message·carry). */
export function checkLookupTable(table: readonly number[], p: ShortintParameterSet): void {
  const size = plaintextModulus(p);
  if (table.length !== size) throw new RangeError(`the table must have message·carry = ${size} entries, got ${table.length}`);
  table.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= size) throw new RangeError(`table entry ${i} = ${v} is not an integer in [0, ${size})`);
  });
}

/** Test polynomial for a table over messages: N positions, w = N/(message·carry) per step. */
export function lookupTablePolynomial(table: readonly number[], p: ShortintParameterSet): BigUint64Array {
  checkLookupTable(table, p);
  const size = plaintextModulus(p);
  const n = p.polynomialSize;
  const out = new BigUint64Array(n);
  const step = n / size;
  for (let t = 0; t < n; t++) out[t] = encodeMessage(table[Math.floor(t / step)], p);
  return out;
}

/**
 * Test polynomial at full resolution: `values[t]` for every position t ∈ [0, N) (phase
 * t/(2N) after the offset), already encoded as torus values. This is the primitive the
 * compiler uses to tabulate a fused univariate function of an accumulator.
 */
export function fullResolutionPolynomial(values: readonly bigint[], p: ShortintParameterSet): BigUint64Array {
  if (values.length !== p.polynomialSize) throw new RangeError(`a full-resolution table has N = ${p.polynomialSize} entries, got ${values.length}`);
  return BigUint64Array.from(values, (v) => v & MASK64);
}
