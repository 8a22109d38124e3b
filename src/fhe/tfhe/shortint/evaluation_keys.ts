/**
 * Evaluation keys for a shortint parameter set: client-side generation from tfhe's
 * serialized client key, and the file format's parameter check (the core file format
 * carries the whole ShortintParameterSet in its header).
 */
import { readClientKey, checkShortintParameters, ShortintSecretKeys } from './client_key';
import { ShortintParameterSet } from './parameters';
import { EvaluationKeys, generateEvaluationKeys } from '../core/evaluation_keys';
import { parseEvaluationKeys, serializeEvaluationKeys } from '../core/evaluation_key_file';
import { NoiseDistribution } from '../core/parameters';

export type ShortintEvaluationKeys = EvaluationKeys<ShortintParameterSet>;

/** Client side: secret keys from tfhe's client key bytes → evaluation keys (no secret in them). */
export async function generateShortintEvaluationKeys(clientKey: Uint8Array | ShortintSecretKeys, threads?: number): Promise<ShortintEvaluationKeys> {
  const sk = clientKey instanceof Uint8Array ? readClientKey(clientKey) : clientKey;
  return generateEvaluationKeys(sk.params, sk.lweSecretKey, sk.glweSecretKey, threads);
}

export function serializeShortintEvaluationKeys(keys: ShortintEvaluationKeys): Uint8Array {
  return serializeEvaluationKeys(keys);
}

export function parseShortintEvaluationKeys(bytes: Uint8Array): ShortintEvaluationKeys {
  return parseEvaluationKeys(bytes, shortintParametersFromJson);
}

function noiseFromJson(v: unknown, what: string): NoiseDistribution {
  const o = v as Record<string, unknown> | null;
  if (o && o.kind === 'gaussian' && typeof o.std === 'number' && typeof o.mean === 'number') return { kind: 'gaussian', std: o.std, mean: o.mean };
  if (o && o.kind === 'tuniform' && typeof o.boundLog2 === 'number') return { kind: 'tuniform', boundLog2: o.boundLog2 };
  throw new RangeError(`${what} is not a noise distribution`);
}

/** Rebuild (and check) a ShortintParameterSet from untrusted JSON. */
export function shortintParametersFromJson(v: unknown): ShortintParameterSet {
  const o = v as Record<string, unknown> | null;
  if (!o || typeof o !== 'object') throw new RangeError('parameters missing');
  const num = (k: string): number => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`parameter ${k} missing or not a number`);
    return x;
  };
  const ms = o.modulusSwitch;
  if (ms !== 'standard' && ms !== 'drift' && ms !== 'centered') throw new RangeError('parameter modulusSwitch missing');
  if (o.ciphertextModulus !== 'native' || o.encryptionKeyChoice !== 'big') throw new RangeError('only native-modulus KS-PBS parameters are supported');
  const p: ShortintParameterSet = {
    lweDimension: num('lweDimension'),
    glweDimension: num('glweDimension'),
    polynomialSize: num('polynomialSize'),
    lweNoise: noiseFromJson(o.lweNoise, 'lweNoise'),
    glweNoise: noiseFromJson(o.glweNoise, 'glweNoise'),
    pbsBaseLog: num('pbsBaseLog'),
    pbsLevel: num('pbsLevel'),
    ksBaseLog: num('ksBaseLog'),
    ksLevel: num('ksLevel'),
    messageModulus: num('messageModulus'),
    carryModulus: num('carryModulus'),
    maxNoiseLevel: num('maxNoiseLevel'),
    log2PFail: num('log2PFail'),
    ciphertextModulus: 'native',
    encryptionKeyChoice: 'big',
    modulusSwitch: ms,
  };
  checkShortintParameters(p);
  return p;
}
