/**
 * Poisson sampling of batches, the sampling the RDP accountant assumes: every example joins a
 * step's batch independently with probability q, so batch sizes vary (mean q·n) and may be
 * empty. Fixed-size shuffled batches would need a different (sampling-without-replacement)
 * analysis. The analysis assumes an adversary cannot predict the draws: a seeded source
 * (SeededRng) serves reproducible experiments only while its seed is secret; CryptoUniform
 * (node:crypto) is what a federated site uses, since the round's seed is the server's.
 */
import { randomFillSync } from 'node:crypto';
import { checkSampleRate } from './rdp-sampled-gaussian';

/** Uniform numbers in [0, 1) (SeededRng is one). */
export interface UniformSource {
  next(): number;
}

/** Uniforms in [0, 1) on the grid k/2^32, from node:crypto words fetched in blocks. */
export class CryptoUniform implements UniformSource {
  private readonly block = new Uint32Array(4096);
  private at = this.block.length;

  next(): number {
    if (this.at === this.block.length) {
      randomFillSync(this.block);
      this.at = 0;
    }
    return this.block[this.at++] / 4294967296;
  }
}

/** The indices in [0, n) picked by one Poisson draw at rate q, in increasing order. */
export function poissonSample(n: number, sampleRate: number, rng: UniformSource): number[] {
  if (!(Number.isSafeInteger(n) && n >= 0)) throw new RangeError(`dataset size must be an integer ≥ 0, got ${n}`);
  checkSampleRate(sampleRate);
  const picked: number[] = [];
  for (let i = 0; i < n; i++) if (rng.next() < sampleRate) picked.push(i);
  return picked;
}

/** `steps` independent Poisson batches over [0, n) (one epoch is about 1/q steps). */
export function* poissonBatches(n: number, sampleRate: number, steps: number, rng: UniformSource): Generator<number[]> {
  if (!(Number.isSafeInteger(steps) && steps >= 0)) throw new RangeError(`steps must be an integer ≥ 0, got ${steps}`);
  for (let s = 0; s < steps; s++) yield poissonSample(n, sampleRate, rng);
}
