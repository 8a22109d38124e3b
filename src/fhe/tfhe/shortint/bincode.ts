/**
 * The subset of bincode 1.x (serde, default options: little endian, fixed-width
 * integers, u64 lengths, u32 enum tags, u8 option tags) that tfhe's JS API uses for
 * Shortint.serialize_client_key / serialize_ciphertext. Every read is bounds-checked so
 * a truncated or malformed file fails with a message naming the field, never a crash.
 */
export class BincodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BincodeError';
  }
}

export class BincodeReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.remaining < n) {
      throw new BincodeError(`${this.what} is truncated: ${field} needs ${n} bytes at offset ${this.pos}, only ${this.remaining} left`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A u64 that must be a small integer (sizes, dimensions, moduli). */
  usize(field: string, max = 2 ** 40): number {
    const v = this.u64(field);
    if (v > BigInt(max)) throw new BincodeError(`${this.what}: ${field} = ${v} is out of range (max ${max})`);
    return Number(v);
  }

  u128(field: string): bigint {
    const lo = this.u64(field);
    const hi = this.u64(field);
    return (hi << 64n) | lo;
  }

  f64(field: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Enum tag (u32) that must be one of `names`; returns the index. */
  tag(field: string, names: readonly string[]): number {
    const t = this.u32(field);
    if (t >= names.length) {
      throw new BincodeError(
        `${this.what}: unknown ${field} variant ${t} (this reader knows ${names.map((n, i) => `${i}=${n}`).join(', ')}); unsupported tfhe version or not a ${this.what}`,
      );
    }
    return t;
  }

  /** A Vec<u64>: u64 length then the values; `expected` checks the length. */
  u64Vec(field: string, expected?: number): BigUint64Array {
    const len = this.usize(`${field} length`, 1 << 28);
    if (expected !== undefined && len !== expected) {
      throw new BincodeError(`${this.what}: ${field} has ${len} entries, expected ${expected}`);
    }
    this.need(len * 8, field);
    const out = new BigUint64Array(len);
    for (let i = 0; i < len; i++) out[i] = this.view.getBigUint64(this.pos + 8 * i, true);
    this.pos += len * 8;
    return out;
  }

  end(): void {
    if (this.remaining !== 0) throw new BincodeError(`${this.what} has ${this.remaining} unexpected trailing bytes at offset ${this.pos}`);
  }
}

export class BincodeWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private grow(n: number): void {
    if (this.pos + n <= this.buf.byteLength) return;
    const next = new Uint8Array(Math.max(this.buf.byteLength * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): this {
    this.grow(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  u64(v: bigint | number): this {
    this.grow(8);
    this.view.setBigUint64(this.pos, BigInt(v), true);
    this.pos += 8;
    return this;
  }

  u128(v: bigint): this {
    return this.u64(v & 0xffffffffffffffffn).u64(v >> 64n);
  }

  u64Vec(values: BigUint64Array): this {
    this.u64(values.length);
    this.grow(values.length * 8);
    for (let i = 0; i < values.length; i++) this.view.setBigUint64(this.pos + 8 * i, values[i], true);
    this.pos += values.length * 8;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
