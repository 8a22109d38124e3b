import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { DataFileError, decompressRda, loadDigits, loadSpambase, parseRda, readRdaDataFrame, spambaseCandidates } from '../../src/data';
import { DecompressionLimitError } from '../../src/util/capped-inflate';
import { bunzip2Capped } from '../../src/util/capped-bunzip';
import { peakGrowthMB } from '../support/memory';
import { tmpDir } from '../support/tmp';

const dir = tmpDir();
const PY = '/usr/bin/python3';

/**
 * A writer of R's XDR serialization written from R Internals' description (flags word:
 * type | object 1<<8 | attributes 1<<9 | tag 1<<10 | levels << 12), independent of the reader.
 */
class XdrWriter {
  private parts: Buffer[] = [];
  int(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  str(s: string | null): this {
    if (s === null) return this.int(9).int(-1);
    const b = Buffer.from(s, 'utf8');
    this.int(9 | (8 << 12)).int(b.length); // CHARSXP, UTF-8
    this.parts.push(b);
    return this;
  }
  sym(name: string): this {
    return this.int(1).str(name);
  }
  doubles(v: number[], attr = false): this {
    this.int(14 | (attr ? 1 << 9 : 0)).int(v.length);
    for (const x of v) {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(x);
      this.parts.push(b);
    }
    return this;
  }
  ints(v: number[], flags: number): this {
    this.int(flags).int(v.length);
    for (const x of v) this.int(x);
    return this;
  }
  strings(v: (string | null)[]): this {
    this.int(16).int(v.length);
    for (const s of v) this.str(s);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const RDX2 = Buffer.from('RDX2\nX\n', 'latin1');

/** save(df, file) of data.frame(x = c(1.5, -2, NaN), n = 1:3 (integer), f = factor(c("b","a","b"))): names and class, as R writes them. */
function smallFrame(): Buffer {
  const w = new XdrWriter().int(2).int(0x040200).int(0x020300);
  w.int(2 | (1 << 10)).sym('df'); // pairlist cell, tagged "df"
  w.int(19 | (1 << 8) | (1 << 9)).int(3); // VECSXP, object, attributes
  w.doubles([1.5, -2, NaN]);
  w.ints([1, 2, 3], 13);
  w.ints([2, 1, 2], 13 | (1 << 8) | (1 << 9)); // factor codes
  w.int(2 | (1 << 10)).sym('levels').strings(['a', 'b']); // attributes of the factor: levels, class
  w.int(2 | (1 << 10)).sym('class').strings(['factor']).int(254);
  // attributes of the data frame: names, class, row.names = c(NA, -3)
  w.int(2 | (1 << 10)).sym('names').strings(['x', 'n', 'f']);
  w.int(2 | (1 << 10)).int(255 | (3 << 8)).strings(['data.frame']); // "class" again, as a reference (the 3rd symbol read)
  w.int(2 | (1 << 10)).sym('row.names').ints([-2147483648, -3], 13).int(254);
  w.int(254); // end of the saved objects
  return Buffer.concat([RDX2, w.bytes()]);
}

test('an R data frame written from the format description reads back: numbers, integers, a factor, NaN, references', () => {
  const file = path.join(dir, 'df.rda');
  fs.writeFileSync(file, zlib.gzipSync(smallFrame()));
  const df = readRdaDataFrame(file);
  assert.equal(df.rows, 3);
  assert.deepEqual(
    df.columns.map((c) => [c.name, c.kind]),
    [['x', 'numeric'], ['n', 'numeric'], ['f', 'factor']],
  );
  const [x, n, f] = df.columns as [any, any, any];
  assert.deepEqual(Array.from(x.values).slice(0, 2), [1.5, -2]);
  assert.ok(Number.isNaN(x.values[2]));
  assert.deepEqual(Array.from(n.values), [1, 2, 3]);
  assert.deepEqual(Array.from(f.codes), [2, 1, 2]);
  assert.deepEqual(f.levels, ['a', 'b']);
});

test('the bzip2 and plain forms of the same file give the same frame (bzip2 made by python3\'s bz2)', () => {
  const raw = smallFrame();
  const bz = execFileSync(PY, ['-c', 'import bz2,sys; sys.stdout.buffer.write(bz2.compress(sys.stdin.buffer.read()))'], { input: raw });
  assert.deepEqual(Buffer.from(decompressRda(bz, 'bz')), raw);
  const a = parseRda(decompressRda(bz, 'bz')).get('df');
  const b = parseRda(raw).get('df');
  assert.deepEqual(JSON.stringify(a, (_k, v) => (v instanceof Map ? [...v] : ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)), JSON.stringify(b, (_k, v) => (v instanceof Map ? [...v] : ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)));
});

test('crafted files: huge declared lengths are refused before allocating, other damage names the problem', () => {
  const header = new XdrWriter().int(2).int(0).int(0).int(2 | (1 << 10)).sym('v');
  const huge = Buffer.concat([RDX2, header.bytes(), new XdrWriter().int(14).int(2 ** 31 - 1).bytes()]);
  const { error, growthMB } = peakGrowthMB(() => parseRda(huge, 'huge.rda'));
  assert.ok(error instanceof DataFileError && /declares 2147483647 elements/.test(error.message), String(error));
  assert.ok(growthMB < 100, `grew ${growthMB} MB`);
  const longVec = Buffer.concat([RDX2, header.bytes(), new XdrWriter().int(19).int(-1).int(1000).int(0).bytes()]);
  assert.throws(() => parseRda(longVec, 'long.rda'), /declares 4294967296000 elements/);
  assert.throws(() => parseRda(smallFrame().subarray(0, 60), 't.rda'), /truncated|only 7 bytes left/);
  assert.throws(() => parseRda(Buffer.from('RDA2\nA\n'), 'a.rda'), /not an R data file/);
  assert.throws(() => parseRda(Buffer.from('RDX2\nA\n'), 'a.rda'), /only XDR binary/);
  const env = Buffer.concat([RDX2, header.bytes(), new XdrWriter().int(4).bytes()]);
  assert.throws(() => parseRda(env, 'env.rda'), /type environment are not supported/);
  const badRef = Buffer.concat([RDX2, header.bytes(), new XdrWriter().int(255 | (7 << 8)).bytes()]);
  assert.throws(() => parseRda(badRef, 'ref.rda'), /reference 7 to an item not read yet/);
  assert.throws(() => decompressRda(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1, 2]), 'x.rda'), /xz-compressed R data is not supported/);
});

test('a bzip2 stream that expands past the cap stops there (64 MiB of zeros, cap 1 MiB)', () => {
  const bomb = execFileSync(PY, ['-c', 'import bz2,sys; sys.stdout.buffer.write(bz2.compress(bytes(64 << 20), 9))']);
  assert.ok(bomb.length < 64 * 1024, `bomb is ${bomb.length} bytes`);
  const { error, growthMB } = peakGrowthMB(() => bunzip2Capped(bomb, 'bomb.bz2', 1 << 20));
  assert.ok(error instanceof DecompressionLimitError, String(error));
  assert.ok(growthMB < 40, `grew ${growthMB} MB`);
  const corrupt = Buffer.from(bomb);
  corrupt[corrupt.length >> 1] ^= 0xff;
  assert.throws(() => bunzip2Capped(corrupt, 'c.bz2', 128 << 20), /corrupt bzip2 stream/);
});

/** An independent reading of kernlab's spam.rda in python: bz2 + struct over the frame's contiguous columns. */
const PY_SPAM = `
import bz2, struct, sys, json
raw = bz2.decompress(open(sys.argv[1], 'rb').read())
p = 7 + 12 + 20
flags, n = struct.unpack('>ii', raw[p:p+8]); p += 8
sums, maxs = [], []
for j in range(57):
    f, ln = struct.unpack('>ii', raw[p:p+8]); p += 8
    col = struct.unpack('>%dd' % ln, raw[p:p+8*ln]); p += 8*ln
    sums.append(sum(col)); maxs.append(max(col))
f, ln = struct.unpack('>ii', raw[p:p+8]); p += 8
codes = struct.unpack('>%di' % ln, raw[p:p+4*ln])
print(json.dumps({'n': ln, 'sums': sums, 'maxs': maxs, 'code2': codes.count(2)}))
`;

test('Spambase from kernlab\'s spam.rda: 4601 x 57, 1813 spam; column sums and maxima equal python\'s independent read and UCI\'s documented statistics', () => {
  const ds = loadSpambase();
  assert.equal(ds.x.length, 4601);
  assert.equal(ds.x[0].length, 57);
  assert.equal(ds.y.filter((v) => v === 1).length, 1813);
  const file = spambaseCandidates().find((f) => fs.existsSync(f)) as string;
  const ref = JSON.parse(execFileSync(PY, ['-c', PY_SPAM, file]).toString());
  assert.equal(ref.code2, 1813); // level 2 = "spam"
  for (let j = 0; j < 57; j++) {
    const sum = ds.x.reduce((s, r) => s + r[j], 0);
    assert.ok(Math.abs(sum - ref.sums[j]) <= 1e-9 * Math.max(1, Math.abs(ref.sums[j])), `column ${j}: ${sum} vs ${ref.sums[j]}`);
    assert.equal(Math.max(...ds.x.map((r) => r[j])), ref.maxs[j]);
  }
  // UCI spambase.DOCUMENTATION: capital_run_length_{average,longest,total} max 1102.5 / 9989 / 15841, mean 5.1915 / 52.173 / 283.29
  const mean = (j: number) => ds.x.reduce((s, r) => s + r[j], 0) / 4601;
  assert.deepEqual([54, 55, 56].map((j) => Math.max(...ds.x.map((r) => r[j]))), [1102.5, 9989, 15841]);
  assert.deepEqual([mean(54).toFixed(4), mean(55).toFixed(3), mean(56).toFixed(2)], ['5.1915', '52.173', '283.29']);
  assert.equal(ds.featureNames[56], 'capitalTotal');
});

test('digits from python3-sklearn\'s csv: 1797 x 64, class counts and pixel sum equal sklearn.datasets.load_digits', () => {
  const ds = loadDigits();
  const ref = JSON.parse(
    execFileSync(PY, ['-c', 'import json; from sklearn.datasets import load_digits; d = load_digits(); import numpy as np; print(json.dumps({"counts": np.bincount(d.target).tolist(), "sum": float(d.data.sum()), "row5": d.data[5].tolist()}))']).toString(),
  );
  const counts = new Array(10).fill(0);
  ds.y.forEach((c) => counts[c]++);
  assert.deepEqual(counts, ref.counts);
  assert.equal(ds.x.flat().reduce((s, v) => s + v, 0), ref.sum);
  assert.deepEqual(ds.x[5], ref.row5);
});
