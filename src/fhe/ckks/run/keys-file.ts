/**
 * The evaluation-key bundle: public key, relinearization keys and Galois keys (with their steps),
 * never the secret key — the writer takes CkksEvaluationKeys, which has none, and the reader accepts
 * exactly these three entries.
 */
import type { CkksContext } from '../context';
import type { CkksEvaluationKeys } from '../keys';
import type { RelinKeys } from '../seal';
import { checkRotationSteps } from '../keys';
import { save, loadPublicKey, loadRelinKeys, loadGaloisKeys, type Compression } from '../serialization';
import { decodeBundle, encodeBundle } from './bundle';

export const EVALUATION_KEYS_KIND = 'ckks-evaluation-keys';

/** `compression` 'none' for handing keys to worker threads: 2× the bytes, but no 4 s zstd pass. */
export function encodeEvaluationKeys(ctx: CkksContext, keys: CkksEvaluationKeys, compression: Compression = 'zstd'): Uint8Array {
  const entries = [
    { name: 'public-key', bytes: save(ctx, keys.publicKey, compression) },
    { name: 'relin-keys', bytes: save(ctx, keys.relinKeys, compression) },
  ];
  if (keys.galoisKeys) entries.push({ name: 'galois-keys', bytes: save(ctx, keys.galoisKeys, compression) });
  return encodeBundle({ kind: EVALUATION_KEYS_KIND, parameters: ctx.parameters, entries, meta: { galoisSteps: [...keys.galoisSteps] } });
}

/** Loaded evaluation keys, with delete(). */
export interface LoadedEvaluationKeys extends CkksEvaluationKeys {
  delete(): void;
}

export function decodeEvaluationKeys(ctx: CkksContext, bytes: Uint8Array, what = 'evaluation keys'): LoadedEvaluationKeys {
  const b = decodeBundle(bytes, what, { kind: EVALUATION_KEYS_KIND, ctx });
  const names = b.entries.map((e) => e.name);
  const allowed = ['public-key', 'relin-keys', 'galois-keys'];
  const unexpected = names.filter((n) => !allowed.includes(n));
  if (unexpected.length > 0)
    throw new TypeError(`${what}: unexpected entries ${unexpected.join(', ')} (an evaluation-key file holds only ${allowed.join(', ')})`);
  if (new Set(names).size !== names.length || !names.includes('public-key') || !names.includes('relin-keys'))
    throw new TypeError(`${what}: needs one public-key and one relin-keys entry, has ${names.join(', ')}`);
  const steps = b.meta.galoisSteps;
  if (!Array.isArray(steps)) throw new TypeError(`${what}: meta.galoisSteps missing`);
  const galoisSteps = checkRotationSteps(ctx, steps as number[]);
  const entry = (n: string) => b.entries.find((e) => e.name === n)?.bytes;
  const publicKey = loadPublicKey(ctx, entry('public-key') as Uint8Array);
  let relinKeys: RelinKeys | undefined;
  try {
    relinKeys = loadRelinKeys(ctx, entry('relin-keys') as Uint8Array);
    const g = entry('galois-keys');
    const galoisKeys = g ? loadGaloisKeys(ctx, g) : undefined;
    return {
      publicKey,
      relinKeys,
      galoisKeys,
      galoisSteps,
      delete() {
        galoisKeys?.delete();
        relinKeys?.delete();
        publicKey.delete();
      },
    };
  } catch (e) {
    relinKeys?.delete();
    publicKey.delete();
    throw e;
  }
}
