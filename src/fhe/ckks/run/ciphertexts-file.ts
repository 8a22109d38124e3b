/** A bundle of named ciphertexts (a training set, a model) with metadata. */
import type { CkksContext } from '../context';
import type { CipherText } from '../seal';
import { save, loadCiphertext } from '../serialization';
import { decodeBundle, encodeBundle } from './bundle';

export function encodeCiphertexts(ctx: CkksContext, kind: string, cts: { name: string; ct: CipherText }[], meta: Record<string, unknown> = {}): Uint8Array {
  return encodeBundle({ kind, parameters: ctx.parameters, entries: cts.map((c) => ({ name: c.name, bytes: save(ctx, c.ct) })), meta });
}

/** The ciphertexts (caller owns them) and the metadata. */
export function decodeCiphertexts(
  ctx: CkksContext,
  bytes: Uint8Array,
  kind: string,
  what = kind,
): { cts: Map<string, CipherText>; meta: Record<string, unknown> } {
  const b = decodeBundle(bytes, what, { kind, ctx });
  const cts = new Map<string, CipherText>();
  try {
    for (const e of b.entries) {
      if (cts.has(e.name)) throw new TypeError(`${what}: entry ${e.name} appears twice`);
      try {
        cts.set(e.name, loadCiphertext(ctx, e.bytes));
      } catch (err) {
        throw new TypeError(`${what}: entry ${e.name}: ${(err as Error).message}`);
      }
    }
    return { cts, meta: b.meta };
  } catch (e) {
    for (const c of cts.values()) c.delete();
    throw e;
  }
}
