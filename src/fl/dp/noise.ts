/**
 * Gaussian noise sources for the DP mechanisms. DP noise must be unpredictable to whoever sees
 * the output, so the default draws from node:crypto (a CSPRNG); the seeded source exists only
 * so tests can reproduce a run, and must never be the default.
 *
 * Both turn uniforms into normals by Box–Muller on 53-bit uniforms. This is NOT an audited or
 * constant-time sampler: floating-point Gaussian samplers leak through their low-order bits
 * (Mironov 2012, "On significance of the least significant bits for differential privacy"),
 * and timing is data-independent only by accident. Good enough for a research lab; not a
 * production DP release.
 */
import { randomFillSync } from 'node:crypto';
import { SeededRng } from '../../util/rng';

export interface GaussianNoise {
  /** Overwrite `out` with independent N(0, std²) samples. */
  fill(out: Float32Array | Float64Array, std: number): void;
}

/** A source of uniform 32-bit words. */
type WordSource = () => number;

const TWO_POW_53 = 9007199254740992;

/** Box–Muller from a word source: two normals per pair of 53-bit uniforms. */
function fillBoxMuller(out: Float32Array | Float64Array, std: number, word: WordSource): void {
  if (!(std >= 0 && Number.isFinite(std))) throw new RangeError(`noise standard deviation must be a finite number ≥ 0, got ${std}`);
  // 53-bit uniform from 26 + 27 bits of two words, on the grid k/2^53.
  const uniform = (): number => ((word() >>> 6) * 134217728 + (word() >>> 5)) / TWO_POW_53;
  for (let i = 0; i < out.length; i += 2) {
    // u1 ∈ (0, 1] keeps the logarithm finite.
    const u1 = 1 - uniform();
    const u2 = uniform();
    const r = std * Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
}

/** The default: words from node:crypto, fetched in blocks. */
export class CryptoGaussianNoise implements GaussianNoise {
  private readonly block = new Uint32Array(4096);
  private next = this.block.length;

  private word = (): number => {
    if (this.next === this.block.length) {
      randomFillSync(this.block);
      this.next = 0;
    }
    return this.block[this.next++];
  };

  fill(out: Float32Array | Float64Array, std: number): void {
    fillBoxMuller(out, std, this.word);
  }
}

/** FOR TESTS ONLY: reproducible, and therefore predictable — no privacy. */
export class SeededGaussianNoise implements GaussianNoise {
  private readonly rng: SeededRng;

  constructor(seed: number) {
    this.rng = new SeededRng(seed);
  }

  fill(out: Float32Array | Float64Array, std: number): void {
    fillBoxMuller(out, std, () => this.rng.nextUint32());
  }
}

/** The noise used when none is given: a fresh CSPRNG-backed source. */
export function defaultNoise(): GaussianNoise {
  return new CryptoGaussianNoise();
}
