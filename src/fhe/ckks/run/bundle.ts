/**
 * What travels between the data party and the compute party: a bundle file of SEAL objects in SEAL's
 * own format (zstd), with a small header saying what they are and for which parameters.
 *
 *   "PLCKKS1\n" · u32 LE header length · header (UTF-8 JSON) · the objects' bytes, back to back
 *   header = { kind, parameters, entries: [{ name, bytes }], meta }
 *
 * Reading checks the magic, the header's shape, that the entries' sizes add up to the file, and
 * that the parameters are the reader's; each object is then loaded with serialization.ts's checks.
 * Errors are TypeErrors naming the file (or "bundle") and the problem.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../util/files';
import type { CkksParameters } from '../parameters';
import type { CkksContext } from '../context';

export const BUNDLE_MAGIC = 'PLCKKS1\n';

export interface BundleEntry {
  name: string;
  bytes: Uint8Array;
}

export interface Bundle {
  kind: string;
  parameters: CkksParameters;
  entries: BundleEntry[];
  meta: Record<string, unknown>;
}

export function encodeBundle(b: Bundle): Uint8Array {
  const header = Buffer.from(
    JSON.stringify({ kind: b.kind, parameters: b.parameters, entries: b.entries.map((e) => ({ name: e.name, bytes: e.bytes.length })), meta: b.meta }),
    'utf8',
  );
  const out = Buffer.alloc(BUNDLE_MAGIC.length + 4 + header.length + b.entries.reduce((n, e) => n + e.bytes.length, 0));
  out.write(BUNDLE_MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, BUNDLE_MAGIC.length);
  header.copy(out, BUNDLE_MAGIC.length + 4);
  let at = BUNDLE_MAGIC.length + 4 + header.length;
  for (const e of b.entries) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

function sameParameters(a: CkksParameters, b: CkksParameters): boolean {
  return (
    a.polyModulusDegree === b.polyModulusDegree &&
    a.scaleBits === b.scaleBits &&
    a.coeffModulusBits.length === b.coeffModulusBits.length &&
    a.coeffModulusBits.every((v, i) => v === b.coeffModulusBits[i])
  );
}

/** Parses a bundle; with `ctx`, also requires its parameters. `kind` must match when given. */
export function decodeBundle(bytes: Uint8Array, what = 'bundle', expect: { kind?: string; ctx?: CkksContext } = {}): Bundle {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < BUNDLE_MAGIC.length + 4 || buf.toString('latin1', 0, BUNDLE_MAGIC.length) !== BUNDLE_MAGIC)
    throw new TypeError(`${what}: not a privlab CKKS bundle (bad magic)`);
  const headerLength = buf.readUInt32LE(BUNDLE_MAGIC.length);
  const start = BUNDLE_MAGIC.length + 4;
  if (start + headerLength > buf.length) throw new TypeError(`${what}: header of ${headerLength} bytes runs past the end of the file (${buf.length} bytes)`);
  let header: { kind?: unknown; parameters?: unknown; entries?: unknown; meta?: unknown };
  try {
    header = JSON.parse(buf.toString('utf8', start, start + headerLength));
  } catch (e) {
    throw new TypeError(`${what}: header is not JSON (${(e as Error).message})`);
  }
  const p = header.parameters as CkksParameters | undefined;
  if (
    typeof header.kind !== 'string' ||
    !p ||
    !Number.isInteger(p.polyModulusDegree) ||
    !Array.isArray(p.coeffModulusBits) ||
    !Number.isFinite(p.scaleBits) ||
    !Array.isArray(header.entries) ||
    (header.meta !== undefined && (typeof header.meta !== 'object' || header.meta === null))
  )
    throw new TypeError(`${what}: header lacks kind, parameters or entries`);
  if (expect.kind !== undefined && header.kind !== expect.kind) throw new TypeError(`${what}: holds ${header.kind}, expected ${expect.kind}`);
  if (expect.ctx && !sameParameters(p, expect.ctx.parameters))
    throw new TypeError(`${what}: made for parameters ${JSON.stringify(p)}, this context has ${JSON.stringify(expect.ctx.parameters)}`);
  const entries: BundleEntry[] = [];
  let at = start + headerLength;
  for (const e of header.entries as { name?: unknown; bytes?: unknown }[]) {
    if (typeof e?.name !== 'string' || !Number.isInteger(e.bytes) || (e.bytes as number) < 0)
      throw new TypeError(`${what}: malformed entry ${JSON.stringify(e)}`);
    const n = e.bytes as number;
    if (at + n > buf.length) throw new TypeError(`${what}: entry ${e.name} (${n} bytes) runs past the end of the file (truncated?)`);
    entries.push({ name: e.name, bytes: new Uint8Array(buf.buffer, buf.byteOffset + at, n) });
    at += n;
  }
  if (at !== buf.length) throw new TypeError(`${what}: ${buf.length - at} bytes after the last entry`);
  return { kind: header.kind, parameters: p, entries, meta: (header.meta ?? {}) as Record<string, unknown> };
}

export function writeBundle(file: string, b: Bundle): void {
  writeFileAtomic(file, encodeBundle(b));
}

/** A file's bytes; a TypeError naming the file if it cannot be read. */
export function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TypeError(`${file}: cannot read (${(e as Error).message})`);
  }
}

export function readBundle(file: string, expect: { kind?: string; ctx?: CkksContext } = {}): Bundle {
  return decodeBundle(readBytes(file), file, expect);
}
