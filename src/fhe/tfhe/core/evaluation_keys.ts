/**
 * Evaluation keys (what the server gets; no secret key): the bootstrapping key and the
 * key-switching key, generated on the client from the secret keys with the parameter
 * set's noise distributions and node:crypto's CSPRNG.
 */
import { bootstrapKeySize, generateLweBootstrapKey } from './lwe_bootstrap_key_generation';
import { generateLweKeyswitchKey, keyswitchKeySize } from './lwe_keyswitch_key_generation';
import { CoreParameters, checkCoreParameters } from './parameters';

export interface EvaluationKeys<P extends CoreParameters = CoreParameters> {
  params: P;
  /** n GGSWs, standard domain (see ggsw_encryption.ts for the layout). */
  bootstrapKey: BigUint64Array;
  /** k·N × ks_level LWE ciphertexts of size n+1. */
  keyswitchKey: BigUint64Array;
}

export async function generateEvaluationKeys<P extends CoreParameters>(
  params: P,
  lweKey: BigUint64Array,
  glweKey: BigUint64Array,
  threads?: number,
): Promise<EvaluationKeys<P>> {
  checkCoreParameters(params);
  const bootstrapKey = await generateLweBootstrapKey(params, lweKey, glweKey, threads);
  const keyswitchKey = await generateLweKeyswitchKey(params, glweKey, lweKey, threads);
  return { params, bootstrapKey, keyswitchKey };
}

export function checkEvaluationKeySizes(keys: EvaluationKeys): void {
  const b = bootstrapKeySize(keys.params);
  const k = keyswitchKeySize(keys.params);
  if (keys.bootstrapKey.length !== b) throw new RangeError(`bootstrapping key has ${keys.bootstrapKey.length} words, expected ${b}`);
  if (keys.keyswitchKey.length !== k) throw new RangeError(`key-switching key has ${keys.keyswitchKey.length} words, expected ${k}`);
}
