/**
 * numpy's .npy format (NEP 1): magic "\x93NUMPY", version, a little-endian header
 * length (u16 in v1, u32 in v2/v3), a Python-literal header dict
 * {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }, then the raw data.
 * We read float32/float64 (either byte order) as float64, in C order.
 */
import { DataFileError } from '../data/errors';

export interface NdArray {
  shape: number[];
  /** Row-major (C order) values. */
  data: Float64Array;
  /** The dtype as numpy wrote it, e.g. '<f4'. */
  descr: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function parseHeader(text: string, name: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataFileError(name, `malformed .npy header: ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new DataFileError(name, `malformed .npy shape (${shapeText})`);
      return n;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/** Decode .npy bytes. `name` is used in error messages. */
export function decodeNpy(bytes: Uint8Array, name = '<buffer>'): NdArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataFileError(name, 'not a .npy file (missing the \\x93NUMPY magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataFileError(name, 'truncated .npy header');
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else {
    throw new DataFileError(name, `unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (offset + headerLen > bytes.length) throw new DataFileError(name, 'truncated .npy header');
  const header = parseHeader(Buffer.from(bytes.subarray(offset, offset + headerLen)).toString('latin1'), name);
  const m = /^([<>|=])f([48])$/.exec(header.descr);
  if (!m) throw new DataFileError(name, `unsupported dtype '${header.descr}': expected float32 or float64 ('<f4', '<f8')`);
  const little = m[1] !== '>';
  const size = Number(m[2]);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  const expected = start + count * size;
  if (bytes.length < expected)
    throw new DataFileError(
      name,
      `truncated: shape (${header.shape.join(', ')}) of ${header.descr} needs ${count * size} data bytes, file has ${bytes.length - start}`,
    );
  if (bytes.length > expected) throw new DataFileError(name, `${bytes.length - expected} unexpected trailing bytes`);
  const raw = new Float64Array(count);
  for (let i = 0; i < count; i++) raw[i] = size === 4 ? view.getFloat32(start + 4 * i, little) : view.getFloat64(start + 8 * i, little);
  const data = header.fortran && header.shape.length > 1 ? fortranToC(raw, header.shape) : raw;
  return { shape: header.shape, data, descr: header.descr };
}

function fortranToC(src: Float64Array, shape: number[]): Float64Array {
  const out = new Float64Array(src.length);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < src.length; c++) {
    // idx is the multi-index of C-order position c; its Fortran-order position is:
    let f = 0;
    for (let d = nd - 1; d >= 0; d--) f = f * shape[d] + idx[d];
    out[c] = src[f];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Encode as .npy v1.0, little-endian float32 or float64, C order. */
export function encodeNpy(arr: { shape: number[]; data: ArrayLike<number> }, dtype: 'float32' | 'float64' = 'float64'): Buffer {
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (count !== arr.data.length) throw new RangeError(`shape (${arr.shape.join(', ')}) holds ${count} values, data has ${arr.data.length}`);
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '<f${dtype === 'float32' ? 4 : 8}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so that the data starts on a 64-byte boundary, ending in '\n' (as numpy does).
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const size = dtype === 'float32' ? 4 : 8;
  const out = Buffer.alloc(total + count * size);
  Buffer.from(MAGIC).copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  for (let i = 0; i < count; i++) {
    if (size === 4) out.writeFloatLE(arr.data[i], total + 4 * i);
    else out.writeDoubleLE(arr.data[i], total + 8 * i);
  }
  return out;
}
