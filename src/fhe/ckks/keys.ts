/**
 * Key generation. The data party keeps the secret key; the public key, the relinearization keys
 * (for ct×ct products) and the Galois keys (one per rotation step the computation uses) are the
 * evaluation keys a compute party may hold. Galois keys are large (N = 8192, 7 primes: about 7 MB
 * per step in memory), so only the steps a computation needs are generated; SEAL composes other
 * steps from power-of-two ones, if present.
 */
import type { CkksContext } from './context';
import type { SecretKey, PublicKey, RelinKeys, GaloisKeys } from './seal';

/** What a compute party receives: no secret key. */
export interface CkksEvaluationKeys {
  publicKey: PublicKey;
  relinKeys: RelinKeys;
  /** absent when no rotation step was requested */
  galoisKeys?: GaloisKeys;
  galoisSteps: readonly number[];
}

export class CkksKeySet implements CkksEvaluationKeys {
  constructor(
    readonly secretKey: SecretKey,
    readonly publicKey: PublicKey,
    readonly relinKeys: RelinKeys,
    readonly galoisKeys: GaloisKeys | undefined,
    readonly galoisSteps: readonly number[],
  ) {}

  /** The evaluation keys (the same objects: owned by this key set). */
  get evaluationKeys(): CkksEvaluationKeys {
    return { publicKey: this.publicKey, relinKeys: this.relinKeys, galoisKeys: this.galoisKeys, galoisSteps: this.galoisSteps };
  }

  delete(): void {
    this.galoisKeys?.delete();
    this.relinKeys.delete();
    this.publicKey.delete();
    this.secretKey.delete();
  }
}

/** Checks rotation steps (non-zero integers with |step| < slots) and returns them sorted, unique. */
export function checkRotationSteps(ctx: CkksContext, steps: readonly number[]): number[] {
  if (!Array.isArray(steps)) throw new TypeError(`rotation steps must be an array of integers, got ${String(steps)}`);
  for (const s of steps)
    if (!Number.isInteger(s) || s === 0 || Math.abs(s) >= ctx.slotCount)
      throw new RangeError(`rotation step must be a non-zero integer with |step| < ${ctx.slotCount}, got ${s}`);
  return [...new Set(steps)].sort((a, b) => a - b);
}

/** Power-of-two rotation steps 1, 2, 4, … < `span` (and their negatives if `negative`). */
export function powerOfTwoSteps(span: number, negative = false): number[] {
  const steps: number[] = [];
  for (let s = 1; s < span; s *= 2) steps.push(s);
  return negative ? [...steps, ...steps.map((s) => -s)] : steps;
}

/**
 * A fresh key set. SEAL draws the secret key and all encryption randomness from its own PRNG,
 * seeded from the operating system's random source (crypto.randomFillSync under Node).
 */
export function generateKeys(ctx: CkksContext, options: { galoisSteps?: readonly number[] } = {}): CkksKeySet {
  const steps = checkRotationSteps(ctx, [...(options.galoisSteps ?? [])]);
  const generator = ctx.seal.KeyGenerator(ctx.context);
  try {
    const secretKey = generator.secretKey();
    const publicKey = generator.createPublicKey();
    const relinKeys = generator.createRelinKeys();
    const galoisKeys = steps.length > 0 ? generator.createGaloisKeys(Int32Array.from(steps)) : undefined;
    return new CkksKeySet(secretKey, publicKey, relinKeys, galoisKeys, steps);
  } finally {
    generator.delete();
  }
}
