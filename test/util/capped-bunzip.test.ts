/** bzip2 with a byte cap: streams made by Python's bz2 module (an independent encoder), decoded exactly up to the cap. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bunzip2Capped, isBzip2 } from '../../src/util/capped-bunzip';
import { CompressedFormatError, DecompressionLimitError } from '../../src/util/capped-inflate';

/** `size` bytes of a repeating pattern (i * 7 mod 251), compressed by python3's bz2 at `level`. */
function pythonBz2(size: number, level: number): { plain: Buffer; bz: Buffer } {
  const plain = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 251));
  const py = spawnSync('/usr/bin/python3', ['-c', `import bz2, sys; sys.stdout.buffer.write(bz2.compress(sys.stdin.buffer.read(), ${level}))`], {
    input: plain,
  });
  assert.equal(py.status, 0, String(py.stderr));
  return { plain, bz: py.stdout };
}

test('bunzip2Capped: equals the input of bz2.compress, at a cap of exactly its size (buffer grown past 64 KiB); one byte less is a DecompressionLimitError', () => {
  const { plain, bz } = pythonBz2(200_000, 9);
  assert.ok(bz.length * 8 < 65536, 'the output buffer starts at 64 KiB and must grow');
  assert.deepEqual(bunzip2Capped(bz, 'a.bz2', 200_000), plain);
  assert.deepEqual(bunzip2Capped(bz, 'a.bz2', 10_000_000), plain);
  assert.throws(
    () => bunzip2Capped(bz, 'a.bz2', 199_999),
    (e: unknown) => e instanceof DecompressionLimitError && /^a\.bz2: decompresses to more than 199999 bytes/.test((e as Error).message),
  );
  const small = pythonBz2(10, 1);
  assert.deepEqual(bunzip2Capped(small.bz, 's.bz2', 10), small.plain);
  assert.throws(() => bunzip2Capped(small.bz, 's.bz2', 9), DecompressionLimitError);
  const truncated = bz.subarray(0, bz.length - 8);
  assert.throws(
    () => bunzip2Capped(truncated, 't.bz2', 1 << 20),
    (e: unknown) => e instanceof CompressedFormatError && /^t\.bz2: corrupt bzip2 stream/.test((e as Error).message),
  );
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => bunzip2Capped(bz, 'a.bz2', bad), RangeError, `${bad}`);
});

test('isBzip2: "BZh" and a block-size digit 1-9, nothing else', () => {
  const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
  for (let d = 1; d <= 9; d++) assert.equal(isBzip2(bytes(`BZh${d}rest`)), true, `BZh${d}`);
  assert.equal(isBzip2(pythonBz2(10, 9).bz), true);
  for (const s of ['BZh0', 'BZh:', 'BZh', 'AZh9', 'BYh9', 'BZg9', 'bZh9', '']) assert.equal(isBzip2(bytes(s)), false, JSON.stringify(s));
});
