/**
 * Poisson sampling of batches, the sampling the RDP accountant assumes: every example joins a
 * step's batch independently with probability q, so batch sizes vary (mean q·n) and may be
 * empty. Fixed-size shuffled batches would need a different (sampling-without-replacement)
 * analysis. Seeded for reproducible experiments; the analysis assumes an adversary cannot
 * predict the draws, which holds as long as the seed is kept secret.
 */
import { SeededRng } from '../../util/rng';
import { checkSampleRate } from './rdp-sampled-gaussian';

/** The indices in [0, n) picked by one Poisson draw at rate q, in increasing order. */
export function poissonSample(n: number, sampleRate: number, rng: SeededRng): number[] {
  if (!(Number.isSafeInteger(n) && n >= 0)) throw new RangeError(`dataset size must be an integer ≥ 0, got ${n}`);
  checkSampleRate(sampleRate);
  const picked: number[] = [];
  for (let i = 0; i < n; i++) if (rng.next() < sampleRate) picked.push(i);
  return picked;
}

/** `steps` independent Poisson batches over [0, n) (one epoch is about 1/q steps). */
export function* poissonBatches(n: number, sampleRate: number, steps: number, rng: SeededRng): Generator<number[]> {
  if (!(Number.isSafeInteger(steps) && steps >= 0)) throw new RangeError(`steps must be an integer ≥ 0, got ${steps}`);
  for (let s = 0; s < steps; s++) yield poissonSample(n, sampleRate, rng);
}
