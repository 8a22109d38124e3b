/**
 * Input checks of src/data, each against an independent expectation:
 *
 *   - the breast-cancer JSON loader, on hand-written temp files: bad rows and labels are refused
 *     with the exact messages written out here; a valid file loads with the rows, labels and names
 *     as written in the test;
 *   - concatDatasets: mismatched parts are refused with the documented message spelt out here;
 *     matching parts concatenate to the parts' images and labels laid end to end by the test;
 *   - readIdx's maxBytes, splitSites' fractions, standardize's row count: refused with the exact
 *     messages; standardize's output against means and sample standard deviations worked out by
 *     hand (and the output's own mean 0 / sample std 1 computed in the test);
 *   - datasetSplit('mnist' | 'mnist-train'): the canonical 60,000 / 10,000 parts, checked against
 *     the counts and first labels published with MNIST;
 *   - the R data reader (rda.ts), on XDR byte streams built here from R Internals' description of
 *     the serialization format (a writer independent of the reader): exact messages, with the
 *     byte positions the builder records, for truncation, a bad native-encoding length, a negative
 *     string length, the nesting limit (64) and an unsupported ALTREP class; a string flagged
 *     LATIN1 decodes as Latin-1 (byte E9 is é); a LANGSXP is refused naming its type, "language";
 *   - loadSpambase on hand-built spam.rda frames without a factor `type`, with 56 or 58 numeric
 *     columns, or with levels other than nonspam/spam: the exact messages; a frame of Spambase's
 *     shape (57 columns, 1813 rows at level "spam") loads with those counts;
 *   - loadIdxDataset on IDX bytes written by hand: a 2-D labels file is refused with the exact
 *     message; the same labels as a 1-D file load as written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadBreastCancer } from '../../src/data/breast-cancer';
import { standardize, TabularSplit } from '../../src/data/tabular';
import {
  concatDatasets,
  datasetSplit,
  DataFileError,
  ImageDataset,
  loadIdxDataset,
  loadSpambase,
  makeDataset,
  parseRda,
  RValue,
  readIdx,
  splitSites,
  writeIdx,
} from '../../src/data';
import { tmpDir } from '../support/tmp';
import { throwsExactly } from '../support/throws';

const dir = tmpDir('privlab-input-checks-');

// ---------------------------------------------------------------- breast-cancer JSON

let fileNo = 0;
function jsonFile(content: unknown): string {
  const file = path.join(dir, `bc-${fileNo++}.json`);
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

test('breast-cancer loader: a row with a string, a null or the wrong length is refused, naming the row', () => {
  const names = ['radius', 'texture', 'perimeter'];
  const cases: [unknown[][], number][] = [
    [[[1, 2, 3], [4, 'five', 6]], 1], // a string
    [[[1, null, 3], [4, 5, 6]], 0], // what JSON.stringify makes of NaN
    [[[1, 2, 3], [4, 5, 6], [7, 8]], 2], // too short
    [[[1, 2, 3, 4], [4, 5, 6], [7, 8, 9]], 0], // too long
    [[[1, 2, 3], [4, 5, 6], [7, 8, 9], [true, 2, 3]], 3], // a boolean
  ];
  for (const [x, bad] of cases) {
    const file = jsonFile({ x, y: x.map(() => 0), feature_names: names });
    throwsExactly(() => loadBreastCancer(file), DataFileError, `${file}: row ${bad} is not 3 finite numbers`);
  }
});

test('breast-cancer loader: a label other than 0 or 1 is refused, naming it', () => {
  for (const [y, bad, shown] of [
    [[0, 1, 2], 2, '2'],
    [[0.5, 1, 0], 0, '0.5'],
    [[1, 0, -1], 2, '-1'],
  ] as [number[], number, string][]) {
    const file = jsonFile({ x: [[1], [2], [3]], y, feature_names: ['f'] });
    throwsExactly(() => loadBreastCancer(file), DataFileError, `${file}: label ${bad} is ${shown}, expected 0 or 1`);
  }
});

test('breast-cancer loader: a valid file loads with its rows, labels (0 and 1) and feature names as written', () => {
  const x = [
    [1.5, -2, 0],
    [3, 4.25, 1e-3],
    [0, 0, 7],
  ];
  const file = jsonFile({ x, y: [1, 0, 1], feature_names: ['a', 'b', 'c'] });
  const ds = loadBreastCancer(file);
  assert.deepEqual(ds.x, [
    [1.5, -2, 0],
    [3, 4.25, 1e-3],
    [0, 0, 7],
  ]);
  assert.deepEqual(ds.y, [1, 0, 1]);
  assert.deepEqual(ds.featureNames, ['a', 'b', 'c']);
});

// ---------------------------------------------------------------- concatDatasets

function tiny(name: string, size: number, labels: number[], classNames: readonly string[], firstPixel: number): ImageDataset {
  const images = Uint8Array.from({ length: labels.length * size * size }, (_, i) => (firstPixel + i) % 256);
  return makeDataset({ name, images, labels: Uint8Array.from(labels), count: labels.length, height: size, width: size, classNames });
}

test('concatDatasets refuses parts of another image size or other classes, with the documented message', () => {
  const digits = ['0', '1', '2'];
  const a = tiny('a', 28, [0, 1], digits, 0);
  const b = tiny('b', 32, [2], digits, 5);
  throwsExactly(() => concatDatasets([a, b], 'ab'), RangeError, 'b (32x32, classes 0,1,2) does not match a (28x28, classes 0,1,2)');
  const c = tiny('c', 28, [1], ['cat', 'dog'], 0);
  const d = tiny('d', 28, [1], ['dog', 'cat'], 0);
  throwsExactly(() => concatDatasets([c, d], 'cd'), RangeError, 'd (28x28, classes dog,cat) does not match c (28x28, classes cat,dog)');
  throwsExactly(() => concatDatasets([a, a, c], 'aac'), RangeError, 'c (28x28, classes cat,dog) does not match a (28x28, classes 0,1,2)');
});

test('concatDatasets of same-shaped parts: counts add up, images and labels follow one another in order', () => {
  const classes = ['x', 'y', 'z'];
  const p = tiny('p', 2, [2, 0], classes, 10);
  const q = tiny('q', 2, [1], classes, 200);
  const r = tiny('r', 2, [0, 1, 2], classes, 7);
  const all = concatDatasets([p, q, r], 'pqr');
  assert.equal(all.count, 6);
  assert.equal(all.name, 'pqr');
  assert.equal(all.height, 2);
  assert.equal(all.width, 2);
  assert.deepEqual(all.classNames, classes);
  assert.deepEqual(Array.from(all.labels), [2, 0, 1, 0, 1, 2]);
  // pixels as tiny() made them: part p counts up from 10 (8 pixels), q from 200 (4), r from 7 (12)
  const expected = [...[10, 11, 12, 13, 14, 15, 16, 17], ...[200, 201, 202, 203], ...Array.from({ length: 12 }, (_, i) => 7 + i)];
  assert.deepEqual(Array.from(all.images), expected);
});

// ---------------------------------------------------------------- readIdx maxBytes

test('readIdx: maxBytes must be a positive integer (0, -1, 1.5, NaN refused with the exact message)', () => {
  const file = path.join(dir, 'three-idx1-ubyte');
  writeIdx(file, { type: 'uint8', dims: [3], data: Uint8Array.from([7, 8, 9]) });
  for (const [maxBytes, shown] of [
    [0, '0'],
    [-1, '-1'],
    [1.5, '1.5'],
    [NaN, 'NaN'],
  ] as [number, string][]) {
    throwsExactly(() => readIdx(file, { maxBytes }), RangeError, `maxBytes must be a positive integer, got ${shown}`);
  }
  // 4-byte magic + one 4-byte dimension + 3 bytes = 11 bytes: a limit of 11 reads it
  assert.deepEqual(Array.from(readIdx(file, { maxBytes: 11 }).data), [7, 8, 9]);
});

// ---------------------------------------------------------------- splitSites fractions

test('splitSites: iid fractions of the wrong length, a zero, a negative, NaN or Infinity are refused with the exact message', () => {
  const ds = tiny('eight', 2, [0, 0, 0, 0, 0, 0, 0, 0], ['only'], 0);
  for (const [fractions, shown] of [
    [[1], '[1]'],
    [[1, 1, 1], '[1,1,1]'],
    [[1, 0], '[1,0]'],
    [[-1, 2], '[-1,2]'],
    [[1, NaN], '[1,NaN]'],
    [[Infinity, 1], '[Infinity,1]'],
  ] as [number[], string][]) {
    throwsExactly(() => splitSites(ds, { sites: 2, fractions }), RangeError, `fractions must be 2 positive numbers, got ${shown}`);
  }
  // shares 1 : 3 of 8 images: 2 and 6
  assert.deepEqual(
    splitSites(ds, { sites: 2, fractions: [1, 3] }).map((s) => s.count),
    [2, 6],
  );
});

// ---------------------------------------------------------------- standardize

test('standardize: fewer than 2 training rows are refused with the exact message', () => {
  const one: TabularSplit = { xTrain: [[1, 2]], yTrain: [0], xTest: [[3, 4]], yTest: [1] };
  throwsExactly(() => standardize(one), RangeError, 'need at least 2 training rows to standardize, got 1');
  throwsExactly(() => standardize({ xTrain: [], yTrain: [], xTest: [], yTest: [] }), RangeError, 'need at least 2 training rows to standardize, got 0');
});

test('standardize: training mean and sample std worked out by hand, applied to both sets', () => {
  // column 0: 2, 4, 6 -> mean 4, sample variance (4 + 0 + 4) / 2 = 4, std 2
  // column 1: 1, 1, 4 -> mean 2, sample variance (1 + 1 + 4) / 2 = 3, std sqrt(3)
  const split: TabularSplit = {
    xTrain: [
      [2, 1],
      [4, 1],
      [6, 4],
    ],
    yTrain: [0, 1, 0],
    xTest: [
      [8, 5],
      [0, 2],
    ],
    yTest: [1, 1],
  };
  const z = standardize(split);
  const s3 = Math.sqrt(3);
  const expectTrain = [
    [-1, -1 / s3],
    [0, -1 / s3],
    [1, 2 / s3],
  ];
  const expectTest = [
    [(8 - 4) / 2, (5 - 2) / s3],
    [(0 - 4) / 2, 0],
  ];
  const close = (got: number[][], want: number[][]) => {
    assert.equal(got.length, want.length);
    got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - want[i][j]) < 1e-12, `[${i}][${j}]: ${v} vs ${want[i][j]}`)));
  };
  close(z.xTrain, expectTrain);
  close(z.xTest, expectTest);
  assert.deepEqual(z.yTrain, [0, 1, 0]);
  assert.deepEqual(z.yTest, [1, 1]);
  // and the standardized training columns have mean 0 and sample std 1
  for (let j = 0; j < 2; j++) {
    const col = z.xTrain.map((r) => r[j]);
    const m = col.reduce((a, b) => a + b, 0) / 3;
    const sd = Math.sqrt(col.reduce((a, b) => a + (b - m) ** 2, 0) / 2);
    assert.ok(Math.abs(m) < 1e-12 && Math.abs(sd - 1) < 1e-12, `column ${j}: mean ${m}, std ${sd}`);
  }
});

// ---------------------------------------------------------------- datasetSplit

test("datasetSplit('mnist') and ('mnist-train'): the canonical 60,000 / 10,000 parts; an unknown name is refused", () => {
  for (const spec of ['mnist', 'mnist-train']) {
    const { train, test: t10k } = datasetSplit(spec);
    assert.equal(train.count, 60000, spec);
    assert.equal(t10k.count, 10000, spec);
    // the first labels of train-labels-idx1-ubyte and t10k-labels-idx1-ubyte, as published
    assert.deepEqual(Array.from(train.labels.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], spec);
    assert.deepEqual(Array.from(t10k.labels.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9], spec);
  }
  throwsExactly(() => datasetSplit('no-such-dataset'), DataFileError, 'no-such-dataset: file not found');
});

// ---------------------------------------------------------------- R data streams

/**
 * A writer of R's XDR serialization after R Internals ("Serialization Formats"): big-endian
 * ints; an item's flags word is type | object 1<<8 | attributes 1<<9 | tag 1<<10 | levels << 12;
 * CHARSXP (9) strings are flags, length (-1 = NA), bytes. `at` is the byte offset written so far.
 */
