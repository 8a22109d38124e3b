/**
 * A reader of R's serialized data files (`.rda` / `.RData`, as written by R's save()):
 * enough of the format for data frames of numeric columns and factors.
 *
 * Layout (R Internals, "Serialization Formats"): the file may be gzip, bzip2 or xz
 * compressed; inside, "RDX2\n" or "RDX3\n", then "X\n" (XDR: big-endian binary), the
 * format version, R's version and the oldest version that reads it (version 3 adds the
 * native encoding's name). Then one item: a pairlist of (symbol tag, value) — the saved
 * objects. Each item starts with a 32-bit flags word: type in bits 0-7, "is object" bit 8,
 * "has attributes" bit 9, "has tag" bit 10, general-purpose levels from bit 12. Symbols
 * enter a reference table, later items may point back into it (REFSXP).
 *
 * Untrusted input: every declared length is checked against the bytes left before
 * anything is allocated (a vector of n doubles needs 8n bytes, a string or list element
 * at least 4), the decompressed size is capped and nesting is bounded, so a crafted file
 * cannot make the reader allocate more than a small multiple of its own size.
 * gzip and bzip2 are read (node's zlib, seek-bzip); xz is refused with a clear error.
 */
import * as fs from 'node:fs';
import { DataFileError } from './errors';
import { gunzipCapped } from '../util/capped-inflate';
import { bunzip2Capped, isBzip2 } from '../util/capped-bunzip';

/** A value read from an R file. Attributes (names, class, levels, row.names …) by name. */
export type RValue =
  | { type: 'NULL' }
  | { type: 'symbol'; name: string }
  | { type: 'logical' | 'integer'; data: Int32Array; attributes: RAttributes }
  | { type: 'double'; data: Float64Array; attributes: RAttributes }
  | { type: 'character'; data: (string | null)[]; attributes: RAttributes }
  | { type: 'list'; items: RValue[]; attributes: RAttributes }
  | { type: 'pairlist'; entries: { tag: string | null; value: RValue }[]; attributes: RAttributes };

export type RAttributes = Map<string, RValue>;

/** R's NA for integers and factor codes. */
export const R_NA_INTEGER = -2147483648;

/** Default cap on the decompressed stream: 256 MB, far above any data set here (Spambase: 2.2 MB). */
export const RDA_MAX_BYTES = 256 * 1024 * 1024;
/** Nesting depth of items (attributes of attributes …); R's own data is a few levels deep. */
const MAX_DEPTH = 64;

// SEXP types (R Internals) and the serializer's special codes.
const NILSXP = 0;
const SYMSXP = 1;
const LISTSXP = 2;
const CHARSXP = 9;
const LGLSXP = 10;
const INTSXP = 13;
const REALSXP = 14;
const STRSXP = 16;
const VECSXP = 19;
const ALTREP_SXP = 238;
const EMPTYENV_SXP = 242;
const BASEENV_SXP = 241;
const GLOBALENV_SXP = 253;
const NILVALUE_SXP = 254;
const REFSXP = 255;

const TYPE_NAMES: Record<number, string> = {
  3: 'closure',
  4: 'environment',
  5: 'promise',
  6: 'language',
  7: 'special',
  8: 'builtin',
  15: 'complex',
  17: 'dots',
  20: 'expression',
  21: 'bytecode',
  22: 'external pointer',
  23: 'weak reference',
  24: 'raw',
  25: 'S4 object',
};

class Reader {
  private pos = 0;
  private readonly refs: RValue[] = [];
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(problem: string): never {
    throw new DataFileError(this.file, `R data: ${problem} (at byte ${this.pos} of ${this.bytes.length} decompressed)`);
  }

