/**
 * bzip2 decompression with a byte cap (the bzip2 counterpart of capped-inflate.ts).
 *
 * Decoder: the npm package seek-bzip (pure JavaScript, synchronous, checks every block's
 * and the stream's CRC). It was chosen over unbzip2-stream (streaming only, async) and
 * WebAssembly ports (less used) because its decode loop writes through an output object
 * we supply: the cap is enforced byte by byte there, so a small stream that expands to
 * gigabytes stops at the cap instead of being held.
 */
import { CompressedFormatError, DecompressionLimitError } from './capped-inflate';

// seek-bzip ships no types; this is the part of its API used here.
const Bunzip = require('seek-bzip') as { decode(input: Uint8Array, output: { writeByte(b: number): void }): void };

/** The first bytes of a bzip2 stream: "BZh" and a block size digit 1-9. */
export function isBzip2(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68 && bytes[3] >= 0x31 && bytes[3] <= 0x39;
}

class CapReached extends Error {}

/** Decompress a bzip2 stream of at most `maxBytes` output; `name` (a path) starts every error message. */
export function bunzip2Capped(bz: Uint8Array, name: string, maxBytes: number): Buffer {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  let buf = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(1 << 16, bz.length * 8)));
  let pos = 0;
  const out = {
    writeByte(b: number): void {
      if (pos >= buf.length) {
        if (buf.length >= maxBytes) throw new CapReached();
        const grown = Buffer.allocUnsafe(Math.min(maxBytes, buf.length * 2));
        buf.copy(grown, 0, 0, pos);
        buf = grown;
      }
      buf[pos++] = b;
    },
  };
  try {
    Bunzip.decode(bz, out);
  } catch (e) {
    if (e instanceof CapReached) throw new DecompressionLimitError(name, `decompresses to more than ${maxBytes} bytes (the limit)`);
    throw new CompressedFormatError(name, `corrupt bzip2 stream (${(e as Error).message ?? String(e)})`);
  }
  return buf.subarray(0, pos);
}
