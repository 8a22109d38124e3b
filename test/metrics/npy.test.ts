import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataFileError } from '../../src/data/errors';
import { decodeNpy, encodeNpy } from '../../src/metrics/npy';

test('.npy round trip (float32 and float64) with a 64-byte aligned header', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const data = [0.5, -1.25, 3, 1e-3, 7, -8];
    const bytes = encodeNpy({ shape: [2, 3], data }, dtype);
    const headerEnd = 10 + bytes.readUInt16LE(8);
    assert.equal(headerEnd % 64, 0);
    assert.equal(bytes[headerEnd - 1], 0x0a);
    const back = decodeNpy(bytes);
    assert.deepEqual(back.shape, [2, 3]);
    assert.equal(back.descr, dtype === 'float32' ? '<f4' : '<f8');
    back.data.forEach((v, i) => assert.ok(Math.abs(v - data[i]) < 1e-6));
  }
  assert.deepEqual(decodeNpy(encodeNpy({ shape: [3], data: [1, 2, 3] })).shape, [3]);
});

function npy(header: string, payload: Buffer, version = 1): Buffer {
  const h = Buffer.from(header, 'latin1');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const len = Buffer.alloc(version === 1 ? 2 : 4);
  if (version === 1) len.writeUInt16LE(h.length);
  else len.writeUInt32LE(h.length);
  return Buffer.concat([pre, len, h, payload]);
}

test('.npy: big-endian, Fortran order and version 2 headers', () => {
  const be = Buffer.alloc(16);
  be.writeDoubleBE(1.5, 0);
  be.writeDoubleBE(-2, 8);
  assert.deepEqual(Array.from(decodeNpy(npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }\n", be)).data), [1.5, -2]);
  // Fortran order: [[1, 2, 3], [4, 5, 6]] is stored column by column: 1 4 2 5 3 6.
  const f = Buffer.alloc(24);
  [1, 4, 2, 5, 3, 6].forEach((v, i) => f.writeFloatLE(v, 4 * i));
  assert.deepEqual(Array.from(decodeNpy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", f, 2)).data), [1, 2, 3, 4, 5, 6]);
});

test('.npy: unsupported dtypes and damaged files are named errors', () => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.from('hello world!'), /not a \.npy file/],
    [npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(8)), /unsupported dtype '<i8'/],
    [npy("{'descr': '<f4', 'shape': (1,), }", Buffer.alloc(4)), /malformed \.npy header/],
    [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", Buffer.alloc(8)), /truncated: shape \(4\) of <f4 needs 16 data bytes, file has 8/],
    [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(6)), /2 unexpected trailing bytes/],
    [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(4), 9), /unsupported \.npy format version 9/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(
      () => decodeNpy(bytes, 'x.npy'),
      (e: unknown) => e instanceof DataFileError && e.file === 'x.npy' && pattern.test(e.message),
    );
  }
});
