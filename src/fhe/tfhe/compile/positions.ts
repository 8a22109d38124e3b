/**
 * Where an accumulator lands in a lookup table (DESIGN "FHE design" item 5).
 *
 * A PBS reads position t = round(phase·2N) mod 2N of its input's phase (the modulus
 * switch; here with the body offset 0 — each accumulator's bias already places it).
 * Positions t < N read the table's value T[t]; t ≥ N read −T[t−N] (negacyclic wrap). One
 * position is `unit` = 2^64/(2N) of the torus.
 *
 * The compiler gives accumulator value a of a neuron the phase D·a + c·unit, D the layer's
 * input scale (torus per accumulator unit): it reads at x(a) = u·a + c, u = D/unit
 * positions per value. These functions are the single definition of that arithmetic,
 * shared by the table builder, simulation and the error model, so simulate reads exactly
 * where execute does.
 */
import { MASK64 } from '../core/torus';

/** Re-exported for the compiler's other steps. */
export { MASK64 };

export function log2Exact(n: number): number {
  const l = Math.log2(n);
  if (!Number.isInteger(l)) throw new RangeError(`${n} is not a power of two`);
  return l;
}

/** Torus value of one table position: 2^64/(2N). */
export function positionUnit(polynomialSize: number): bigint {
  return 1n << BigInt(63 - log2Exact(polynomialSize));
}

/** The native modulus switch of a phase to 2N positions, round half up (native/tfhe modulus_switch). */
export function readPosition(phase: bigint, polynomialSize: number): number {
  const logModulus = BigInt(log2Exact(polynomialSize) + 1);
  const mask = (1n << logModulus) - 1n;
  return Number((((phase & MASK64) >> (64n - logModulus - 1n)) + 1n) >> 1n) & Number(mask);
}

/** The level a read at position t ∈ [0, 2N) produces: T[t], or −T[t−N] past the half torus. */
export function levelAt(table: Int32Array, t: number): number {
  const n = table.length;
  return t < n ? table[t] : -table[t - n];
}

/** Phase of Σ w·m with input scale D and bias (both torus values), modulo 2^64. */
export function phaseOf(weightedSum: number, scale: bigint, bias: bigint): bigint {
  return (BigInt(weightedSum) * scale + bias) & MASK64;
}

/** The phase as a real position in [0, 2N) (for noise: exact enough far below one position). */
export function realPosition(phase: bigint, polynomialSize: number): number {
  return (Number(phase) / 2 ** 64) * 2 * polynomialSize;
}

/**
 * A table stored compactly: [position, level] at each change, from position 0. Tables
 * of quantized activations are step functions, so this is a few dozen pairs at most.
 */
export type RunLengthTable = Array<[number, number]>;

export function encodeRuns(table: Int32Array): RunLengthTable {
  const runs: RunLengthTable = [];
  for (let t = 0; t < table.length; t++) if (t === 0 || table[t] !== table[t - 1]) runs.push([t, table[t]]);
  return runs;
}

export function decodeRuns(runs: RunLengthTable, polynomialSize: number, where: string): Int32Array {
  const out = new Int32Array(polynomialSize);
  if (!Array.isArray(runs) || runs.length === 0) throw new RangeError(`${where}: empty table`);
  let prev = -1;
  runs.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== 2) throw new RangeError(`${where}: run ${i} is not a [position, level] pair`);
    const [t, v] = r;
    if (!Number.isInteger(t) || t <= prev || t >= polynomialSize || (i === 0 && t !== 0))
      throw new RangeError(`${where}: run ${i} starts at ${t}, expected increasing positions from 0 below ${polynomialSize}`);
    if (!Number.isInteger(v) || Math.abs(v) > 2 ** 30) throw new RangeError(`${where}: run ${i} has level ${v}, not a 31-bit integer`);
    const end = i + 1 < runs.length ? runs[i + 1][0] : polynomialSize;
    out.fill(v, t, Math.max(t, Math.min(polynomialSize, end)));
    prev = t;
  });
  return out;
}
