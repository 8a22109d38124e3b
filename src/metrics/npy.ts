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

/** numpy's own reader refuses longer headers (np.load's max_header_size); so do we. */
export const MAX_NPY_HEADER_BYTES = 10000;
/** numpy 2's NPY_MAXDIMS. */
const MAX_RANK = 64;

/** What a .npy header declares, checked. */
export interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  /** Bytes before the data. */
  dataStart: number;
  /** Bytes per element (4 or 8). */
  itemSize: number;
  /** Elements: the product of the shape. */
  count: number;
}

/**
 * The header dict as numpy writes it, read as a strict Python literal:
 * {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } — the three keys once each,
 * in any order, an optional trailing comma, then space padding and a newline. A shape is
 * a tuple of plain decimal integers: "()", "(3,)", "(2, 3)"; "(3)" (an int, not a tuple),
 * "(1e3,)", "(0x10,)", "(-1,)", "(2,,3)" and "(03,)" are not shapes.
 */
function parseHeader(text: string, name: string): { descr: string; fortran: boolean; shape: number[] } {
  const bad = (why: string): never => {
    throw new DataFileError(name, `malformed .npy header (${why}): ${JSON.stringify(text.trim().slice(0, 200))}`);
  };
  let pos = 0;
  const ws = (): void => {
    while (pos < text.length && ' \t\r\n'.includes(text[pos])) pos++;
  };
  const eat = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m) pos += m[0].length;
    return m;
  };
  const fields = new Map<string, unknown>();
  ws();
  if (!eat(/\{/y)) bad('expected "{"');
  for (;;) {
    ws();
    if (eat(/\}/y)) break;
    const key = eat(/'([a-z_]+)'|"([a-z_]+)"/y);
    if (!key) bad(`expected a quoted key at ${pos}`);
    const k = key![1] ?? key![2];
    if (fields.has(k)) bad(`key '${k}' appears twice`);
    ws();
    if (!eat(/:/y)) bad(`expected ":" after '${k}'`);
    ws();
    if (k === 'descr') {
      const m = eat(/'([^'\\]{1,32})'|"([^"\\]{1,32})"/y);
      if (!m) bad('descr must be a quoted dtype string');
      fields.set(k, m![1] ?? m![2]);
    } else if (k === 'fortran_order') {
      const m = eat(/True|False/y);
      if (!m) bad('fortran_order must be True or False');
      fields.set(k, m![0] === 'True');
    } else if (k === 'shape') {
      const m = eat(/\(\s*\)|\(\s*(?:0|[1-9]\d{0,15})L?\s*,\s*\)|\(\s*(?:0|[1-9]\d{0,15})L?(?:\s*,\s*(?:0|[1-9]\d{0,15})L?)+\s*,?\s*\)/y);
      if (!m) bad('shape must be a tuple of non-negative decimal integers, e.g. (3,) or (2, 3)');
      const dims = m![0].match(/\d+/g) ?? [];
      if (dims.length > MAX_RANK) bad(`${dims.length} dimensions, more than ${MAX_RANK}`);
      fields.set(k, dims.map(Number));
    } else {
      bad(`unexpected key '${k}'`);
    }
    ws();
    if (eat(/\}/y)) break;
    if (!eat(/,/y)) bad(`expected "," or "}" at ${pos}`);
  }
  if (!/^[ \t\r\n]*$/.test(text.slice(pos))) bad('unexpected text after the dict');
  const descr = fields.get('descr') as string | undefined;
  const fortran = fields.get('fortran_order') as boolean | undefined;
  const shape = fields.get('shape') as number[] | undefined;
  if (descr === undefined || fortran === undefined || shape === undefined) bad('needs descr, fortran_order and shape');
  return { descr: descr!, fortran: fortran!, shape: shape! };
}

/**
 * Read and check the header of .npy bytes. With `partial`, bytes may be a prefix of the
 * file: undefined means the header is not complete yet.
 */
export function readNpyHeader(bytes: Uint8Array, name: string, partial = false): NpyHeader | undefined {
  const need = (n: number, what: string): boolean => {
    if (bytes.length >= n) return true;
    if (partial) return false;
    throw new DataFileError(name, what);
  };
  if (!need(MAGIC.length, 'not a .npy file (missing the \\x93NUMPY magic)')) return undefined;
  if (MAGIC.some((b, i) => bytes[i] !== b)) throw new DataFileError(name, 'not a .npy file (missing the \\x93NUMPY magic)');
  if (!need(10, 'truncated .npy header')) return undefined;
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (!need(12, 'truncated .npy header')) return undefined;
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else {
    throw new DataFileError(name, `unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (headerLen > MAX_NPY_HEADER_BYTES) throw new DataFileError(name, `.npy header of ${headerLen} bytes is longer than ${MAX_NPY_HEADER_BYTES}`);
  if (!need(offset + headerLen, 'truncated .npy header')) return undefined;
  const header = parseHeader(Buffer.from(bytes.subarray(offset, offset + headerLen)).toString(major === 3 ? 'utf8' : 'latin1'), name);
  const m = /^([<>|=])f([48])$/.exec(header.descr);
  if (!m) throw new DataFileError(name, `unsupported dtype '${header.descr}': expected float32 or float64 ('<f4', '<f8')`);
  const itemSize = Number(m[2]);
  let count = 1;
  for (const d of header.shape) {
    count *= d;
    // Past the safe integers the product is not exact; no file that big can be read anyway.
    if (count > Number.MAX_SAFE_INTEGER / 8) throw new DataFileError(name, `shape (${header.shape.join(', ')}) has too many elements`);
  }
  return { ...header, dataStart: offset + headerLen, itemSize, count };
}

/** Total length of a .npy file from its first bytes (undefined: need more bytes). For capped decompression. */
export function npyByteLength(prefix: Uint8Array, name: string): number | undefined {
  const h = readNpyHeader(prefix, name, true);
  return h && h.dataStart + h.count * h.itemSize;
}

/** Decode .npy bytes. `name` is used in error messages. */
export function decodeNpy(bytes: Uint8Array, name = '<buffer>'): NdArray {
  const header = readNpyHeader(bytes, name) as NpyHeader;
  const little = header.descr[0] !== '>';
  const { itemSize: size, count, dataStart: start } = header;
  const expected = start + count * size;
  if (bytes.length < expected)
    throw new DataFileError(
      name,
      `truncated: shape (${header.shape.join(', ')}) of ${header.descr} needs ${count * size} data bytes, file has ${bytes.length - start}`,
    );
  if (bytes.length > expected) throw new DataFileError(name, `${bytes.length - expected} unexpected trailing bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
