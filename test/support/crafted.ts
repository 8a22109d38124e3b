/**
 * Hostile files built in the tests: deflate streams of many megabytes of zeros made from
 * a few kilobytes (without ever holding the output), and zip / gzip containers around
 * them with whatever sizes (and CRCs) the test wants declared.
 */
import * as zlib from 'node:zlib';

/**
 * Raw deflate of `prefix` then `megabytes` MiB of zeros, not final unless `final`. Each
 * piece is compressed with a full flush, so the compressed MiB of zeros (about 1 KB) is
 * self-contained and repeats.
 */
export function deflateBomb(prefix: Uint8Array, megabytes: number, final = true): Buffer {
  const flush = { finishFlush: zlib.constants.Z_FULL_FLUSH };
  const head = zlib.deflateRawSync(prefix, flush);
  const mib = zlib.deflateRawSync(Buffer.alloc(1 << 20), flush);
  const end = final ? zlib.deflateRawSync(Buffer.alloc(0)) : Buffer.alloc(0);
  return Buffer.concat([head, ...Array.from({ length: megabytes }, () => mib), end]);
}

/** A gzip member around raw deflate data (CRC and size fields 0: a bomb never gets that far). */
export function gzipAround(deflated: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), deflated, Buffer.alloc(8)]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3, reflected, as zip uses it): a byte table, each entry worked out bit by bit from the polynomial. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipMember {
  name: string;
  /** The member's bytes as stored (already deflated when method is 8). */
  data: Uint8Array;
  method: 0 | 8;
  /** The uncompressed size the headers declare. */
  declaredSize: number;
  /** The CRC-32 the headers declare; 0 when not given (a bomb never gets that far). */
  crc?: number;
}

/** A zip archive of the members as given (no data descriptors). */
export function zipOf(members: ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.method, 8);
    local.writeUInt32LE(m.crc ?? 0, 14);
    local.writeUInt32LE(m.data.length, 18);
    local.writeUInt32LE(m.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(m.method, 10);
    central.writeUInt32LE(m.crc ?? 0, 16);
    central.writeUInt32LE(m.data.length, 20);
    central.writeUInt32LE(m.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(m.data));
    centrals.push(central, name);
    offset += 30 + name.length + m.data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