class Xdr {
  private parts: Buffer[] = [];
  at = 0;
  private push(b: Buffer): this {
    this.parts.push(b);
    this.at += b.length;
    return this;
  }
  int(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  raw(b: Buffer): this {
    return this.push(b);
  }
  charsxp(s: string | null): this {
    if (s === null) return this.int(9).int(-1);
    const b = Buffer.from(s, 'utf8');
    return this.int(9 | (8 << 12))
      .int(b.length)
      .push(b);
  }
  sym(name: string): this {
    return this.int(1).charsxp(name);
  }
  doubles(v: ArrayLike<number>, flags = 14): this {
    this.int(flags).int(v.length);
    const b = Buffer.alloc(8 * v.length);
    for (let i = 0; i < v.length; i++) b.writeDoubleBE(v[i], 8 * i);
    return this.push(b);
  }
  strings(v: (string | null)[]): this {
    this.int(16).int(v.length);
    for (const s of v) this.charsxp(s);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const LISTSXP_TAGGED = 2 | (1 << 10);
const NILVALUE = 254;

/** "RDX2\nX\n", format version 2, R 4.2.0, readable by 2.3.0. */
function v2(): Xdr {
  return new Xdr().raw(Buffer.from('RDX2\nX\n', 'latin1')).int(2).int(0x040200).int(0x020300);
}

/** "RDX3\nX\n", format version 3, R 4.2.0, readable by 3.5.0, native encoding name of `encLength` (bytes 'A' … or `name`). */
function v3(encLength = 5, name?: string): Xdr {
  const enc = name !== undefined ? Buffer.from(name, 'latin1') : Buffer.alloc(Math.max(encLength, 0), 'A');
  return new Xdr()
    .raw(Buffer.from('RDX3\nX\n', 'latin1'))
    .int(3)
    .int(0x040200)
    .int(0x030500)
    .int(encLength)
    .raw(enc);
}

/** A version-2 file saving `v <- c("ab", NA, "é")`. */
function savedStrings(): Xdr {
  return v2().int(LISTSXP_TAGGED).sym('v').strings(['ab', null, 'é']).int(NILVALUE);
}

test('R data: strings read as written (NA as null); a negative length other than -1 is refused, naming it', () => {
  const v = parseRda(savedStrings().bytes(), 's.rda').get('v') as Extract<RValue, { type: 'character' }>;
  assert.equal(v.type, 'character');
  assert.deepEqual(v.data, ['ab', null, 'é']);
  const w = v2().int(LISTSXP_TAGGED).sym('v').int(16).int(1).int(9).int(-2);
  const at = w.at; // the reader stops right after the length
  const bad = w.raw(Buffer.alloc(8)).int(NILVALUE).bytes();
  throwsExactly(() => parseRda(bad, 'neg.rda'), DataFileError, `neg.rda: R data: string of length -2 (at byte ${at} of ${bad.length} decompressed)`);
  // a symbol's name too
  const ws = v2().int(LISTSXP_TAGGED).int(1).int(9).int(-7);
  const atSym = ws.at;
  const badSym = ws.raw(Buffer.alloc(8)).bytes();
  throwsExactly(() => parseRda(badSym, 'sym.rda'), DataFileError, `sym.rda: R data: string of length -7 (at byte ${atSym} of ${badSym.length} decompressed)`);
});

test('R data: a stream cut inside an integer is refused, naming "an integer"', () => {
  const full = savedStrings().bytes();
  // header (7 + 12 bytes), then 2 bytes of the first item's flags
  const cut = full.subarray(0, 21);
  throwsExactly(() => parseRda(cut, 'cut.rda'), DataFileError, 'cut.rda: R data: truncated: an integer needs 4 bytes, 2 left (at byte 19 of 21 decompressed)');
  // cut inside the version-3 header's encoding length
  const h3 = v3().bytes().subarray(0, 20);
  throwsExactly(() => parseRda(h3, 'h3.rda'), DataFileError, 'h3.rda: R data: truncated: an integer needs 4 bytes, 1 left (at byte 19 of 20 decompressed)');
});

test('R data version 3: a native-encoding name of length 0..64 is read; 65 or -2 is refused', () => {
  const body = (x: Xdr) => x.int(LISTSXP_TAGGED).sym('v').strings(['ok']).int(NILVALUE).bytes();
  for (const [n, name] of [
    [5, 'UTF-8'],
    [0, ''],
    [64, 'B'.repeat(64)],
  ] as [number, string][]) {
    const v = parseRda(body(v3(n, name)), 'v3.rda').get('v') as Extract<RValue, { type: 'character' }>;
    assert.deepEqual(v.data, ['ok'], `encoding name of length ${n}`);
  }
  for (const n of [65, -2]) {
    // a well-formed rest: 65 bytes of name would be there to read
    const bytes = body(v3(n, n > 0 ? 'C'.repeat(n) : ''));
    // magic 5 + format 2 + four ints: the reader stops after the length, at byte 23
    throwsExactly(() => parseRda(bytes, 'enc.rda'), DataFileError, `enc.rda: R data: native encoding name of length ${n} (at byte 23 of ${bytes.length} decompressed)`);
  }
});

/**
 * Pairlists nested `levels` deep: each one cell tagged "x", holding the next; the innermost holds
 * NULL. The top pairlist is item depth 0, so the innermost is at depth levels - 1 and its tag and
 * value at depth `levels`. Returns the bytes and the offset where the innermost tag starts.
 */
function nested(levels: number): { bytes: Buffer; innermostTag: number } {
  const w = v2();
  let innermostTag = -1;
  for (let k = 0; k < levels; k++) {
    w.int(LISTSXP_TAGGED);
    if (k === levels - 1) innermostTag = w.at;
    w.sym('x');
  }
  w.int(NILVALUE); // the innermost value
  for (let k = 0; k < levels; k++) w.int(NILVALUE); // the end of each pairlist
  return { bytes: w.bytes(), innermostTag };
}

test('R data: items nest at most 64 deep; the limit trips at the 65th level\'s tag, before reading it', () => {
  const ok = nested(64);
  let v: RValue | undefined = parseRda(ok.bytes, 'ok.rda').get('x');
  let depth = 1; // the top pairlist is depth 0; its value depth 1
  while (v && v.type === 'pairlist') {
    assert.equal(v.entries.length, 1);
    assert.equal(v.entries[0].tag, 'x');
    v = v.entries[0].value;
    depth++;
  }
  assert.deepEqual(v, { type: 'NULL' });
  assert.equal(depth, 64, 'innermost value at depth 64');
  const deep = nested(65);
  assert.equal(deep.bytes.length, 19 + 65 * 17 + 4 + 65 * 4);
  throwsExactly(
    () => parseRda(deep.bytes, 'deep.rda'),
    DataFileError,
    `deep.rda: R data: items nested more than 64 deep (at byte ${deep.innermostTag} of ${deep.bytes.length} decompressed)`,
  );
  assert.equal(deep.innermostTag, 19 + 64 * 17 + 4);
});

/** An ALTREP item (type 238): info = pairlist (class symbol, package symbol, type), then state and attributes. */
function altrep(w: Xdr, cls: string, state: number[]): Xdr {
  w.int(238);
  w.int(2).sym(cls).int(2).sym('base').int(2).int(13).int(1).int(14).int(NILVALUE);
  w.doubles(state);
  return w.int(NILVALUE);
}

test('R data: ALTREP compact sequences expand; another ALTREP class is refused, naming it', () => {
  const seq = altrep(v3().int(LISTSXP_TAGGED).sym('s'), 'compact_intseq', [4, 3, 2]).int(NILVALUE).bytes();
  const s = parseRda(seq, 'seq.rda').get('s') as Extract<RValue, { type: 'logical' | 'integer' }>;
  assert.equal(s.type, 'integer');
  assert.deepEqual(Array.from(s.data), [3, 5, 7, 9]);
  const w = altrep(v3().int(LISTSXP_TAGGED).sym('w'), 'wrap_real', [1, 2, 3]);
  const at = w.at; // refused once info, state and attributes are read
  const bytes = w.int(NILVALUE).bytes();
  throwsExactly(() => parseRda(bytes, 'alt.rda'), DataFileError, `alt.rda: R data: ALTREP class wrap_real is not supported (compact sequences are) (at byte ${at} of ${bytes.length} decompressed)`);
});

// ---------------------------------------------------------------- Spambase frame check

/** save(spam) of a data.frame of 4601 rows whose columns, named `doubleCols`, are all doubles (no factor). */
function spamFile(name: string, doubleCols: string[]): string {
  const w = v2().int(LISTSXP_TAGGED).sym('spam');
  w.int(19 | (1 << 8) | (1 << 9)).int(doubleCols.length); // VECSXP, object, attributes
  const col = Float64Array.from({ length: 4601 }, (_, i) => i % 7);
  for (let j = 0; j < doubleCols.length; j++) w.doubles(col);
  w.int(LISTSXP_TAGGED).sym('names').strings(doubleCols);
  w.int(LISTSXP_TAGGED).sym('class').strings(['data.frame']);
  w.int(LISTSXP_TAGGED).sym('row.names').int(13).int(2).int(-2147483648).int(-4601);
  w.int(NILVALUE); // end of the attributes
  w.int(NILVALUE); // end of the saved objects
  const file = path.join(dir, name);
  fs.writeFileSync(file, w.bytes());
  return file;
}

test('loadSpambase: a 4601 x 57 frame without a factor "type" is refused with the exact message', () => {
  const features = Array.from({ length: 57 }, (_, j) => `f${j + 1}`);
  const noType = spamFile('no-type.rda', features);
  throwsExactly(() => loadSpambase(noType), DataFileError, `${noType}: not the Spambase table: no factor column "type"`);
  // "type" present but numeric: 56 features + type = 57 numeric columns
  const numericType = spamFile('numeric-type.rda', [...features.slice(0, 56), 'type']);
  throwsExactly(() => loadSpambase(numericType), DataFileError, `${numericType}: not the Spambase table: no factor column "type"`);
});

// ---------------------------------------------------------------- IDX labels of the wrong rank

/** IDX bytes written by hand (LeCun's layout): 0, 0, type 0x08 (uint8), the rank, one big-endian u32 per dimension, the bytes. */
function idxBytes(dims: number[], data: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

test('loadIdxDataset: a labels file of 2 dimensions (2 x 1, one label per image) is refused with the exact message', () => {
  const images = path.join(dir, 'two-images-idx3-ubyte');
  fs.writeFileSync(images, idxBytes([2, 1, 1], [10, 200]));
  const labels = path.join(dir, 'two-labels-2d-idx2-ubyte');
  fs.writeFileSync(labels, idxBytes([2, 1], [3, 7]));
  throwsExactly(() => loadIdxDataset(images, labels), DataFileError, `${labels}: expected labels as a 1-D uint8 array, found 2-D uint8`);
  // the same labels as a 1-D file load, as written
  const flat = path.join(dir, 'two-labels-idx1-ubyte');
  fs.writeFileSync(flat, idxBytes([2], [3, 7]));
  const ds = loadIdxDataset(images, flat);
  assert.deepEqual(Array.from(ds.labels), [3, 7]);
  assert.deepEqual(Array.from(ds.images), [10, 200]);
});

// ---------------------------------------------------------------- R data: latin1 strings, unsupported types

test('R data: a string flagged LATIN1 (levels bit 2) decodes as Latin-1: bytes 63 61 66 E9 are "café"', () => {
  // CHARSXP with levels 4 (LATIN1): flags 9 | 4 << 12, length 4, the Latin-1 bytes (é = 0xE9, which is no UTF-8)
  const bytes = v2()
    .int(LISTSXP_TAGGED)
    .sym('v')
    .int(16)
    .int(1)
    .int(9 | (4 << 12))
    .int(4)
    .raw(Buffer.from([0x63, 0x61, 0x66, 0xe9]))
    .int(NILVALUE)
    .bytes();
  const v = parseRda(bytes, 'latin1.rda').get('v') as Extract<RValue, { type: 'character' }>;
  assert.equal(v.type, 'character');
  assert.deepEqual(v.data, ['caf\u00e9']);
});

test('R data: a LANGSXP (type 6) is refused as "language", right after its flags', () => {
  // save(f) of a call: a pairlist tagged "f" whose value is a LANGSXP; the reader stops after its flags word
  const w = v2().int(LISTSXP_TAGGED).sym('f').int(6);
  const at = w.at;
  const bytes = w.int(1).charsxp('sum').int(NILVALUE).int(NILVALUE).bytes();
  throwsExactly(
    () => parseRda(bytes, 'call.rda'),
    DataFileError,
    `call.rda: R data: R objects of type language are not supported (data frames of numbers, strings and factors are) (at byte ${at} of ${bytes.length} decompressed)`,
  );
});

// ---------------------------------------------------------------- Spambase: numeric column count and factor levels

/**
 * save(spam) of a 4601-row data.frame: `numeric` double columns f1…, then a factor "type" of
 * `levels` whose first `secondLevelRows` rows have code 2, the rest code 1. Factors are INTSXP
 * with attributes levels (STRSXP) and class "factor" (R Internals).
 */
function spamWithType(name: string, numeric: number, levels: string[], secondLevelRows: number): string {
  const names = [...Array.from({ length: numeric }, (_, j) => `f${j + 1}`), 'type'];
  const w = v2().int(LISTSXP_TAGGED).sym('spam');
  w.int(19 | (1 << 8) | (1 << 9)).int(names.length);
  const col = Float64Array.from({ length: 4601 }, (_, i) => i % 5);
  for (let j = 0; j < numeric; j++) w.doubles(col);
  w.int(13 | (1 << 8) | (1 << 9)).int(4601); // INTSXP, object, attributes
  for (let i = 0; i < 4601; i++) w.int(i < secondLevelRows ? 2 : 1);
  w.int(LISTSXP_TAGGED).sym('levels').strings(levels);
  w.int(LISTSXP_TAGGED).sym('class').strings(['factor']);
  w.int(NILVALUE); // end of the factor's attributes
  w.int(LISTSXP_TAGGED).sym('names').strings(names);
  w.int(LISTSXP_TAGGED).sym('class').strings(['data.frame']);
  w.int(LISTSXP_TAGGED).sym('row.names').int(13).int(2).int(-2147483648).int(-4601);
  w.int(NILVALUE); // end of the frame's attributes
  w.int(NILVALUE); // end of the saved objects
  const file = path.join(dir, name);
  fs.writeFileSync(file, w.bytes());
  return file;
}

test('loadSpambase: 56 or 58 numeric columns beside a valid factor "type" are refused with the exact message', () => {
  for (const numeric of [56, 58]) {
    const file = spamWithType(`numeric-${numeric}.rda`, numeric, ['nonspam', 'spam'], 1813);
    throwsExactly(() => loadSpambase(file), DataFileError, `${file}: not the Spambase table: ${numeric} numeric columns, expected 57`);
  }
  // the same frame with 57 columns is Spambase's shape: it loads, 1813 rows labelled spam
  const good = spamWithType('numeric-57.rda', 57, ['nonspam', 'spam'], 1813);
  const ds = loadSpambase(good);
  assert.equal(ds.x.length, 4601);
  assert.equal(ds.x[0].length, 57);
  assert.equal(
    ds.y.reduce((s, v) => s + v, 0),
    1813,
  );
  assert.deepEqual([ds.y[0], ds.y[1812], ds.y[1813], ds.y[4600]], [1, 1, 0, 0]);
});

test('loadSpambase: factor levels other than nonspam/spam are refused, the levels joined by "/"', () => {
  for (const levels of [
    ['ham', 'spam'],
    ['nonspam', 'spam', 'other'],
    ['nonspam', 'junk'],
  ]) {
    const file = spamWithType(`levels-${levels.join('-')}.rda`, 57, levels, 1813);
    throwsExactly(() => loadSpambase(file), DataFileError, `${file}: not the Spambase table: type levels ${levels.join('/')}, expected nonspam/spam`);
  }
});
