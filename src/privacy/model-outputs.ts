/**
 * Per-example statistics of a classifier's outputs that the attacks take: the loss (for the
 * loss-threshold attack) and the logit-scaled confidence φ (for LiRA). Plain arrays in and out.
 */
import { checkFinite, checkScores } from './scores';

/**
 * Floor of p and 1 − p before the logarithm, as Carlini et al.'s reference code adds 1e-45:
 * a probability that rounded to exactly 0 or 1 gives φ = ±103.6 instead of ±Infinity, so
 * LiRA's Gaussian fits stay finite.
 */
const TINY = 1e-45;

/**
 * φ = log(p) − log(1 − p) of the probability of the true class. 1 − p is exact in floating
 * point for p ≥ 1/2, and log1p(−p) keeps it accurate below; the precision lost before (p
 * rounded to 1 in float32) cannot be recovered here — prefer logitScaledConfidenceFromLogits.
 */
export function logitScaledConfidence(probTrueClass: ArrayLike<number>): Float64Array {
  const p = checkScores('probabilities', probTrueClass);
  return p.map((v, i) => {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`probabilities[${i}] is ${v}, not in [0, 1]`);
    const logP = Math.log(Math.max(v, TINY));
    const logQ = v < 0.5 ? Math.log1p(-v) : Math.log(Math.max(1 - v, TINY));
    return logP - logQ;
  });
}

function checkLogits(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): Float64Array {
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`classes must be an integer ≥ 2, got ${classes}`);
  const z = checkFinite('logits', logits);
  if (z.length !== labels.length * classes) {
    throw new RangeError(`${labels.length} labels of ${classes} classes need ${labels.length * classes} logits, got ${z.length}`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= classes)
      throw new RangeError(`labels[${i}] is ${labels[i]}, not a class in [0, ${classes})`);
  }
  return z;
}

/** log Σ_{j ∈ row, j ≠ skip} e^{z_j}, shifted by the row's maximum so nothing overflows (skip = −1: every j). */
function logSumExp(z: Float64Array, start: number, classes: number, skip: number): number {
  let max = -Infinity;
  for (let j = 0; j < classes; j++) if (j !== skip && z[start + j] > max) max = z[start + j];
  let sum = 0;
  for (let j = 0; j < classes; j++) if (j !== skip) sum += Math.exp(z[start + j] - max);
  return max + Math.log(sum);
}

/**
 * φ straight from logits ([examples × classes], row-major): with softmax p,
 * log p_y − log(1 − p_y) = z_y − log Σ_{j≠y} e^{z_j}, which never rounds p_y to 1.
 */
export function logitScaledConfidenceFromLogits(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): Float64Array {
  const z = checkLogits(logits, labels, classes);
  const out = new Float64Array(labels.length);
  for (let i = 0; i < out.length; i++) out[i] = z[i * classes + labels[i]] - logSumExp(z, i * classes, classes, labels[i]);
  return out;
}

/** Softmax cross-entropy of each example, −log p_y = log Σ_j e^{z_j} − z_y. */
export function crossEntropyFromLogits(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): Float64Array {
  const z = checkLogits(logits, labels, classes);
  const out = new Float64Array(labels.length);
  for (let i = 0; i < out.length; i++) out[i] = logSumExp(z, i * classes, classes, -1) - z[i * classes + labels[i]];
  return out;
}