  get left(): number {
    return this.bytes.length - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.left) this.fail(`truncated: ${what} needs ${n} bytes, ${this.left} left`);
  }

  int(): number {
    this.need(4, 'an integer');
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  raw(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A vector length (R's long vectors: -1 then two ints), checked against the bytes left at `minBytes` each. */
  length(minBytes: number, what: string): number {
    let n = this.int();
    if (n === -1) {
      const hi = this.int();
      const lo = this.int();
      n = hi * 2 ** 32 + (lo >>> 0);
    }
    if (n < 0) this.fail(`${what} has negative length ${n}`);
    if (n * minBytes > this.left) this.fail(`${what} declares ${n} elements (≥ ${n * minBytes} bytes), only ${this.left} bytes left`);
    return n;
  }

  header(): void {
    const magic = new TextDecoder('latin1').decode(this.raw(5, 'the RDX header'));
    if (magic !== 'RDX2\n' && magic !== 'RDX3\n') this.fail(`not an R data file: starts with ${JSON.stringify(magic)}, expected "RDX2\\n" or "RDX3\\n"`);
    const format = new TextDecoder('latin1').decode(this.raw(2, 'the format line'));
    if (format !== 'X\n') this.fail(`serialization format ${JSON.stringify(format)} is not supported (only XDR binary, "X\\n"; ASCII and native-binary saves are not)`);
    const version = this.int();
    this.int(); // R version that wrote it
    this.int(); // oldest R version that reads it
    if (version === 3) {
      const n = this.int();
      if (n < 0 || n > 64) this.fail(`native encoding name of length ${n}`);
      this.raw(n, 'the native encoding');
    } else if (version !== 2) this.fail(`serialization version ${version} is not supported (2 or 3)`);
  }

  string(flags: number): string | null {
    const n = this.int();
    if (n === -1) return null; // NA_character_
    if (n < 0) this.fail(`string of length ${n}`);
    const bytes = this.raw(n, 'a string');
    // levels bit 3 = UTF-8, bit 6 = ASCII; LATIN1 (bit 2) decodes as such; "native" is taken as UTF-8.
    const latin1 = ((flags >> 12) & 4) !== 0;
    return new TextDecoder(latin1 ? 'latin1' : 'utf-8').decode(bytes);
  }

  attributes(hasAttr: boolean, depth: number): RAttributes {
    const out: RAttributes = new Map();
    if (!hasAttr) return out;
    const list = this.item(depth + 1);
    if (list.type !== 'pairlist') this.fail(`attributes must be a pairlist, got ${list.type}`);
    for (const e of list.entries) {
      if (e.tag === null) this.fail('an attribute has no name');
      out.set(e.tag, e.value);
    }
    return out;
  }

  item(depth = 0): RValue {
    if (depth > MAX_DEPTH) this.fail(`items nested more than ${MAX_DEPTH} deep`);
    const flags = this.int();
    const type = flags & 0xff;
    const hasAttr = (flags & (1 << 9)) !== 0;
    const hasTag = (flags & (1 << 10)) !== 0;
    switch (type) {
      case NILVALUE_SXP:
      case NILSXP:
      case EMPTYENV_SXP:
      case BASEENV_SXP:
      case GLOBALENV_SXP:
        return { type: 'NULL' };
      case REFSXP: {
        let index = flags >>> 8;
        if (index === 0) index = this.int();
        const v = this.refs[index - 1];
        if (!v) this.fail(`reference ${index} to an item not read yet (${this.refs.length} known)`);
        return v;
      }
      case SYMSXP: {
        const pflags = this.int();
        if ((pflags & 0xff) !== CHARSXP) this.fail(`a symbol's name must be a string, got type ${pflags & 0xff}`);
        const name = this.string(pflags);
        const sym: RValue = { type: 'symbol', name: name ?? 'NA' };
        this.refs.push(sym);
        return sym;
      }
      case LISTSXP:
        return this.pairlist(flags, hasAttr, hasTag, depth);
      case LGLSXP:
      case INTSXP: {
        const n = this.length(4, 'an integer vector');
        const data = new Int32Array(n);
        for (let i = 0; i < n; i++) data[i] = this.int();
        return { type: type === LGLSXP ? 'logical' : 'integer', data, attributes: this.attributes(hasAttr, depth) };
      }
      case REALSXP: {
        const n = this.length(8, 'a double vector');
        const data = new Float64Array(n);
        for (let i = 0; i < n; i++, this.pos += 8) data[i] = this.view.getFloat64(this.pos);
        return { type: 'double', data, attributes: this.attributes(hasAttr, depth) };
      }
      case STRSXP: {
        const n = this.length(8, 'a character vector'); // each element: flags + length at least
        const data: (string | null)[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const f = this.int();
          if ((f & 0xff) !== CHARSXP) this.fail(`element ${i} of a character vector has type ${f & 0xff}`);
          data[i] = this.string(f);
        }
        return { type: 'character', data, attributes: this.attributes(hasAttr, depth) };
      }
      case VECSXP: {
        const n = this.length(4, 'a list');
        const items: RValue[] = [];
        for (let i = 0; i < n; i++) items.push(this.item(depth + 1));
        return { type: 'list', items, attributes: this.attributes(hasAttr, depth) };
      }
      case ALTREP_SXP:
        return this.altrep(depth);
      default:
        this.fail(`R objects of type ${TYPE_NAMES[type] ?? type} are not supported (data frames of numbers, strings and factors are)`);
    }
  }

  /** A pairlist; its CDR chain is read in a loop, not by recursion (long lists stay flat). */
  pairlist(flags: number, hasAttr: boolean, hasTag: boolean, depth: number): RValue {
    const entries: { tag: string | null; value: RValue }[] = [];
    const attributes = this.attributes(hasAttr, depth);
    let f = flags;
    let tagged = hasTag;
    for (;;) {
      let tag: string | null = null;
      if (tagged) {
        const t = this.item(depth + 1);
        if (t.type !== 'symbol') this.fail(`a pairlist tag must be a symbol, got ${t.type}`);
        tag = t.name;
      }
      entries.push({ tag, value: this.item(depth + 1) });
      f = this.int();
      const type = f & 0xff;
      if (type === NILVALUE_SXP || type === NILSXP) break;
      if (type !== LISTSXP) this.fail(`a pairlist continues with type ${type}`);
      if ((f & (1 << 9)) !== 0) this.attributes(true, depth); // attributes on an inner cell: read, dropped
      tagged = (f & (1 << 10)) !== 0;
    }
    return { type: 'pairlist', entries, attributes };
  }

  /**
   * ALTREP (version 3): R's compact sequences, as row names 1:n are often saved. Only
   * compact_intseq / compact_realseq are expanded (state: length, start, step).
   */
  altrep(depth: number): RValue {
    const info = this.item(depth + 1);
    const state = this.item(depth + 1);
    const attrList = this.item(depth + 1);
    const cls = info.type === 'pairlist' && info.entries[0]?.value.type === 'symbol' ? info.entries[0].value.name : '?';
    if ((cls !== 'compact_intseq' && cls !== 'compact_realseq') || state.type !== 'double' || state.data.length !== 3)
      this.fail(`ALTREP class ${cls} is not supported (compact sequences are)`);
    const [n, start, step] = state.data;
    if (!Number.isSafeInteger(n) || n < 0 || n > this.bytes.length) this.fail(`compact sequence of length ${n}`);
    const attributes: RAttributes = new Map();
    if (attrList.type === 'pairlist') for (const e of attrList.entries) if (e.tag) attributes.set(e.tag, e.value);
    if (cls === 'compact_intseq') return { type: 'integer', data: Int32Array.from({ length: n }, (_, i) => start + i * step), attributes };
    return { type: 'double', data: Float64Array.from({ length: n }, (_, i) => start + i * step), attributes };
  }
}

/** Decompress as the first bytes say: gzip, bzip2, or none; xz is refused by name. */
export function decompressRda(bytes: Uint8Array, file: string, maxBytes = RDA_MAX_BYTES): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipCapped(bytes, file, { maxBytes });
  if (isBzip2(bytes)) return bunzip2Capped(bytes, file, maxBytes);
  if (bytes.length >= 6 && bytes[0] === 0xfd && bytes[1] === 0x37 && bytes[2] === 0x7a && bytes[3] === 0x58 && bytes[4] === 0x5a && bytes[5] === 0)
    throw new DataFileError(file, 'xz-compressed R data is not supported (re-save it with compress = "bzip2" or "gzip")');
  if (bytes.length > maxBytes) throw new DataFileError(file, `${bytes.length} bytes, above the limit of ${maxBytes}`);
  return bytes;
}

/** The objects saved in an R data file (decompressed bytes), by name. */
export function parseRda(bytes: Uint8Array, file = '<R data>'): Map<string, RValue> {
  const r = new Reader(bytes, file);
  r.header();
  const top = r.item();
  if (top.type !== 'pairlist') return r.fail(`the saved objects must form a pairlist, got ${top.type}`);
  const out = new Map<string, RValue>();
  for (const e of top.entries) {
    if (e.tag === null) return r.fail('a saved object has no name');
    out.set(e.tag, e.value);
  }
  if (r.left !== 0) r.fail(`${r.left} bytes after the saved objects`);
  return out;
}

export function readRda(file: string, maxBytes = RDA_MAX_BYTES): Map<string, RValue> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataFileError(file, code === 'ENOENT' ? 'file not found' : `cannot read (${(e as Error).message})`);
  }
  return parseRda(decompressRda(bytes, file, maxBytes), file);
}

