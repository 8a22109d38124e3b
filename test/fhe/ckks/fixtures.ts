/**
 * Shared set-up of the CKKS tests: a context, a key set with the rotations a test needs, an
 * encryptor and decryptor, and seeded test vectors. Keys come from SEAL's CSPRNG (not seedable),
 * so the tests assert error bounds, never exact ciphertexts.
 */
import { createCkksContext, generateKeys, CkksEncryptor, CkksDecryptor, type CkksContext, type CkksKeySet, type CkksParameters } from '../../../src/fhe/ckks';
import { SeededRng } from '../../../src/util/rng';

/** N = 8192 at the 128-bit limit (218 bits), scale 2^40, depth 3: precise enough to test the algebra.
 * The special prime (last) is as large as the largest data prime, which keeps key-switching noise small. */
export const PRECISE: CkksParameters = { polyModulusDegree: 8192, coeffModulusBits: [49, 40, 40, 40, 49], scaleBits: 40 };

export interface Ckks {
  ctx: CkksContext;
  keys: CkksKeySet;
  enc: CkksEncryptor;
  dec: CkksDecryptor;
  dispose(): void;
}

export async function setUp(parameters: CkksParameters, galoisSteps: number[] = []): Promise<Ckks> {
  const ctx = await createCkksContext(parameters);
  const keys = generateKeys(ctx, { galoisSteps });
  const enc = new CkksEncryptor(ctx, keys.publicKey);
  const dec = new CkksDecryptor(ctx, keys.secretKey);
  return {
    ctx,
    keys,
    enc,
    dec,
    dispose() {
      dec.delete();
      enc.delete();
      keys.delete();
      ctx.delete();
    },
  };
}

/** n uniform values in [lo, hi). */
export function randomVector(seed: number, n: number, lo = -1, hi = 1): Float64Array {
  const rng = new SeededRng(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
