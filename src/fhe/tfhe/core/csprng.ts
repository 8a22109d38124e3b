/**
 * Randomness for keys and noise: node:crypto's CSPRNG only (never a seeded PRNG).
 * Masks are uniform 64-bit words; noise samples follow the parameter set's
 * distribution, returned as integer-valued doubles (|x| < 2^53: exact) for the native
 * side to add.
 *
 * NOT AUDITED: the Gaussian sampler is Box–Muller on 53-bit uniforms, rounded to the
 * nearest integer multiple of 2^-64; it is not constant time and its tails are only as
 * good as double precision allows (fine for these standard deviations, not reviewed).
 */
import { randomFillSync } from 'node:crypto';
import { NoiseDistribution } from './parameters';

const MAX_FILL = 1 << 30; // randomFillSync takes at most 2^31-1 bytes per call

export function fillRandom(buf: ArrayBufferView): void {
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let off = 0; off < bytes.length; off += MAX_FILL) randomFillSync(bytes.subarray(off, Math.min(bytes.length, off + MAX_FILL)));
}

export function uniformMasks(count: number): BigUint64Array {
  const out = new BigUint64Array(count);
  fillRandom(out);
  return out;
}

/** Uniform doubles in (0, 1) with 53 random bits each. */
function uniformOpen(count: number): Float64Array {
  const words = new Uint32Array(2 * count);
  fillRandom(words);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const hi = words[2 * i] >>> 5; // 27 bits
    const lo = words[2 * i + 1] >>> 6; // 26 bits
    out[i] = (hi * 67108864 + lo + 0.5) / 9007199254740992; // never 0 or 1
  }
  return out;
}

export function sampleNoise(d: NoiseDistribution, count: number): Float64Array {
  const out = new Float64Array(count);
  if (d.kind === 'gaussian') {
    const scale = d.std * 2 ** 64;
    if (!(scale < 2 ** 48)) throw new RangeError(`Gaussian std ${d.std} too large for exact sampling`);
    const u = uniformOpen(count + (count & 1));
    for (let i = 0; i < count; i += 2) {
      const r = Math.sqrt(-2 * Math.log(u[i]));
      const t = 2 * Math.PI * u[i + 1];
      out[i] = Math.round(scale * r * Math.cos(t) + d.mean * 2 ** 64);
      if (i + 1 < count) out[i + 1] = Math.round(scale * r * Math.sin(t) + d.mean * 2 ** 64);
    }
    return out;
  }
  // TUniform(b): draw b+2 bits u; x = (u >> 1) + (u & 1) - 2^b covers [-2^b, 2^b] with the
  // end points at half weight.
  const b = d.boundLog2;
  if (b > 50) throw new RangeError(`TUniform bound 2^${b} too large`);
  const words = new Uint32Array(2 * count);
  fillRandom(words);
  const bits = b + 2;
  for (let i = 0; i < count; i++) {
    const u =
      bits <= 32 ? words[2 * i] & (bits === 32 ? 0xffffffff : (1 << bits) - 1) : (words[2 * i + 1] & ((1 << (bits - 32)) - 1)) * 4294967296 + words[2 * i];
    const uu = bits <= 32 ? u >>> 0 : u;
    out[i] = Math.floor(uu / 2) + (uu % 2) - 2 ** b;
  }
  return out;
}
