/**
 * LiRA, the likelihood-ratio attack of Carlini et al. 2022 ("Membership Inference Attacks
 * From First Principles"), offline variant.
 *
 * Assumptions: the attacker can train shadow models like the target (same architecture,
 * training recipe, and data distribution) on data of its own; for each candidate example x it
 * has the logit-scaled confidences φ = log(p/(1−p)) of the true class under shadow models
 * NOT trained on x ("OUT" models). Offline means no shadow model was trained on x, so the
 * shadows can be trained once, before the candidates are known.
 *
 * Per example, the OUT confidences are fitted with a Gaussian N(μ, σ²) (mean and unbiased
 * standard deviation), and the target's φ is tested one-sided against it (the paper's offline
 * test, §VI-C): p = P(Z ≥ φ_target), Z ~ N(μ, σ²). A member's φ sits high in its OUT
 * distribution. The score is −ln p, which ranks as 1 − p does but keeps resolution in the far
 * tail where 1 − p rounds to 1 — exactly the low-FPR region the attack is judged on.
 * (The reference code ranks by the two-sided −log N(φ; μ, σ) and takes μ as the median.)
 *
 * fixedVariance: one σ for all examples, pooled from every example's deviations from its own
 * mean — the paper's choice when there are few shadow models (it found it better below ~64).
 */
import { logErfc } from '../fl/dp/log-space';
import { checkFinite } from './scores';

export interface LiraOfflineOptions {
  /** One pooled σ for every example instead of a per-example σ. Default false. */
  fixedVariance?: boolean;
}

/**
 * σ below this is treated as this: confidences that agree to float32 precision across every
 * shadow model would otherwise divide by zero.
 */
const MIN_SIGMA = 1e-6;

const LN2 = Math.log(2);

/** −ln P(Z ≥ x) for Z ~ N(0, 1): −ln(½ erfc(x/√2)), accurate in both tails. */
function negLogUpperTail(x: number): number {
  return LN2 - logErfc(x / Math.SQRT2);
}

export function liraOfflineScores(
  targetConfidences: ArrayLike<number>,
  shadowOutConfidences: ArrayLike<number>[],
  opts: LiraOfflineOptions = {},
): Float64Array {
  const target = checkFinite('target confidences', targetConfidences);
  if (!Array.isArray(shadowOutConfidences) || shadowOutConfidences.length !== target.length) {
    throw new RangeError(
      `shadowOutConfidences must hold one array per example (${target.length}), got ${Array.isArray(shadowOutConfidences) ? shadowOutConfidences.length : typeof shadowOutConfidences}`,
    );
  }
  const fixed = opts.fixedVariance ?? false;
  const minShadows = fixed ? 1 : 2;
  const means = new Float64Array(target.length);
  const squares = new Float64Array(target.length);
  let pooledSquares = 0;
  let pooledDof = 0;
  shadowOutConfidences.forEach((raw, i) => {
    const out = checkFinite(`shadowOutConfidences[${i}]`, raw);
    if (out.length < minShadows) {
      throw new RangeError(
        `example ${i} has ${out.length} OUT shadow confidence(s); ${fixed ? 'fixedVariance needs at least 1' : 'a per-example variance needs at least 2 (or use fixedVariance)'}`,
      );
    }
    let sum = 0;
    for (const v of out) sum += v;
    const mean = sum / out.length;
    let ss = 0;
    for (const v of out) ss += (v - mean) * (v - mean);
    means[i] = mean;
    squares[i] = out.length > 1 ? ss / (out.length - 1) : 0;
    pooledSquares += ss;
    pooledDof += out.length - 1;
  });
  if (fixed && pooledDof === 0) throw new RangeError('fixedVariance needs some example with at least 2 OUT shadow confidences to estimate σ');
  const pooledSigma = fixed ? Math.max(Math.sqrt(pooledSquares / pooledDof), MIN_SIGMA) : 0;
  return target.map((phi, i) => {
    const sigma = fixed ? pooledSigma : Math.max(Math.sqrt(squares[i]), MIN_SIGMA);
    return negLogUpperTail((phi - means[i]) / sigma);
  });
}
