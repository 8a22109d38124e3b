/**
 * The client role: tfhe makes and keeps the secret key, encrypts the quantized input and
 * decrypts the answer; the project derives the evaluation keys from tfhe's client key on
 * this side (src/fhe/tfhe/evaluation_keys.ts). Only evaluation keys and ciphertexts ever
 * leave a FheClient.
 */
import * as tfhe from 'node-tfhe';
import { ClientSpec } from '../compile/circuit';
import { readClientKey } from '../shortint/client_key';
import { decryptLwePhase } from '../core/lwe_encryption';
import { generateShortintEvaluationKeys, serializeShortintEvaluationKeys } from '../shortint/evaluation_keys';
import { describeParameters, sameParameters, tfheParameters } from '../shortint/parameters';
import { decodeDigits, dequantizeFeatures, encodeDigits, quantizeFeatures } from './codec';
import { packBatch, unpackBatch } from './wire';

export class FheClient {
  private constructor(
    readonly spec: ClientSpec,
    private readonly key: tfhe.ShortintClientKey,
  ) {}

  /** A fresh client key (tfhe's own key generation and randomness) for the spec's parameter set. */
  static create(spec: ClientSpec): FheClient {
    const key = tfhe.Shortint.new_client_key(tfheParameters(spec.parameterSet, { carryModulus: spec.carryModulus }));
    const params = readClientKey(tfhe.Shortint.serialize_client_key(key)).params;
    if (!sameParameters(params, spec.params)) {
      key.free();
      throw new Error(
        `tfhe's ${spec.parameterSet} with carry ${spec.carryModulus} is ${describeParameters(params)}, but the circuit expects ${describeParameters(spec.params)} (another tfhe version?)`,
      );
    }
    return new FheClient(spec, key);
  }

  get message(): number {
    return this.spec.params.messageModulus;
  }

  /** The evaluation-key file for a server (bootstrapping + key-switching keys; no secret key). */
  async evaluationKeys(threads?: number): Promise<Uint8Array> {
    const keys = await generateShortintEvaluationKeys(tfhe.Shortint.serialize_client_key(this.key), threads);
    return serializeShortintEvaluationKeys(keys);
  }

  /** Encrypt model-input levels [samples × features] as a ciphertext batch (one ciphertext per digit). */
  encryptLevels(levels: ArrayLike<number>): Uint8Array {
    if (levels.length % this.spec.input.features) throw new RangeError(`inputs are not a whole number of ${this.spec.input.features}-feature samples`);
    const digits = encodeDigits(levels, this.spec.input, this.message);
    return packBatch(Array.from(digits, (d) => tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(this.key, BigInt(d)))));
  }

  /** Quantize float inputs with the circuit's input quantizer, then encrypt. */
  encrypt(x: ArrayLike<number>): Uint8Array {
    return this.encryptLevels(quantizeFeatures(x, this.spec.input));
  }

  /** Decrypt a server's answer batch to output levels [samples × features]. */
  decryptLevels(batch: Uint8Array): Int32Array {
    const per = this.spec.output.features * this.spec.output.digits;
    const items = unpackBatch(batch, 1 << 24);
    if (items.length % per) throw new RangeError(`the answer has ${items.length} ciphertexts, not a multiple of ${per} per sample`);
    const digits = items.map((b, i) => {
      try {
        return Number(tfhe.Shortint.decrypt(this.key, tfhe.Shortint.deserialize_ciphertext(b)));
      } catch (e) {
        throw new Error(`answer ciphertext ${i} is not a tfhe ciphertext for this key: ${String((e as Error).message ?? e)}`);
      }
    });
    return decodeDigits(digits, this.spec.output, this.message);
  }

  /**
   * The phases (body − ⟨mask, s⟩, torus values) of big-key LWE ciphertexts of `size` words:
   * for answers the client decodes itself, such as levelled sums at their own scale.
   */
  phases(lwes: BigUint64Array, size: number): BigUint64Array {
    const key = readClientKey(tfhe.Shortint.serialize_client_key(this.key)).glweSecretKey;
    if (size !== key.length + 1 || lwes.length % size) throw new RangeError(`${lwes.length} words are not LWE ciphertexts of size ${key.length + 1}`);
    const out = BigUint64Array.from({ length: lwes.length / size }, (_, i) => decryptLwePhase(key, lwes.subarray(i * size, (i + 1) * size)));
    key.fill(0n);
    return out;
  }

  decrypt(batch: Uint8Array): Float32Array {
    return dequantizeFeatures(this.decryptLevels(batch), this.spec.output);
  }

  dispose(): void {
    this.key.free();
  }
}
