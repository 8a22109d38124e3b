/**
 * Decompression with a byte cap. A few kilobytes of gzip or deflate can expand to
 * gigabytes (a "zip bomb"), so no caller inflates without saying how much it accepts.
 * The cap is enforced while inflating: output beyond it is never held.
 *
 * Formats whose first bytes declare their own length (npy, IDX) pass `sizeFromPrefix`:
 * the cap then tightens to exactly that length as soon as the header is in, so a small
 * header over a huge stream stops after the header's worth of output.
 */
import * as zlib from 'node:zlib';
import { Unzip, UnzipInflate } from 'fflate';

/** A compressed input that cannot be used; `file` names it (and the member, for zip). */
abstract class CompressedInputError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** The stream inflates past what its format or the caller's limit allows. */
export class DecompressionLimitError extends CompressedInputError {
  override name = 'DecompressionLimitError';
}

/** A compressed stream that is not valid gzip / zip. */
export class CompressedFormatError extends CompressedInputError {
  override name = 'CompressedFormatError';
}

export interface CapOptions {
  /** Most decompressed bytes accepted (per archive, for zip). */
  maxBytes: number;
  /**
   * The exact decompressed length, read from the first bytes of the output (a header);
   * undefined while the prefix is too short to tell. Throwing rejects the stream.
   */
  sizeFromPrefix?: (prefix: Uint8Array) => number | undefined;
}

/** Compressed input fed to the inflater per step: bounds one step's output to ~1032x this (deflate's ratio limit). */
const STEP_IN = 16 * 1024;
/** Compressed bytes inflated first to read a header (at most ~1 MB of output). */
const PREFIX_IN = 1024;

function tooLarge(name: string, limit: number, why: string): DecompressionLimitError {
  return new DecompressionLimitError(name, `decompresses to more than ${limit} bytes (${why})`);
}

function checkDeclared(name: string, size: number, maxBytes: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new DecompressionLimitError(name, `header declares an invalid length ${size}`);
  if (size > maxBytes) throw new DecompressionLimitError(name, `header declares ${size} bytes, above the limit of ${maxBytes}`);
  return size;
}

/**
 * Gunzip `gz` holding at most `o.maxBytes` of output (node's zlib, which counts while it
 * inflates). With `sizeFromPrefix`, the first ~1 KB of input is inflated alone to read
 * the header, and the whole stream may then produce exactly that many bytes.
 */
export function gunzipCapped(gz: Uint8Array, name: string, o: CapOptions): Buffer {
  let limit = o.maxBytes;
  let why = `the limit is ${o.maxBytes} bytes`;
  if (o.sizeFromPrefix) {
    let prefix: Buffer | undefined;
    try {
      // Z_SYNC_FLUSH: return what a truncated stream gives instead of failing on its end.
      prefix = zlib.gunzipSync(gz.subarray(0, PREFIX_IN), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      prefix = undefined; // the full inflate below reports what is wrong
    }
    const size = prefix && o.sizeFromPrefix(prefix);
    if (size !== undefined) {
      limit = checkDeclared(name, size, o.maxBytes);
      why = `its header declares ${size} bytes`;
    }
  }
  try {
    return zlib.gunzipSync(gz, { maxOutputLength: Math.max(1, limit) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(name, limit, why);
    throw new CompressedFormatError(name, `corrupt gzip stream (${(e as Error).message})`);
  }
}

/** Collects one member's output, refusing bytes past its cap. */
class CappedMember {
  private readonly chunks: Uint8Array[] = [];
  length = 0;
  limit: number;
  why: string;
  private sized = false;

  constructor(
    private readonly name: string,
    maxBytes: number,
    private readonly sizeFromPrefix?: CapOptions['sizeFromPrefix'],
  ) {
    this.limit = maxBytes;
    this.why = `the limit left is ${maxBytes} bytes`;
  }

  add(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.limit) throw tooLarge(this.name, this.limit, this.why);
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (!this.sized && this.sizeFromPrefix) {
      const size = this.sizeFromPrefix(this.bytes());
      if (size !== undefined) {
        this.sized = true;
        this.limit = checkDeclared(this.name, size, this.limit);
        this.why = `its header declares ${size} bytes`;
        if (this.length > this.limit) throw tooLarge(this.name, this.limit, this.why);
      }
    }
  }

  bytes(): Uint8Array {
    if (this.chunks.length !== 1) {
      const all = new Uint8Array(this.length);
      let at = 0;
      for (const c of this.chunks) {
        all.set(c, at);
        at += c.length;
      }
      this.chunks.splice(0, this.chunks.length, all);
    }
    return this.chunks[0] ?? new Uint8Array(0);
  }
}

export interface UnzipCapOptions extends CapOptions {
  /** Members to inflate (others are skipped without inflating). */
  filter: (member: string) => boolean;
  /** Most members the archive may list. */
  maxMembers: number;
}

/**
 * Unzip the members `o.filter` accepts, at most `o.maxBytes` of output over all of them.
 * The archive is fed in small steps so that a member over its cap stops within one step.
 */
export function unzipCapped(zip: Uint8Array, name: string, o: UnzipCapOptions): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  let budget = o.maxBytes;
  let members = 0;
  let failure: Error | undefined;
  const fail = (e: unknown): void => {
    failure ??= e instanceof Error ? e : new Error(String(e));
  };
  const unzip = new Unzip((file) => {
    if (failure) return;
    if (++members > o.maxMembers) return fail(new DecompressionLimitError(name, `more than ${o.maxMembers} members`));
    if (!o.filter(file.name)) return;
    if (file.name in out) return fail(new CompressedFormatError(name, `member ${file.name} appears twice`));
    if (file.compression !== 0 && file.compression !== 8) {
      return fail(new CompressedFormatError(name, `member ${file.name} uses compression method ${file.compression} (only stored and deflate are read)`));
    }
    const member = new CappedMember(`${name}:${file.name}`, budget, o.sizeFromPrefix);
    file.ondata = (err, chunk, final) => {
      if (failure) return;
      if (err) return fail(new CompressedFormatError(name, `member ${file.name} is corrupt (${err.message})`));
      try {
        member.add(chunk);
      } catch (e) {
        file.terminate();
        return fail(e);
      }
      if (final) {
        out[file.name] = member.bytes();
        budget -= member.length;
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    for (let at = 0; at < zip.length && !failure; at += STEP_IN) {
      unzip.push(zip.subarray(at, Math.min(zip.length, at + STEP_IN)), at + STEP_IN >= zip.length);
    }
  } catch (e) {
    fail(e instanceof DecompressionLimitError ? e : new CompressedFormatError(name, `not a valid zip archive (${(e as Error).message})`));
  }
  if (failure) throw failure;
  if (members === 0) throw new CompressedFormatError(name, 'not a zip archive (no members found)');
  return out;
}
