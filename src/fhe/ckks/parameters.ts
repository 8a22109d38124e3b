/**
 * CKKS encryption parameters: ring degree N, the bit sizes of the coefficient-modulus primes (first
 * the data primes q0 … qL, the last entry is SEAL's special prime for key switching), and the
 * scale Δ = 2^scaleBits of fresh encodings. Each data prime after q0 is one rescale, i.e. one level
 * of multiplicative depth: [40, 21×6, 40] allows depth 6.
 *
 * Security is SEAL's own check (HomomorphicEncryption.org table, 128-bit classical security): the
 * total modulus bit count must not exceed CoeffModulus.MaxBitCount(N, tc128) — 218 bits at N = 8192.
 */

export interface CkksParameters {
  /** ring degree N (a power of two); N/2 slots per ciphertext */
  polyModulusDegree: number;
  /** bit sizes of the coefficient-modulus primes, special prime last */
  coeffModulusBits: number[];
  /** log2 of the scale of fresh encodings */
  scaleBits: number;
}

/** TenSEAL's encrypted logistic-regression training (Tutorial 1): depth 6 at 128-bit security. */
export const TENSEAL_LOGREG_PARAMETERS: Readonly<CkksParameters> = Object.freeze({
  polyModulusDegree: 8192,
  coeffModulusBits: Object.freeze([40, 21, 21, 21, 21, 21, 21, 40]) as number[],
  scaleBits: 21,
});

/** Smallest and largest ring degrees accepted: SEAL's security table covers 1024 … 32768. */
export const MIN_POLY_MODULUS_DEGREE = 1024;
export const MAX_POLY_MODULUS_DEGREE = 32768;
/** SEAL's SEAL_USER_MOD_BIT_COUNT_MAX: primes above 60 bits are not supported. */
export const MAX_PRIME_BITS = 60;

/** Multiplicative depth the parameters allow: one rescale per data prime after the first. */
export function parameterDepth(p: CkksParameters): number {
  return p.coeffModulusBits.length - 2;
}

/**
 * Checks the parameters' shape and their security against `maxTotalBits` (SEAL's
 * CoeffModulus.MaxBitCount(N, tc128)); throws a RangeError/TypeError naming the bad value.
 */
export function validateParameters(p: CkksParameters, maxTotalBits: number): void {
  if (p === null || typeof p !== 'object') throw new TypeError(`CKKS parameters must be an object, got ${String(p)}`);
  const n = p.polyModulusDegree;
  if (!Number.isInteger(n) || n < MIN_POLY_MODULUS_DEGREE || n > MAX_POLY_MODULUS_DEGREE || (n & (n - 1)) !== 0)
    throw new RangeError(`polyModulusDegree must be a power of two in [${MIN_POLY_MODULUS_DEGREE}, ${MAX_POLY_MODULUS_DEGREE}], got ${n}`);
  const bits = p.coeffModulusBits;
  if (!Array.isArray(bits) || bits.length < 2) throw new RangeError(`coeffModulusBits needs at least 2 primes (data + special), got ${JSON.stringify(bits)}`);
  // A prime ≡ 1 mod 2N needs more bits than 2N itself.
  const minBits = Math.log2(2 * n) + 1;
  for (const b of bits) {
    if (!Number.isInteger(b) || b < minBits || b > MAX_PRIME_BITS)
      throw new RangeError(
        `each coefficient-modulus prime must have an integer bit size in [${minBits}, ${MAX_PRIME_BITS}] for N = ${n}, got ${b} in ${JSON.stringify(bits)}`,
      );
  }
  const total = bits.reduce((a, b) => a + b, 0);
  if (total > maxTotalBits)
    throw new RangeError(
      `coefficient modulus of ${total} bits (${JSON.stringify(bits)}) exceeds ${maxTotalBits} bits, the limit for 128-bit security at N = ${n}: use fewer or smaller primes, or a larger N`,
    );
  const s = p.scaleBits;
  if (!Number.isFinite(s) || s <= 0 || s >= bits[0])
    throw new RangeError(`scaleBits must be in (0, ${bits[0]}) (below the first prime's ${bits[0]} bits, which holds the result at the last level), got ${s}`);
}
