/**
 * Serialization in SEAL's own format (SEALHeader + body), compressed with zstd by default, as a
 * compute party receives ciphertexts and evaluation keys. Loading validates in two steps: the
 * 16-byte header is checked here (magic 0xA15E, header size 16, SEAL 4.x, a known compression mode,
 * declared size = byte count) so a truncated or foreign file gets a precise message; SEAL's own
 * load then checks the body against the context (parameters, levels, value ranges). Failures are
 * TypeErrors naming the object and the reason; a failed load leaves nothing allocated.
 */
import type { CkksContext } from './context';
import type { CipherText, PublicKey, RelinKeys, GaloisKeys, SecretKey } from './seal';

export type Compression = 'none' | 'zlib' | 'zstd';

export const SEAL_MAGIC = 0xa15e;
export const SEAL_HEADER_BYTES = 16;
const COMPRESSION_MODES: readonly Compression[] = ['none', 'zlib', 'zstd'];

interface Saveable {
  saveArray(compression?: unknown): Uint8Array;
}

/** SEAL's serialization of any of its objects (ciphertext, keys, plaintext). */
export function save(ctx: CkksContext, obj: Saveable, compression: Compression = 'zstd'): Uint8Array {
  if (!COMPRESSION_MODES.includes(compression)) throw new RangeError(`compression must be one of ${COMPRESSION_MODES.join(', ')}, got ${String(compression)}`);
  return obj.saveArray(ctx.seal.ComprModeType[compression]);
}

export interface SealHeader {
  versionMajor: number;
  versionMinor: number;
  compression: Compression;
  size: number;
}

/** Parses and checks SEAL's header; throws a TypeError naming `what` and the problem. */
export function readSealHeader(bytes: Uint8Array, what: string): SealHeader {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what}: expected bytes (Uint8Array), got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.length < SEAL_HEADER_BYTES) throw new TypeError(`${what}: ${bytes.length} bytes, shorter than SEAL's ${SEAL_HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint16(0, true);
  if (magic !== SEAL_MAGIC) throw new TypeError(`${what}: not a SEAL object (magic 0x${magic.toString(16)}, expected 0x${SEAL_MAGIC.toString(16)})`);
  if (bytes[2] !== SEAL_HEADER_BYTES) throw new TypeError(`${what}: SEAL header size ${bytes[2]}, expected ${SEAL_HEADER_BYTES}`);
  const versionMajor = bytes[3];
  const versionMinor = bytes[4];
  if (versionMajor !== 4) throw new TypeError(`${what}: written by SEAL ${versionMajor}.${versionMinor}; node-seal 6.0.3 reads SEAL 4.x`);
  const mode = bytes[5];
  if (mode >= COMPRESSION_MODES.length) throw new TypeError(`${what}: unknown compression mode ${mode}`);
  const size = Number(view.getBigUint64(8, true));
  if (size !== bytes.length) throw new TypeError(`${what}: header declares ${size} bytes, got ${bytes.length} (truncated or padded)`);
  return { versionMajor, versionMinor, compression: COMPRESSION_MODES[mode], size };
}

interface Loadable {
  loadArray(context: unknown, array: Uint8Array): void;
  delete(): void;
}

function loadInto<T extends Loadable>(ctx: CkksContext, target: T, bytes: Uint8Array, what: string): T {
  readSealHeader(bytes, what);
  try {
    target.loadArray(ctx.context, bytes);
    return target;
  } catch (e) {
    target.delete();
    throw new TypeError(
      `${what}: SEAL rejected it for this context (${ctx.parameters.polyModulusDegree}, ${JSON.stringify(ctx.parameters.coeffModulusBits)}): ${(e as Error).message}`,
    );
  }
}

export interface CiphertextExpectation {
  /** the level the ciphertext must be at */
  level?: number;
  /** the scale it must have (relative tolerance 2^-40) */
  scale?: number;
}

/** A ciphertext from SEAL bytes, checked against the context (and the expectation if given). */
export function loadCiphertext(ctx: CkksContext, bytes: Uint8Array, expect: CiphertextExpectation = {}): CipherText {
  const ct = loadInto(ctx, ctx.seal.CipherText(), bytes, 'ciphertext');
  try {
    if (ct.size !== 2) throw new TypeError(`ciphertext: ${ct.size} components, expected 2 (relinearized)`);
    const level = ctx.levelOf(ct);
    if (expect.level !== undefined && level !== expect.level) throw new TypeError(`ciphertext: at level ${level}, expected ${expect.level}`);
    if (!Number.isFinite(ct.scale) || ct.scale <= 1) throw new TypeError(`ciphertext: invalid scale ${ct.scale}`);
    if (expect.scale !== undefined && Math.abs(ct.scale / expect.scale - 1) > 2 ** -40)
      throw new TypeError(`ciphertext: scale ${ct.scale}, expected ${expect.scale}`);
    return ct;
  } catch (e) {
    ct.delete();
    throw e instanceof TypeError ? e : new TypeError(`ciphertext: ${(e as Error).message}`);
  }
}

export function loadPublicKey(ctx: CkksContext, bytes: Uint8Array): PublicKey {
  return loadInto(ctx, ctx.seal.PublicKey(), bytes, 'public key');
}

export function loadRelinKeys(ctx: CkksContext, bytes: Uint8Array): RelinKeys {
  return loadInto(ctx, ctx.seal.RelinKeys(), bytes, 'relinearization keys');
}

export function loadGaloisKeys(ctx: CkksContext, bytes: Uint8Array): GaloisKeys {
  return loadInto(ctx, ctx.seal.GaloisKeys(), bytes, 'Galois keys');
}

export function loadSecretKey(ctx: CkksContext, bytes: Uint8Array): SecretKey {
  return loadInto(ctx, ctx.seal.SecretKey(), bytes, 'secret key');
}
