/**
 * Exercise 06 (encrypt with tfhe, a lookup table on the server, decrypt: what the server sees):
 * the setup the notebook walks through and the checks.
 *
 * The client makes a tfhe client key (the smallest KS-PBS set that holds the exercise's 3-bit
 * messages), encrypts with tfhe, and makes the evaluation keys (bootstrapping + key switching) that
 * go to the server. The server (src/fhe/tfhe/shortint/server.ts) holds only those and applies a
 * lookup table to ciphertexts it cannot read. The checks decrypt with tfhe themselves, so a
 * student's decrypt is tested against tfhe and a student's encrypt is read by tfhe, not by each other.
 */
import * as tfhe from 'node-tfhe';
import { decodeCiphertext, encodeCiphertext, ShortintCiphertext } from '../../fhe/tfhe/shortint/ciphertext';
import { generateShortintEvaluationKeys, ShortintEvaluationKeys } from '../../fhe/tfhe/shortint/evaluation_keys';
import { defaultParameterSetName, tfheParameters } from '../../fhe/tfhe/shortint/parameters';
import { ShortintServer } from '../../fhe/tfhe/shortint/server';
import { CheckResult, failed, passed, runCheck } from '../check-result';

/** The client side: what the student holds. */
export interface TfheExercise {
  clientKey: tfhe.ShortintClientKey;
  /** What goes to the server: parameters, bootstrapping key, key-switching key. No secret key. */
  evaluationKeys: ShortintEvaluationKeys;
  server: ShortintServer;
  /** Messages are 0 … messageModulus − 1. */
  messageModulus: number;
}

/** Message bits of the exercise: 3 (messages 0..7), the N = 1024 set; key generation about 1.5 s. */
export const TFHE_EXERCISE_BITS = 3;

/** A fresh client key (tfhe, from its CSPRNG) and the evaluation keys made from it; the server built from those only. */
export async function tfheExercise(bits = TFHE_EXERCISE_BITS): Promise<TfheExercise> {
  const clientKey = tfhe.Shortint.new_client_key(tfheParameters(defaultParameterSetName(bits)));
  const evaluationKeys = await generateShortintEvaluationKeys(tfhe.Shortint.serialize_client_key(clientKey));
  return { clientKey, evaluationKeys, server: ShortintServer.fromKeys(evaluationKeys), messageModulus: evaluationKeys.params.messageModulus };
}

/** Client: message → the bytes sent to the server (tfhe's serialized ciphertext). */
export type EncryptInputFn = (clientKey: tfhe.ShortintClientKey, m: number) => Uint8Array;
/** Client: bytes from the server → message. */
export type DecryptOutputFn = (clientKey: tfhe.ShortintClientKey, bytes: Uint8Array) => number;
/** The lookup table of f over the messages 0 … p − 1, each entry a message (mod p). */
export type TableOfFn = (f: (m: number) => number, p: number) => number[];

/** Encrypt with tfhe directly (the check's own path). */
function tfheEncrypt(ex: TfheExercise, m: number): ShortintCiphertext {
  return decodeCiphertext(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ex.clientKey, BigInt(m))), ex.evaluationKeys.params);
}

/** Decrypt with tfhe directly (the check's own path). */
function tfheDecrypt(ex: TfheExercise, bytes: Uint8Array): number {
  return Number(tfhe.Shortint.decrypt(ex.clientKey, tfhe.Shortint.deserialize_ciphertext(bytes)));
}

/** The server's round: decode the bytes, apply the table, encode. */
export async function serverApply(ex: TfheExercise, inputs: Uint8Array[], table: number[]): Promise<Uint8Array[]> {
  const out = await ex.server.applyLookupTable(
    inputs.map((b) => ex.server.decode(b)),
    table,
  );
  return out.map((c) => encodeCiphertext(c));
}

/** Leading 64-bit words of a ciphertext's mask (what the server sees of it), as hex. */
export function maskPreview(bytes: Uint8Array, params: ShortintEvaluationKeys['params'], words = 3): string[] {
  return Array.from(decodeCiphertext(bytes, params).lwe.slice(0, words), (w) => w.toString(16).padStart(16, '0'));
}

