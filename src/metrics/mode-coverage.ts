/**
 * Mode coverage of a generator: the share of its samples that the feature classifier (the
 * FID LeNet) assigns to each class, and how many classes get at least `threshold` of them.
 * FID alone mixes sample quality and diversity; a collapsed GAN that draws only 1s and 7s
 * shows here as 2 classes covered, whatever its FID.
 */
import { requirePositiveInteger } from '../util/checks';

/** A class counts as covered when at least this share of the samples falls in it. */
export const DEFAULT_COVERAGE_THRESHOLD = 0.05;

export interface ModeCoverage {
  /** Share of the samples predicted as each class (sums to 1). */
  classShares: number[];
  /** Classes with a share ≥ threshold. */
  classesCovered: number;
  threshold: number;
  samples: number;
}

/** Coverage of predicted class indices in 0 … numClasses − 1. */
export function modeCoverage(predicted: ArrayLike<number>, numClasses = 10, threshold = DEFAULT_COVERAGE_THRESHOLD): ModeCoverage {
  requirePositiveInteger(numClasses, 'mode coverage: numClasses');
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`mode coverage: threshold must be in (0, 1], got ${threshold}`);
  if (predicted.length === 0) throw new RangeError('mode coverage: no samples');
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < predicted.length; i++) {
    const c = predicted[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new RangeError(`mode coverage: sample ${i} has class ${c}, outside 0…${numClasses - 1}`);
    counts[c]++;
  }
  const classShares = counts.map((n) => n / predicted.length);
  return { classShares, classesCovered: classShares.filter((s) => s >= threshold).length, threshold, samples: predicted.length };
}
