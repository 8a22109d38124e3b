/**
 * Reading the secret keys out of tfhe's serialized shortint client key
 * (bytes of Shortint.serialize_client_key: bincode of shortint::ClientKey, TFHE-rs 1.x):
 *
 *   AtomicPatternClientKey tag u32 (0 = Standard; KeySwitch32 is rejected)
 *   glwe_secret_key: Vec<u64> (k·N entries, polynomial after polynomial), polynomial_size u64
 *   lwe_secret_key:  Vec<u64> (n entries)
 *   parameters: PBSParameters tag u32 (0 = classic PBS; multi-bit is rejected), then
 *     lwe_dimension, glwe_dimension, polynomial_size (u64), lwe/glwe noise (DynamicDistribution:
 *     tag u32, Gaussian{std f64, mean f64} | TUniform{bound_log2 u32}), pbs base log/level,
 *     ks base log/level, message/carry modulus, max noise level (u64), log2_p_fail f64,
 *     ciphertext modulus {u128 (0 = native), scalar bits u64}, encryption key choice u32,
 *     modulus switch type u32 (+ drift parameters)
 *   wopbs_parameters: Option tag u8 (must be None)
 *
 * Every size is cross-checked against the parameters and the keys must be binary;
 * anything else is an error naming the field. This is client-side code: the secret keys
 * never leave the client (only evaluation keys do).
 */
import { BincodeError, BincodeReader } from './bincode';
import { ShortintParameterSet } from './parameters';
import { NoiseDistribution, checkCoreParameters } from '../core/parameters';

export class ClientKeyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientKeyFormatError';
  }
}

export interface ShortintSecretKeys {
  params: ShortintParameterSet;
  /** k·N binary coefficients: the GLWE key, also the big LWE key ciphertexts are encrypted under. */
  glweSecretKey: BigUint64Array;
  /** n binary coefficients: the small LWE key. */
  lweSecretKey: BigUint64Array;
}

export function readNoiseDistribution(r: BincodeReader, field: string): NoiseDistribution {
  const t = r.tag(`${field} distribution`, ['Gaussian', 'TUniform']);
  if (t === 0) return { kind: 'gaussian', std: r.f64(`${field} std`), mean: r.f64(`${field} mean`) };
  return { kind: 'tuniform', boundLog2: r.u32(`${field} bound_log2`) };
}

/** Reads a ClassicPBSParameters (after its PBSParameters tag). */
export function readClassicPbsParameters(r: BincodeReader): ShortintParameterSet {
  const lweDimension = r.usize('lwe_dimension', 1 << 16);
  const glweDimension = r.usize('glwe_dimension', 1 << 8);
  const polynomialSize = r.usize('polynomial_size', 1 << 20);
  const lweNoise = readNoiseDistribution(r, 'lwe_noise');
  const glweNoise = readNoiseDistribution(r, 'glwe_noise');
  const pbsBaseLog = r.usize('pbs_base_log', 64);
  const pbsLevel = r.usize('pbs_level', 64);
  const ksBaseLog = r.usize('ks_base_log', 64);
  const ksLevel = r.usize('ks_level', 64);
  const messageModulus = r.usize('message_modulus', 1 << 16);
  const carryModulus = r.usize('carry_modulus', 1 << 16);
  const maxNoiseLevel = Number(r.u64('max_noise_level'));
  const log2PFail = r.f64('log2_p_fail');
  const modulus = r.u128('ciphertext_modulus');
  const scalarBits = r.usize('ciphertext_modulus scalar bits', 128);
  if (modulus !== 0n || scalarBits !== 64) {
    throw new ClientKeyFormatError(`only the native ciphertext modulus 2^64 is supported (got modulus ${modulus}, ${scalarBits}-bit scalars)`);
  }
  const keyChoice = r.tag('encryption_key_choice', ['Big', 'Small']);
  if (keyChoice !== 0) throw new ClientKeyFormatError('the client key uses the small encryption key (PBS-KS order); only KS-PBS is supported');
  const ms = r.tag('modulus_switch_type', ['Standard', 'DriftTechniqueNoiseReduction', 'CenteredMeanNoiseReduction']);
  if (ms === 1) {
    // ModulusSwitchNoiseReductionParams: zeros count (usize), bound, r-sigma factor, input variance (f64)
    r.u64('modulus_switch_zeros_count');
    r.f64('ms_bound');
    r.f64('ms_r_sigma_factor');
    r.f64('ms_input_variance');
  }
  const params: ShortintParameterSet = {
    lweDimension,
    glweDimension,
    polynomialSize,
    lweNoise,
    glweNoise,
    pbsBaseLog,
    pbsLevel,
    ksBaseLog,
    ksLevel,
    messageModulus,
    carryModulus,
    maxNoiseLevel,
    log2PFail,
    ciphertextModulus: 'native',
    encryptionKeyChoice: 'big',
    modulusSwitch: (['standard', 'drift', 'centered'] as const)[ms],
  };
  checkShortintParameters(params);
  return params;
}

