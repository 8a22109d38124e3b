/**
 * The shortint server: evaluation keys in, tfhe ciphertexts in and out. It never sees
 * a secret key. Inputs are validated against the keys' parameter set before any work
 * (size, moduli, atomic pattern); a ciphertext made under another key of the same
 * parameter set cannot be detected (LWE ciphertexts look uniformly random without the
 * key) and simply decrypts to garbage.
 */
import { ShortintCiphertext, checkCiphertextMatches, decodeCiphertext, encodeCiphertext } from './ciphertext';
import { lookupBodyOffset, lookupTablePolynomial, plaintextModulus } from './encoding';
import { ShortintEvaluationKeys, parseShortintEvaluationKeys } from './evaluation_keys';
import { ShortintParameterSet } from './parameters';
import { LweServerKey, BatchOptions, LoadOptions } from '../core/lwe_programmable_bootstrapping';
import { lweLinearCombination } from '../core/lwe_linear_algebra';
import { MASK64 } from '../core/torus';

export class ShortintServer {
  private constructor(
    readonly params: ShortintParameterSet,
    readonly key: LweServerKey<ShortintParameterSet>,
  ) {}

  /** o.kernel: the evaluator's SIMD kernel set (default: the fastest this CPU runs). */
  static fromKeys(keys: ShortintEvaluationKeys, o: LoadOptions = {}): ShortintServer {
    return new ShortintServer(keys.params, LweServerKey.load(keys, o));
  }

  static fromFile(bytes: Uint8Array): ShortintServer {
    return ShortintServer.fromKeys(parseShortintEvaluationKeys(bytes));
  }

  get lweSize(): number {
    return this.key.bigLweSize;
  }

  /** Parse and validate tfhe ciphertext bytes for these keys. */
  decode(bytes: Uint8Array): ShortintCiphertext {
    return decodeCiphertext(bytes, this.params);
  }

  encode(ct: ShortintCiphertext): Uint8Array {
    return encodeCiphertext(ct);
  }

  private pack(cts: readonly ShortintCiphertext[]): BigUint64Array {
    const size = this.lweSize;
    const flat = new BigUint64Array(cts.length * size);
    cts.forEach((ct, i) => {
      checkCiphertextMatches(ct, this.params);
      flat.set(ct.lwe, i * size);
    });
    return flat;
  }

  private unpack(flat: BigUint64Array, degree: number): ShortintCiphertext[] {
    const size = this.lweSize;
    const out: ShortintCiphertext[] = [];
    for (let i = 0; i < flat.length / size; i++) {
      out.push({
        lwe: flat.slice(i * size, (i + 1) * size),
        degree,
        noiseLevel: 1,
        messageModulus: this.params.messageModulus,
        carryModulus: this.params.carryModulus,
      });
    }
    return out;
  }

  /** Keyswitch + PBS of each ciphertext through `table` (message·carry entries). */
  async applyLookupTable(cts: readonly ShortintCiphertext[], table: readonly number[], o: BatchOptions = {}): Promise<ShortintCiphertext[]> {
    const lut = lookupTablePolynomial(table, this.params);
    const out = await this.key.keyswitchBootstrap(this.pack(cts), lut, lookupBodyOffset(this.params), o);
    return this.unpack(out, Math.max(...table));
  }

  /** Same with a test polynomial of N positions supplied by the caller (full resolution). */
  async applyPolynomial(
    cts: readonly ShortintCiphertext[],
    polynomial: BigUint64Array,
    degree: number,
    bodyOffset = lookupBodyOffset(this.params),
    o: BatchOptions = {},
  ): Promise<ShortintCiphertext[]> {
    const out = await this.key.keyswitchBootstrap(this.pack(cts), polynomial, bodyOffset, o);
    return this.unpack(out, degree);
  }

  /**
   * out[o] = Σ_i weights[o][i]·in[i] + biases[o] (messages, i.e. bias·Δ on the body). The
   * result's degree is the worst case Σ|w|·degree + bias; it must stay below
   * message·carry for a later lookup to read it (the caller's headroom, e.g. a raised carry).
   */
  async linearCombination(
    cts: readonly ShortintCiphertext[],
    weights: readonly (readonly number[])[],
    biases: readonly number[],
    o: BatchOptions = {},
  ): Promise<ShortintCiphertext[]> {
    if (weights.length !== biases.length) throw new RangeError('one bias per output is required');
    const w = new BigInt64Array(weights.length * cts.length);
    const d = (1n << 63n) / BigInt(plaintextModulus(this.params));
    const b = new BigUint64Array(biases.length);
    let maxDegree = 0;
    weights.forEach((row, oi) => {
      if (row.length !== cts.length) throw new RangeError(`weights row ${oi} has ${row.length} entries, expected ${cts.length}`);
      let deg = Math.abs(biases[oi]);
      row.forEach((x, i) => {
        if (!Number.isInteger(x) || Math.abs(x) > 2 ** 31) throw new RangeError(`weight [${oi}][${i}] = ${x} is not a 32-bit integer`);
        w[oi * cts.length + i] = BigInt(x);
        deg += Math.abs(x) * cts[i].degree;
      });
      if (!Number.isInteger(biases[oi])) throw new RangeError(`bias ${oi} is not an integer`);
      b[oi] = (BigInt(biases[oi]) * d) & MASK64;
      maxDegree = Math.max(maxDegree, deg);
    });
    const out = await lweLinearCombination(this.pack(cts), this.lweSize, w, b, o.threads);
    return this.unpack(out, Math.min(maxDegree, plaintextModulus(this.params) - 1));
  }
}
