/**
 * The client of encrypted SGD (the data owner): tfhe makes and keeps the secret key; the
 * client derives the evaluation keys for the server, encrypts each quantized batch and
 * the initial weights at the plan's scales under tfhe's big (GLWE) key (the key tfhe's
 * KS-PBS ciphertexts use), and decrypts only the final weights. Beside each batch it
 * sends Σ_j x_ij² per row and Σ_i x_ij² per feature, encrypted: the a² terms of the
 * products by squares (plan.ts), functions of its own data; the per-feature one also
 * carries the update's dither.
 */
import * as tfhe from 'node-tfhe';
import { encryptLweCiphertexts, decryptLwePhase } from '../../fhe/tfhe/core/lwe_encryption';
import { MASK64 } from '../../fhe/tfhe/core/torus';
import { readClientKey } from '../../fhe/tfhe/shortint/client_key';
import { generateShortintEvaluationKeys, serializeShortintEvaluationKeys } from '../../fhe/tfhe/shortint/evaluation_keys';
import { tfheParameters } from '../../fhe/tfhe/shortint/parameters';
import { SgdPlan } from './plan';
import { SgdBatch, checkBatch, checkWeights } from './integer-step';

/** A batch as the server receives it: big-key LWE ciphertexts, flattened. */
export interface EncryptedSgdBatch {
  /** [B × width] at the read scale */
  x: BigUint64Array;
  /** [B] at the read scale */
  y: BigUint64Array;
  /** [B] Σ_j x_ij² at ΔA/2 */
  rowSquares: BigUint64Array;
  /** [width] Σ_i x_ij² + 2·u_j at ΔV/2 (the squares, and the update's dither u_j at ΔV) */
  featureSquares: BigUint64Array;
}

export class SgdClient {
  private constructor(
    readonly plan: SgdPlan,
    private readonly key: tfhe.ShortintClientKey,
    private readonly glweKey: BigUint64Array,
  ) {}

  static create(plan: SgdPlan): SgdClient {
    const key = tfhe.Shortint.new_client_key(tfheParameters(plan.parameterSet));
    return new SgdClient(plan, key, readClientKey(tfhe.Shortint.serialize_client_key(key)).glweSecretKey);
  }

  get lweSize(): number {
    return this.glweKey.length + 1;
  }

  /** The evaluation-key file for the server (bootstrapping + key-switching keys; no secret key). */
  async evaluationKeyFile(threads?: number): Promise<Uint8Array> {
    return serializeShortintEvaluationKeys(await generateShortintEvaluationKeys(tfhe.Shortint.serialize_client_key(this.key), threads));
  }

  private encrypt(values: ArrayLike<number>, scale: bigint): Promise<BigUint64Array> {
    const pt = BigUint64Array.from(Array.from(values), (v) => (BigInt(v) * scale) & MASK64);
    return encryptLweCiphertexts(this.glweKey, pt, this.plan.params.glweNoise);
  }

  encryptWeights(levels: ArrayLike<number>): Promise<BigUint64Array> {
    checkWeights(this.plan, levels);
    return this.encrypt(levels, this.plan.readScale);
  }

  async encryptBatch(batch: SgdBatch): Promise<EncryptedSgdBatch> {
    const plan = this.plan;
    checkBatch(plan, batch);
    const { width, batchSize: rows } = plan;
    const rowSq = Array.from({ length: rows }, (_, i) => batch.x.subarray(i * width, (i + 1) * width).reduce((s, v) => s + v * v, 0));
    const featSq = Array.from({ length: width }, (_, j) => {
      let s = 0;
      for (let i = 0; i < rows; i++) s += batch.x[i * width + j] ** 2;
      return s + 2 * batch.dither[j];
    });
    return {
      x: await this.encrypt(batch.x, plan.readScale),
      y: await this.encrypt(batch.y, plan.readScale),
      rowSquares: await this.encrypt(rowSq, plan.deltaA / 2n),
      featureSquares: await this.encrypt(featSq, plan.deltaV / 2n),
    };
  }

  /** Weight levels from their ciphertexts (the only decryption of a run). */
  decryptWeights(cts: BigUint64Array): Int32Array {
    const size = this.lweSize;
    if (cts.length !== this.plan.width * size) throw new RangeError(`expected ${this.plan.width} ciphertexts of ${size} words, got ${cts.length} words`);
    const scale = this.plan.readScale;
    return Int32Array.from({ length: this.plan.width }, (_, j) => {
      const phase = decryptLwePhase(this.glweKey, cts.subarray(j * size, (j + 1) * size));
      const signed = phase >= 1n << 63n ? phase - (1n << 64n) : phase;
      const q = signed / scale;
      const r = signed - q * scale;
      // round to the nearest multiple of the scale
      return Number(2n * (r < 0n ? -r : r) >= scale ? q + (r < 0n ? -1n : 1n) : q);
    });
  }

  dispose(): void {
    this.glweKey.fill(0n);
    this.key.free();
  }
}
