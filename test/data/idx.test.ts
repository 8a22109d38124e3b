import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DataFileError, decodeIdx, encodeIdx, IdxArray, IdxType, labelsFileFor, loadIdxDataset, readIdx, writeIdx } from '../../src/data';
import { SeededRng } from '../../src/util/rng';
import { tmpDir } from '../support/tmp';

const dir = tmpDir();

function sample(type: IdxType, dims: number[], seed: number): IdxArray {
  const rng = new SeededRng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  const gen = (): number => {
    switch (type) {
      case 'uint8': return rng.nextInt(256);
      case 'int8': return rng.nextInt(256) - 128;
      case 'int16': return rng.nextInt(65536) - 32768;
      case 'int32': return (rng.nextUint32() | 0);
      case 'float32': return Math.fround((rng.next() - 0.5) * 1e6);
      case 'float64': return (rng.next() - 0.5) * 1e300;
    }
  };
  const ctor = { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[type];
  const data = new ctor(n);
  for (let i = 0; i < n; i++) data[i] = gen();
  return { type, dims, data };
}

for (const type of ['uint8', 'int8', 'int16', 'int32', 'float32', 'float64'] as IdxType[]) {
  for (const gzip of [false, true]) {
    test(`IDX round trip: ${type}, ${gzip ? 'gzip' : 'plain'}`, () => {
      const arr = sample(type, [3, 5, 7], type.length * 31 + (gzip ? 1 : 0));
      const file = path.join(dir, `rt-${type}${gzip ? '.gz' : ''}`);
      writeIdx(file, arr);
      const raw = fs.readFileSync(file);
      assert.equal(raw[0] === 0x1f && raw[1] === 0x8b, gzip, 'compression follows the file name');
      const back = readIdx(file);
      assert.equal(back.type, type);
      assert.deepEqual(back.dims, [3, 5, 7]);
      assert.deepEqual(Array.from(back.data), Array.from(arr.data));
    });
  }
}

test('IDX header is big-endian as in the MNIST spec', () => {
  const bytes = encodeIdx({ type: 'uint8', dims: [2, 258], data: new Uint8Array(516) });
  assert.deepEqual([...bytes.subarray(0, 12)], [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 1, 2]);
});

function expectDataError(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataFileError, `expected DataFileError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.match(err.message, pattern);
    assert.ok(err.message.startsWith(file), 'message names the file');
    return true;
  });
}

test('malformed IDX files give errors naming the file and the problem', () => {
  const good = encodeIdx({ type: 'uint8', dims: [4, 2, 2], data: new Uint8Array(16).fill(7) });
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty', new Uint8Array(0), /shorter than the 4-byte magic/],
    ['bad-magic', Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0]), /magic number starts with 0x0102/],
    ['bad-type', Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 0]), /unknown IDX element type code 0x42/],
    ['zero-dims', Uint8Array.from([0, 0, 8, 0]), /zero dimensions/],
    ['short-header', good.subarray(0, 10), /truncated header: 3 dimensions need 16 bytes/],
    ['truncated', good.subarray(0, good.length - 3), /truncated: header declares 4x2x2 uint8/],
    ['trailing', Buffer.concat([good, Buffer.from([1, 2])]), /2 unexpected trailing bytes/],
    ['huge', Uint8Array.from([0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /too many elements/],
  ];
  for (const [name, bytes, pattern] of cases) {
    const file = path.join(dir, `bad-${name}`);
    fs.writeFileSync(file, bytes);
    expectDataError(() => readIdx(file), file, pattern);
  }
});

test('missing file and corrupt gzip are reported as such', () => {
  const missing = path.join(dir, 'nope-images-idx3-ubyte');
  expectDataError(() => readIdx(missing), missing, /file not found/);
  const gz = zlib.gzipSync(encodeIdx({ type: 'uint8', dims: [8], data: new Uint8Array(8) }));
  const corrupt = path.join(dir, 'corrupt.gz');
  fs.writeFileSync(corrupt, gz.subarray(0, gz.length - 6));
  expectDataError(() => readIdx(corrupt), corrupt, /corrupt gzip stream/);
});

test('decodeIdx rejects typed-array views correctly (offsets inside a larger buffer)', () => {
  const bytes = encodeIdx({ type: 'int16', dims: [3], data: Int16Array.from([-1, 2, -300]) });
  const padded = new Uint8Array(bytes.length + 5);
  padded.set(bytes, 5);
  assert.deepEqual(Array.from(decodeIdx(padded.subarray(5)).data), [-1, 2, -300]);
});

test('IDX dataset pairs images with labels and checks they agree', () => {
  const images = path.join(dir, 'toy-images-idx3-ubyte.gz');
  const labels = path.join(dir, 'toy-labels-idx1-ubyte.gz');
  writeIdx(images, { type: 'uint8', dims: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) });
  writeIdx(labels, { type: 'uint8', dims: [3], data: Uint8Array.from([2, 0, 9]) });
  assert.equal(labelsFileFor(images), labels);
  const ds = loadIdxDataset(images, labels);
  assert.equal(ds.count, 3);
  assert.equal(ds.height, 2);
  assert.deepEqual(Array.from(ds.labels), [2, 0, 9]);
  assert.equal(ds.images[11], 220);

  const fewLabels = path.join(dir, 'few-labels-idx1-ubyte');
  writeIdx(fewLabels, { type: 'uint8', dims: [2], data: Uint8Array.from([1, 1]) });
  expectDataError(() => loadIdxDataset(images, fewLabels), fewLabels, /2 labels do not match the 3 images/);

  const badLabel = path.join(dir, 'bad-labels-idx1-ubyte');
  writeIdx(badLabel, { type: 'uint8', dims: [3], data: Uint8Array.from([1, 10, 1]) });
  expectDataError(() => loadIdxDataset(images, badLabel), badLabel, /label 10 at index 1 is outside the 10 classes/);

  const floatImages = path.join(dir, 'float-images-idx3-ubyte');
  writeIdx(floatImages, { type: 'float32', dims: [3, 2, 2], data: new Float32Array(12) });
  expectDataError(() => loadIdxDataset(floatImages, labels), floatImages, /expected images as a 3-D uint8 array/);

  const lonely = path.join(dir, 'lonely-images-idx3-ubyte');
  writeIdx(lonely, { type: 'uint8', dims: [1, 1, 1], data: new Uint8Array(1) });
  expectDataError(() => labelsFileFor(lonely), path.join(dir, 'lonely-labels-idx1-ubyte'), /labels file .* not found/);
  const missing = path.join(dir, 'gone-images-idx3-ubyte');
  expectDataError(() => labelsFileFor(missing), missing, /file not found/);
});
