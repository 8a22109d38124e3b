/**
 * The IDX file format of MNIST and its relatives (LeCun et al.): a 4-byte magic
 * (0, 0, type code, number of dimensions), one big-endian u32 per dimension, then
 * the elements, big-endian, row-major. Files may be gzip-compressed.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { DataFileError } from './errors';
import { writeFileAtomic } from '../util/files';
import { CompressedFormatError, DecompressionLimitError, gunzipCapped } from '../util/capped-inflate';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: IdxData;
}

interface TypeInfo {
  code: number;
  bytes: number;
}

const TYPES: Record<IdxType, TypeInfo> = {
  uint8: { code: 0x08, bytes: 1 },
  int8: { code: 0x09, bytes: 1 },
  int16: { code: 0x0b, bytes: 2 },
  int32: { code: 0x0c, bytes: 4 },
  float32: { code: 0x0d, bytes: 4 },
  float64: { code: 0x0e, bytes: 8 },
};

const TYPE_BY_CODE = new Map<number, IdxType>(Object.entries(TYPES).map(([name, t]) => [t.code, name as IdxType]));

/** Largest element count we accept, to reject absurd headers before allocating. */
const MAX_ELEMENTS = 2 ** 31 - 1;
/**
 * Default cap on an IDX file's (decompressed) size: the canonical MNIST training images
 * are 47 MB; a gzip bomb posing as IDX stops here, or at its header's length if smaller.
 */
export const MAX_IDX_BYTES = 512 * 1024 * 1024;

export interface ReadIdxOptions {
  /** Most bytes the (decompressed) file may hold; default MAX_IDX_BYTES. */
  maxBytes?: number;
}

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Read an IDX file (plain or gzip). Errors name the file and what is wrong with it. */
export function readIdx(file: string, opts: ReadIdxOptions = {}): IdxArray {
  const maxBytes = opts.maxBytes ?? MAX_IDX_BYTES;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  let raw: Buffer;
  try {
    // A plain file is its own size; check it before reading it whole.
    const size = fs.statSync(file).size;
    if (size > maxBytes) throw new DataFileError(file, `${size} bytes is more than the limit of ${maxBytes} (readIdx's maxBytes)`);
    raw = fs.readFileSync(file);
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(file, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`);
  }
  if (!isGzip(raw)) return decodeIdx(raw, file);
  let buf: Buffer;
  try {
    buf = gunzipCapped(raw, file, { maxBytes, sizeFromPrefix: (prefix) => idxByteLength(prefix, file) });
  } catch (err) {
    if (err instanceof DecompressionLimitError || err instanceof CompressedFormatError) throw new DataFileError(file, err.problem);
    throw err;
  }
  return decodeIdx(buf, file);
}

/** Header of IDX bytes: element type, dimensions, and the header's own length. Throws on a bad header; undefined if `buf` is a too-short prefix (with `partial`). */
function readIdxHeader(buf: Uint8Array, name: string, partial = false): { type: IdxType; dims: number[]; count: number; headerBytes: number } | undefined {
  if (buf.length < 4) {
    if (partial) return undefined;
    throw new DataFileError(name, `not an IDX file: ${buf.length} bytes is shorter than the 4-byte magic number`);
  }
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new DataFileError(name, `not an IDX file: magic number starts with 0x${hex(buf[0])}${hex(buf[1])}, expected 0x0000`);
  }
  const type = TYPE_BY_CODE.get(buf[2]);
  if (!type) throw new DataFileError(name, `unknown IDX element type code 0x${hex(buf[2])}`);
  const ndims = buf[3];
  if (ndims === 0) throw new DataFileError(name, 'IDX header declares zero dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) {
    if (partial) return undefined;
    throw new DataFileError(name, `truncated header: ${ndims} dimensions need ${headerBytes} bytes, file has ${buf.length}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
    if (count > MAX_ELEMENTS) throw new DataFileError(name, `IDX header declares dimensions ${dims.join('x')}..., too many elements`);
  }
  return { type, dims, count, headerBytes };
}

/** Total length of an IDX file from its first bytes (undefined: need more bytes). For capped decompression. */
export function idxByteLength(prefix: Uint8Array, name: string): number | undefined {
  const h = readIdxHeader(prefix, name, true);
  return h && h.headerBytes + h.count * TYPES[h.type].bytes;
}

/** Decode IDX bytes (already decompressed). `name` is used in error messages. */
export function decodeIdx(buf: Uint8Array, name = '<buffer>'): IdxArray {
  const { type, dims, count, headerBytes } = readIdxHeader(buf, name) as NonNullable<ReturnType<typeof readIdxHeader>>;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const { bytes } = TYPES[type];
  const expected = headerBytes + count * bytes;
  if (buf.length < expected) {
    throw new DataFileError(name, `truncated: header declares ${dims.join('x')} ${type} (${expected} bytes), file has ${buf.length}`);
  }
  if (buf.length > expected) {
    throw new DataFileError(name, `${buf.length - expected} unexpected trailing bytes after ${dims.join('x')} ${type} data`);
  }
  return { type, dims, data: readElements(view, headerBytes, count, type) };
}

function readElements(view: DataView, offset: number, count: number, type: IdxType): IdxData {
  switch (type) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Encode an array as IDX bytes. */
export function encodeIdx(arr: IdxArray): Buffer {
  const { type, dims, data } = arr;
  const info = TYPES[type];
  if (!info) throw new RangeError(`unknown IDX type ${String(type)}`);
  if (dims.length === 0 || dims.length > 255) throw new RangeError(`IDX needs 1 to 255 dimensions, got ${dims.length}`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`dims ${dims.join('x')} hold ${count} elements but data has ${data.length}`);
  const header = 4 + 4 * dims.length;
  const out = Buffer.alloc(header + count * info.bytes);
  out[2] = info.code;
  out[3] = dims.length;
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < count; i++) {
    const o = header + i * info.bytes;
    const v = data[i];
    switch (type) {
      case 'uint8': view.setUint8(o, v); break;
      case 'int8': view.setInt8(o, v); break;
      case 'int16': view.setInt16(o, v, false); break;
      case 'int32': view.setInt32(o, v, false); break;
      case 'float32': view.setFloat32(o, v, false); break;
      case 'float64': view.setFloat64(o, v, false); break;
    }
  }
  return out;
}

/** Write an IDX file atomically; gzip-compressed when `gzip` is set (or the name ends in .gz). */
export function writeIdx(file: string, arr: IdxArray, opts: { gzip?: boolean } = {}): void {
  const gzip = opts.gzip ?? file.endsWith('.gz');
  const bytes = encodeIdx(arr);
  writeFileAtomic(file, gzip ? zlib.gzipSync(bytes) : bytes);
}

function hex(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, '0');
}