/** One column of a data frame: numbers (integer columns as doubles, NA as NaN) or a factor. */
export type DataFrameColumn = { name: string; kind: 'numeric'; values: Float64Array } | { name: string; kind: 'factor'; codes: Int32Array; levels: string[] };

export interface RDataFrame {
  rows: number;
  columns: DataFrameColumn[];
}

function classOf(v: RValue): string[] {
  const c = 'attributes' in v ? v.attributes.get('class') : undefined;
  return c?.type === 'character' ? c.data.map((s) => s ?? '') : [];
}

/**
 * A data.frame read from an R value: numeric, integer or logical columns and factors
 * (codes 1..levels, or NA); other column types are refused naming the column.
 */
export function toDataFrame(v: RValue, file: string, name: string): RDataFrame {
  const fail = (p: string): never => {
    throw new DataFileError(file, `R object "${name}": ${p}`);
  };
  if (v.type !== 'list' || !classOf(v).includes('data.frame')) fail(`not a data.frame (type ${v.type}, class ${classOf(v).join('/') || 'none'})`);
  const list = v as Extract<RValue, { type: 'list' }>;
  const names = list.attributes.get('names');
  if (names?.type !== 'character' || names.data.length !== list.items.length) fail('column names missing or of the wrong length');
  const colNames = (names as Extract<RValue, { type: 'character' }>).data.map((s, j) => s ?? `V${j + 1}`);
  let rows = -1;
  const columns = list.items.map((c, j): DataFrameColumn => {
    const col = colNames[j];
    const n = 'data' in c ? c.data.length : -1;
    if (rows === -1) rows = n;
    if (n !== rows) fail(`column ${col} has ${n} rows, the first column ${rows}`);
    if (c.type === 'integer' && classOf(c).includes('factor')) {
      const lv = c.attributes.get('levels');
      if (lv?.type !== 'character') fail(`factor ${col} has no levels`);
      const levels = (lv as Extract<RValue, { type: 'character' }>).data.map((s) => s ?? 'NA');
      c.data.forEach((k, i) => {
        if (k !== R_NA_INTEGER && (k < 1 || k > levels.length)) fail(`factor ${col} row ${i + 1} has code ${k}, outside 1..${levels.length}`);
      });
      return { name: col, kind: 'factor', codes: c.data, levels };
    }
    if (c.type === 'double') return { name: col, kind: 'numeric', values: c.data };
    if (c.type === 'integer' || c.type === 'logical')
      return { name: col, kind: 'numeric', values: Float64Array.from(c.data, (k) => (k === R_NA_INTEGER ? NaN : k)) };
    return fail(`column ${col} is of type ${c.type}; only numeric columns and factors are supported`);
  });
  return { rows: Math.max(rows, 0), columns };
}

/** Read the data.frame `name` (default: the file's only object) from an R data file. */
export function readRdaDataFrame(file: string, name?: string, maxBytes = RDA_MAX_BYTES): RDataFrame {
  const objects = readRda(file, maxBytes);
  const key = name ?? (objects.size === 1 ? [...objects.keys()][0] : undefined);
  if (key === undefined) throw new DataFileError(file, `holds ${objects.size} objects (${[...objects.keys()].join(', ')}); name the one to read`);
  const v = objects.get(key);
  if (!v) throw new DataFileError(file, `has no object "${key}" (it has: ${[...objects.keys()].join(', ')})`);
  return toDataFrame(v, file, key);
}
