/**
 * A CKKS context: SEAL's context for validated parameters, with the encoder and evaluator that work
 * in it, and the modulus chain as levels. Level ℓ has ℓ + 1 data primes q0 … qℓ; fresh ciphertexts
 * are at the top level L = depth; a rescale at level ℓ divides by qℓ and moves to ℓ − 1. A
 * ciphertext's level is read from its coefficient-modulus size (no SEAL object allocated).
 *
 * Owns SEAL objects: call delete() when done (keys and ciphertexts made in it are separate).
 */
import { loadSeal, type SEALLibrary, type Context, type CKKSEncoder, type Evaluator, type CipherText, type ParmsIdType } from './seal';
import { type CkksParameters, validateParameters, parameterDepth } from './parameters';

export interface Level {
  /** SEAL's parms id of this level (owned by the context) */
  parmsId: ParmsIdType;
  /** the prime a rescale at this level divides by (qℓ); 0 at level 0, which cannot rescale */
  rescalePrime: number;
  /** bit count of the product q0 · … · qℓ */
  modulusBits: number;
}

export class CkksContext {
  readonly slotCount: number;
  /** scale of fresh encodings, 2^scaleBits */
  readonly scale: number;
  readonly topLevel: number;
  private deleted = false;

  constructor(
    readonly seal: SEALLibrary,
    readonly parameters: Readonly<CkksParameters>,
    readonly context: Context,
    readonly encoder: CKKSEncoder,
    readonly evaluator: Evaluator,
    readonly levels: readonly Level[],
  ) {
    this.slotCount = encoder.slotCount;
    this.scale = 2 ** parameters.scaleBits;
    this.topLevel = levels.length - 1;
  }

  /** The level of a ciphertext of this context (its number of data primes − 1). */
  levelOf(ct: { coeffModulusSize: number }): number {
    const level = ct.coeffModulusSize - 1;
    if (level < 0 || level > this.topLevel) throw new RangeError(`ciphertext has ${ct.coeffModulusSize} primes; this context has levels 0 … ${this.topLevel}`);
    return level;
  }

  level(level: number): Level {
    if (!Number.isInteger(level) || level < 0 || level > this.topLevel) throw new RangeError(`level must be an integer in [0, ${this.topLevel}], got ${level}`);
    return this.levels[level];
  }

  /** Throws unless `ct` belongs here (this ring degree, a level of this chain); returns its level. */
  check(ct: CipherText, what = 'ciphertext'): number {
    if (this.deleted) throw new Error('CkksContext has been deleted');
    if (ct.polyModulusDegree !== this.parameters.polyModulusDegree)
      throw new RangeError(`${what} has ring degree ${ct.polyModulusDegree}, the context ${this.parameters.polyModulusDegree}`);
    return this.levelOf(ct);
  }

  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    for (const l of this.levels) l.parmsId.delete();
    this.evaluator.delete();
    this.encoder.delete();
    this.context.delete();
  }
}

/** SEAL's 128-bit security limit on the total coefficient-modulus bits at ring degree n. */
export async function maxModulusBits(n: number): Promise<number> {
  const seal = await loadSeal();
  return seal.CoeffModulus.MaxBitCount(n, seal.SecurityLevel.tc128);
}

/** Validates the parameters (SEAL's 128-bit security check included) and builds the context. */
export async function createCkksContext(parameters: CkksParameters): Promise<CkksContext> {
  const seal = await loadSeal();
  validateParameters(parameters, seal.CoeffModulus.MaxBitCount(parameters.polyModulusDegree, seal.SecurityLevel.tc128));
  const p: CkksParameters = { ...parameters, coeffModulusBits: [...parameters.coeffModulusBits] };
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
  let coeffs;
  try {
    parms.setPolyModulusDegree(p.polyModulusDegree);
    coeffs = seal.CoeffModulus.Create(p.polyModulusDegree, Int32Array.from(p.coeffModulusBits));
    parms.setCoeffModulus(coeffs);
  } catch (e) {
    parms.delete();
    throw new RangeError(`SEAL rejected CKKS parameters ${JSON.stringify(p)}: ${(e as Error).message}`);
  } finally {
    coeffs?.delete();
  }
  const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
  parms.delete();
  if (!context.parametersSet()) {
    context.delete();
    throw new RangeError(`SEAL rejected CKKS parameters ${JSON.stringify(p)} (not valid at 128-bit security)`);
  }
  const levels = readLevels(context);
  if (levels.length - 1 !== parameterDepth(p)) throw new Error(`modulus chain has ${levels.length} levels, expected ${parameterDepth(p) + 1}`);
  const encoder = seal.CKKSEncoder(context);
  const evaluator = seal.Evaluator(context);
  return new CkksContext(seal, Object.freeze(p), context, encoder, evaluator, levels);
}

/** The data levels, index = level (0 = last, one prime), each with its parms id and rescale prime. */
function readLevels(context: Context): Level[] {
  const levels: Level[] = [];
  let data = context.firstContextData;
  for (;;) {
    const parms = data.parms;
    const primes = parms.coeffModulus;
    parms.delete();
    levels.push({
      parmsId: data.parmsId,
      rescalePrime: primes.length > 1 ? Number(primes[primes.length - 1]) : 0,
      modulusBits: data.totalCoeffModulusBitCount,
    });
    // The chain ends at chain index 0 (node-seal wraps even a missing next context in an object).
    const last = data.chainIndex === 0;
    const next = last ? undefined : data.nextContextData;
    data.delete();
    if (!next) break;
    data = next;
  }
  return levels.reverse();
}
