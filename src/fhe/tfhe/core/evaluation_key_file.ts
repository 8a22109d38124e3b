/**
 * SHA-256 fed in 1 GiB pieces: node's hash takes at most 2^31 − 1 bytes per update, and
 * the keys of the N = 16384 sets are 2.6 GB.
 */
function sha256(bytes: Uint8Array): Buffer {
  const h = createHash('sha256');
  for (let at = 0; at < bytes.length; at += 2 ** 30) h.update(bytes.subarray(at, Math.min(bytes.length, at + 2 ** 30)));
  return h.digest();
}

/**
 * The evaluation-key file, version 1 (all integers little endian):
 *
 *   magic "PLTFHEEK" (8 bytes) · format version u32 · header length u32 · header (UTF-8
 *   JSON: { params, bootstrapKeyWords, keyswitchKeyWords }) · zero padding to a multiple
 *   of 8 · bootstrapping key (u64 words) · key-switching key (u64 words) · SHA-256 of
 *   everything before it (32 bytes).
 *
 * Parsing validates before anything is used: magic, version, lengths, checksum, the
 * parameters (via the caller's check) and that the word counts match them. The file
 * holds no secret key; it is integrity-checked, not authenticated (a checksum, not a
 * signature: NOT a defence against a malicious sender).
 */
import { createHash } from 'node:crypto';
import { EvaluationKeys, checkEvaluationKeySizes } from './evaluation_keys';
import { CoreParameters, checkCoreParameters } from './parameters';
import { bootstrapKeySize } from './lwe_bootstrap_key_generation';
import { keyswitchKeySize } from './lwe_keyswitch_key_generation';

export const EVAL_KEY_MAGIC = 'PLTFHEEK';
export const EVAL_KEY_FORMAT_VERSION = 1;

export class EvaluationKeyFormatError extends Error {
  constructor(message: string) {
    super(`invalid evaluation-key file: ${message}`);
    this.name = 'EvaluationKeyFormatError';
  }
}

export function serializeEvaluationKeys(keys: EvaluationKeys): Uint8Array {
  checkEvaluationKeySizes(keys);
  const header = Buffer.from(
    JSON.stringify({ params: keys.params, bootstrapKeyWords: keys.bootstrapKey.length, keyswitchKeyWords: keys.keyswitchKey.length }),
    'utf8',
  );
  const pre = 16 + header.length;
  const pad = (8 - (pre % 8)) % 8;
  const total = pre + pad + 8 * (keys.bootstrapKey.length + keys.keyswitchKey.length) + 32;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(EVAL_KEY_MAGIC, 'latin1'), 0);
  view.setUint32(8, EVAL_KEY_FORMAT_VERSION, true);
  view.setUint32(12, header.length, true);
  out.set(header, 16);
  let off = pre + pad;
  for (const arr of [keys.bootstrapKey, keys.keyswitchKey]) {
    // The platform is little endian (checked at parse); copy the words as bytes.
    out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), off);
    off += arr.byteLength;
  }
  out.set(sha256(out.subarray(0, off)), off);
  return out;
}

/**
 * Parse and validate. `checkParams` turns the header's params into the caller's
 * parameter type (throwing on anything it does not accept).
 */
export function parseEvaluationKeys<P extends CoreParameters>(bytes: Uint8Array, checkParams: (p: unknown) => P): EvaluationKeys<P> {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new EvaluationKeyFormatError('big-endian hosts are not supported');
  if (bytes.length < 16 + 32) throw new EvaluationKeyFormatError(`file is only ${bytes.length} bytes (truncated or not an evaluation-key file)`);
  const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (magic !== EVAL_KEY_MAGIC) throw new EvaluationKeyFormatError(`bad magic "${magic.replace(/[^\x20-\x7e]/g, '?')}" (not a privlab evaluation-key file)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== EVAL_KEY_FORMAT_VERSION)
    throw new EvaluationKeyFormatError(`unknown format version ${version} (this reader knows ${EVAL_KEY_FORMAT_VERSION})`);
  const headerLen = view.getUint32(12, true);
  if (16 + headerLen + 32 > bytes.length) throw new EvaluationKeyFormatError(`header length ${headerLen} runs past the end of the file (truncated?)`);
  const body = bytes.subarray(0, bytes.length - 32);
  const digest = sha256(body);
  if (!digest.equals(Buffer.from(bytes.subarray(bytes.length - 32)))) throw new EvaluationKeyFormatError('checksum mismatch (file truncated or corrupted)');
  let header: { params?: unknown; bootstrapKeyWords?: unknown; keyswitchKeyWords?: unknown };
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(16, 16 + headerLen)).toString('utf8'));
  } catch (e) {
    throw new EvaluationKeyFormatError(`header is not JSON: ${(e as Error).message}`);
  }
  let params: P;
  try {
    params = checkParams(header.params);
    checkCoreParameters(params);
  } catch (e) {
    throw new EvaluationKeyFormatError(`bad parameters: ${(e as Error).message}`);
  }
  const bWords = bootstrapKeySize(params);
  const kWords = keyswitchKeySize(params);
  if (header.bootstrapKeyWords !== bWords || header.keyswitchKeyWords !== kWords) {
    throw new EvaluationKeyFormatError(
      `key sizes ${String(header.bootstrapKeyWords)}/${String(header.keyswitchKeyWords)} words do not match the parameters (${bWords}/${kWords})`,
    );
  }
  const pre = 16 + headerLen;
  const start = pre + ((8 - (pre % 8)) % 8);
  if (start + 8 * (bWords + kWords) !== body.length)
    throw new EvaluationKeyFormatError(`file is ${bytes.length} bytes, expected ${start + 8 * (bWords + kWords) + 32}`);
  const words = (off: number, count: number): BigUint64Array => {
    const copy = new BigUint64Array(count);
    new Uint8Array(copy.buffer).set(bytes.subarray(off, off + 8 * count));
    return copy;
  };
  return { params, bootstrapKey: words(start, bWords), keyswitchKey: words(start + 8 * bWords, kWords) };
}
