/**
 * Codec for tfhe's serialized shortint ciphertexts (Shortint.serialize_ciphertext:
 * bincode of shortint::Ciphertext, TFHE-rs 1.x), both ways:
 *
 *   ct: LweCiphertext { data: Vec<u64> (mask a_1..a_d, then body b), ciphertext_modulus {u128, u64} }
 *   degree u64, noise_level u64, message_modulus u64, carry_modulus u64,
 *   atomic_pattern: AtomicPatternKind tag u32 (0 = Standard) + PBSOrder tag u32 (0 = KeyswitchBootstrap)
 *
 * phase = b - <a, s> = m·Δ + e with Δ = 2^63/(message·carry) (one padding bit).
 */
import { BincodeError, BincodeReader, BincodeWriter } from './bincode';
import { ShortintParameterSet } from './parameters';
import { bigLweDimension } from '../core/parameters';

export class CiphertextFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CiphertextFormatError';
  }
}

export interface ShortintCiphertext {
  /** mask then body, d+1 values */
  lwe: BigUint64Array;
  degree: number;
  noiseLevel: number;
  messageModulus: number;
  carryModulus: number;
}

export function decodeCiphertext(bytes: Uint8Array, expect?: ShortintParameterSet): ShortintCiphertext {
  let ct: ShortintCiphertext;
  try {
    const r = new BincodeReader(bytes, 'shortint ciphertext');
    const lwe = r.u64Vec('LWE data');
    const modulus = r.u128('ciphertext modulus');
    const bits = r.usize('ciphertext modulus scalar bits', 128);
    if (modulus !== 0n || bits !== 64) throw new CiphertextFormatError(`only the native modulus 2^64 is supported (got ${modulus}, ${bits} bits)`);
    const degree = r.usize('degree', 2 ** 53);
    const noiseLevel = r.usize('noise level', 2 ** 53);
    const messageModulus = r.usize('message modulus', 1 << 16);
    const carryModulus = r.usize('carry modulus', 1 << 16);
    const ap = r.tag('atomic pattern', ['Standard', 'KeySwitch32']);
    if (ap !== 0) throw new CiphertextFormatError('KeySwitch32 ciphertexts are not supported');
    const order = r.tag('PBS order', ['KeyswitchBootstrap', 'BootstrapKeyswitch']);
    if (order !== 0) throw new CiphertextFormatError('the ciphertext is in PBS-KS order (small key); only KS-PBS is supported');
    r.end();
    if (lwe.length < 2) throw new CiphertextFormatError('LWE ciphertext is empty');
    ct = { lwe, degree, noiseLevel, messageModulus, carryModulus };
  } catch (e) {
    if (e instanceof BincodeError) throw new CiphertextFormatError(`not a tfhe shortint ciphertext: ${e.message}`);
    throw e;
  }
  if (expect) checkCiphertextMatches(ct, expect);
  return ct;
}

export function checkCiphertextMatches(ct: ShortintCiphertext, p: ShortintParameterSet): void {
  const size = bigLweDimension(p) + 1;
  if (ct.lwe.length !== size) {
    throw new CiphertextFormatError(
      `ciphertext has LWE size ${ct.lwe.length}, the evaluation keys expect k·N+1 = ${size}: it was made with another parameter set`,
    );
  }
  if (ct.messageModulus !== p.messageModulus || ct.carryModulus !== p.carryModulus) {
    throw new CiphertextFormatError(
      `ciphertext has message/carry modulus ${ct.messageModulus}/${ct.carryModulus}, the evaluation keys expect ${p.messageModulus}/${p.carryModulus}`,
    );
  }
  if (ct.degree >= p.messageModulus * p.carryModulus) {
    throw new CiphertextFormatError(`ciphertext degree ${ct.degree} does not fit message·carry = ${p.messageModulus * p.carryModulus}`);
  }
}

export function encodeCiphertext(ct: ShortintCiphertext): Uint8Array {
  return new BincodeWriter(ct.lwe.length * 8 + 80)
    .u64Vec(ct.lwe)
    .u128(0n)
    .u64(64)
    .u64(ct.degree)
    .u64(ct.noiseLevel)
    .u64(ct.messageModulus)
    .u64(ct.carryModulus)
    .u32(0)
    .u32(0)
    .finish();
}
