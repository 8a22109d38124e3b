/**
 * The discretised torus of TFHE-rs's u64 ciphertexts: Z / 2^64, held in bigints. One home
 * for the helpers every layer needs (reduce mod 2^64, read as a signed fraction of the torus).
 */
export const MASK64 = (1n << 64n) - 1n;

/** x mod 2^64 (x may be negative or wider). */
export function wrap64(x: bigint): bigint {
  return x & MASK64;
}

/** A torus element as a signed fraction of the torus, in [-1/2, 1/2). */
export function torusToSigned(x: bigint): number {
  const v = x >= 1n << 63n ? x - (1n << 64n) : x;
  return Number(v) / 2 ** 64;
}
