/** The ciphertext batch container: round trip, and every malformed form refused with its reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchFormatError, packBatch, unpackBatch } from '../../../../src/fhe/tfhe/run';

test('ciphertext batches round-trip; truncated, oversized or garbled batches are refused', () => {
  const items = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
  const b = packBatch(items);
  assert.deepEqual(
    unpackBatch(b, 10).map((x) => Array.from(x)),
    items.map((x) => Array.from(x)),
  );
  const bad = (bytes: Uint8Array, max: number, re: RegExp): void => {
    assert.throws(
      () => unpackBatch(bytes, max),
      (e: Error) => e instanceof BatchFormatError && re.test(e.message),
      re.source,
    );
  };
  bad(b.subarray(0, 5), 10, /shorter than the header/);
  const magic = b.slice();
  magic[0] = 0x41;
  bad(magic, 10, /bad magic/);
  bad(b, 2, /3 ciphertexts \(expected 1 to 2\)/);
  bad(packBatch([]), 10, /0 ciphertexts/);
  bad(b.subarray(0, b.length - 1), 10, /ciphertext 2 claims 300 bytes, 299 left/);
  bad(b.subarray(0, 12 + 4 + 3 + 2), 10, /truncated at ciphertext 1/);
  const trailing = new Uint8Array(b.length + 3);
  trailing.set(b);
  bad(trailing, 10, /3 trailing bytes/);
  const huge = b.slice();
  new DataView(huge.buffer).setUint32(12, 0xffffffff, true);
  bad(huge, 10, /ciphertext 0 claims 4294967295 bytes/);
});