export function checkShortintParameters(p: ShortintParameterSet): void {
  try {
    checkCoreParameters(p, 'shortint parameters');
  } catch (e) {
    throw new ClientKeyFormatError((e as Error).message);
  }
  for (const [name, v] of [
    ['message modulus', p.messageModulus],
    ['carry modulus', p.carryModulus],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || (v & (v - 1)) !== 0) throw new ClientKeyFormatError(`${name} ${v} is not a power of two`);
  }
  if (p.messageModulus * p.carryModulus > p.polynomialSize) {
    throw new ClientKeyFormatError(
      `message·carry = ${p.messageModulus * p.carryModulus} exceeds the polynomial size ${p.polynomialSize}: a lookup could not resolve it`,
    );
  }
}

function checkBinary(key: BigUint64Array, what: string): void {
  for (let i = 0; i < key.length; i++) {
    if (key[i] > 1n)
      throw new ClientKeyFormatError(`${what} coefficient ${i} is ${key[i]}, not 0/1: not a binary key (unsupported key distribution or corrupt file)`);
  }
}

/** Parse tfhe's serialized shortint client key; throws ClientKeyFormatError on anything unexpected. */
export function readClientKey(bytes: Uint8Array): ShortintSecretKeys {
  try {
    const r = new BincodeReader(bytes, 'shortint client key');
    const ap = r.tag('atomic pattern', ['Standard', 'KeySwitch32']);
    if (ap !== 0) throw new ClientKeyFormatError('the client key uses the KeySwitch32 atomic pattern; only the Standard (u64) pattern is supported');
    const glweSecretKey = r.u64Vec('glwe_secret_key');
    const glwePolySize = r.usize('glwe_secret_key polynomial_size', 1 << 20);
    const lweSecretKey = r.u64Vec('lwe_secret_key');
    const pbsKind = r.tag('PBS parameters kind', ['PBS', 'MultiBitPBS']);
    if (pbsKind !== 0) throw new ClientKeyFormatError('multi-bit PBS parameter sets are not supported');
    const params = readClassicPbsParameters(r);
    const wopbs = r.u8('wopbs_parameters option');
    if (wopbs === 1) throw new ClientKeyFormatError('client keys with WoPBS parameters are not supported');
    if (wopbs !== 0) throw new ClientKeyFormatError(`bad Option tag ${wopbs} for wopbs_parameters`);
    r.end();
    if (glwePolySize !== params.polynomialSize)
      throw new ClientKeyFormatError(`GLWE key polynomial size ${glwePolySize} != parameter polynomial size ${params.polynomialSize}`);
    if (glweSecretKey.length !== params.glweDimension * params.polynomialSize) {
      throw new ClientKeyFormatError(`GLWE key has ${glweSecretKey.length} coefficients, expected k·N = ${params.glweDimension * params.polynomialSize}`);
    }
    if (lweSecretKey.length !== params.lweDimension)
      throw new ClientKeyFormatError(`LWE key has ${lweSecretKey.length} coefficients, expected n = ${params.lweDimension}`);
    checkBinary(glweSecretKey, 'GLWE key');
    checkBinary(lweSecretKey, 'LWE key');
    return { params, glweSecretKey, lweSecretKey };
  } catch (e) {
    if (e instanceof BincodeError) throw new ClientKeyFormatError(`not a usable tfhe shortint client key: ${e.message}`);
    throw e;
  }
}