/** tfhe-client: the student's encrypt read by tfhe, the student's decrypt against tfhe, fresh randomness per encryption. */
export function checkTfheClient(encryptInput: EncryptInputFn, decryptOutput: DecryptOutputFn, ex: TfheExercise): Promise<CheckResult> {
  const id = 'tfhe-client';
  return runCheck(id, async () => {
    const p = ex.messageModulus;
    for (let m = 0; m < p; m++) {
      const bytes = encryptInput(ex.clientKey, m);
      if (!(bytes instanceof Uint8Array))
        return failed(
          id,
          `encryptInput(${m}) returned ${typeof bytes}, not the Uint8Array sent to the server`,
          'Serialize the ciphertext with tfhe.Shortint.serialize_ciphertext.',
        );
      let readBack: number;
      try {
        ex.server.decode(bytes);
        readBack = tfheDecrypt(ex, bytes);
      } catch (err) {
        return failed(
          id,
          `encryptInput(${m}) returned bytes that are not a tfhe ciphertext of these parameters: ${(err as Error).message}`,
          'Encrypt with tfhe.Shortint.encrypt, then serialize it.',
        );
      }
      if (readBack !== m) return failed(id, `encryptInput(${m}) encrypts ${readBack} (tfhe decrypts it so)`, 'Encrypt the message itself, as a BigInt.');
    }
    const a = encryptInput(ex.clientKey, 5 % p);
    const b = encryptInput(ex.clientKey, 5 % p);
    if (Buffer.from(a).equals(Buffer.from(b)))
      return failed(
        id,
        'two encryptions of the same message are identical: the server could tell equal inputs apart',
        'Encrypt afresh each time (tfhe draws new randomness per encryption); do not cache ciphertexts.',
      );
    const sameWords = maskPreview(a, ex.evaluationKeys.params, 8).filter((w, i) => w === maskPreview(b, ex.evaluationKeys.params, 8)[i]).length;
    for (let m = 0; m < p; m++) {
      const got = decryptOutput(ex.clientKey, encodeCiphertext(tfheEncrypt(ex, m)));
      if (got !== m)
        return failed(
          id,
          `decryptOutput of a tfhe encryption of ${m} gave ${String(got)}`,
          'Deserialize with tfhe.Shortint.deserialize_ciphertext, decrypt, and convert the BigInt to a number.',
        );
    }
    const roundTrip = await serverApply(
      ex,
      [encryptInput(ex.clientKey, 3 % p)],
      Array.from({ length: p }, (_, m) => m),
    );
    const back = decryptOutput(ex.clientKey, roundTrip[0]);
    if (back !== 3 % p) return failed(id, `encrypt 3 → server identity table → your decrypt gave ${back}`);
    const keyFields = Object.keys(ex.evaluationKeys).sort().join(', ');
    return passed(
      id,
      `tfhe reads every message 0..${p - 1} you encrypt and your decrypt agrees with tfhe; two encryptions of ${5 % p} share ${sameWords} of their first 8 mask words; ` +
        `the server holds ${keyFields} (no secret key) and returned 3 through an identity table.`,
    );
  });
}

/** tfhe-table: the student's table against f mod p, then the table run on the server over every encrypted message. */
export function checkTfheTable(tableOf: TableOfFn, f: (m: number) => number, ex: TfheExercise): Promise<CheckResult> {
  const id = 'tfhe-table';
  return runCheck(id, async () => {
    const p = ex.messageModulus;
    const want = Array.from({ length: p }, (_, m) => ((f(m) % p) + p) % p);
    const got = tableOf(f, p);
    if (!Array.isArray(got)) return failed(id, `tableOf returned ${typeof got}, not an array`);
    if (got.length !== p)
      return failed(
        id,
        `the table has ${got.length} entries; the server needs one per message: ${p} (messages 0..${p - 1})`,
        'Index m of the table is the output for input m, from 0 to p − 1.',
      );
    const raw = Array.from({ length: p }, (_, m) => f(m));
    if (got.some((v, m) => v !== want[m] && v === raw[m]))
      return failed(
        id,
        `entries such as f(${raw.findIndex((v, m) => v !== want[m])}) = ${raw.find((v, m) => v !== want[m])} are not messages: the ciphertext holds only 0..${p - 1}`,
        'Reduce each entry modulo p (messages wrap around).',
      );
    if (got.every((v, m) => v === ((f(m + 1) % p) + p) % p)) return failed(id, 'your table is shifted by one: entry m holds f(m + 1)', 'Entry 0 is f(0).');
    const bad = got.findIndex((v, m) => v !== want[m]);
    if (bad >= 0) return failed(id, `entry ${bad} is ${got[bad]}, f(${bad}) mod ${p} is ${want[bad]}`);
    const inputs = Array.from({ length: p }, (_, m) => encodeCiphertext(tfheEncrypt(ex, m)));
    const outputs = await serverApply(ex, inputs, got);
    const decrypted = outputs.map((b) => tfheDecrypt(ex, b));
    const wrong = decrypted.findIndex((v, m) => v !== want[m]);
    if (wrong >= 0) return failed(id, `the server's lookup on an encryption of ${wrong} decrypts to ${decrypted[wrong]}, expected ${want[wrong]}`);
    return passed(
      id,
      `your table is f mod ${p}; the server applied it to encryptions of 0..${p - 1} without the secret key and tfhe decrypts [${decrypted.join(', ')}].`,
    );
  });
}
