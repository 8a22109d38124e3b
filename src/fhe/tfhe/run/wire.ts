/**
 * A batch of tfhe ciphertexts on the wire (client ↔ server), all integers little endian:
 *
 *   magic "PLCTBAT1" · ciphertexts u32 · per ciphertext: byte length u32, then tfhe's own
 *   serialization (Shortint.serialize_ciphertext)
 *
 * Each ciphertext stays tfhe's format, so either end can hand it to tfhe. Parsing checks
 * every length before reading and decodes each ciphertext against the expected
 * parameter set (size, moduli, atomic pattern).
 */
import { ShortintCiphertext, decodeCiphertext, encodeCiphertext } from '../shortint/ciphertext';
import { ShortintParameterSet } from '../shortint/parameters';

export const BATCH_MAGIC = 'PLCTBAT1';

export class BatchFormatError extends Error {
  constructor(message: string) {
    super(`invalid ciphertext batch: ${message}`);
    this.name = 'BatchFormatError';
  }
}

export function packBatch(items: readonly Uint8Array[]): Uint8Array {
  const total = 12 + items.reduce((s, b) => s + 4 + b.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(BATCH_MAGIC, 'latin1'), 0);
  view.setUint32(8, items.length, true);
  let off = 12;
  for (const b of items) {
    view.setUint32(off, b.length, true);
    out.set(b, off + 4);
    off += 4 + b.length;
  }
  return out;
}

/** Split a batch into its serialized ciphertexts; `maxCount` bounds the work before any is parsed. */
export function unpackBatch(bytes: Uint8Array, maxCount: number): Uint8Array[] {
  if (bytes.length < 12) throw new BatchFormatError(`${bytes.length} bytes is shorter than the header`);
  const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (magic !== BATCH_MAGIC) throw new BatchFormatError(`bad magic "${magic.replace(/[^\x20-\x7e]/g, '?')}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(8, true);
  if (count === 0 || count > maxCount) throw new BatchFormatError(`${count} ciphertexts (expected 1 to ${maxCount})`);
  const out: Uint8Array[] = [];
  let off = 12;
  for (let i = 0; i < count; i++) {
    if (off + 4 > bytes.length) throw new BatchFormatError(`truncated at ciphertext ${i}`);
    const len = view.getUint32(off, true);
    if (off + 4 + len > bytes.length) throw new BatchFormatError(`ciphertext ${i} claims ${len} bytes, ${bytes.length - off - 4} left`);
    out.push(bytes.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  if (off !== bytes.length) throw new BatchFormatError(`${bytes.length - off} trailing bytes`);
  return out;
}

/** Decode a batch into flat big-key LWEs for `params` (count × (k·N+1) words). */
export function decodeBatch(bytes: Uint8Array, params: ShortintParameterSet, maxCount: number): { lwes: BigUint64Array; count: number } {
  const items = unpackBatch(bytes, maxCount);
  let cts: ShortintCiphertext[];
  try {
    cts = items.map((b) => decodeCiphertext(b, params));
  } catch (e) {
    throw new BatchFormatError((e as Error).message);
  }
  const size = cts[0].lwe.length;
  const lwes = new BigUint64Array(cts.length * size);
  cts.forEach((ct, i) => lwes.set(ct.lwe, i * size));
  return { lwes, count: cts.length };
}

/** Flat big-key LWEs → a batch of tfhe ciphertexts (degree: the largest message they may hold). */
export function encodeBatch(lwes: BigUint64Array, params: ShortintParameterSet, degree: number): Uint8Array {
  const size = params.glweDimension * params.polynomialSize + 1;
  const items: Uint8Array[] = [];
  for (let i = 0; i < lwes.length / size; i++) {
    items.push(
      encodeCiphertext({
        lwe: lwes.subarray(i * size, (i + 1) * size),
        degree,
        noiseLevel: 1,
        messageModulus: params.messageModulus,
        carryModulus: params.carryModulus,
      }),
    );
  }
  return packBatch(items);
}
