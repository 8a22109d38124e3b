/**
 * The empirical ε lower bound implied by a membership test's error rates (Kairouz et al.
 * 2015; used to audit DP training by Jagielski et al. 2020 and Nasr et al. 2021).
 *
 * If training is (ε, δ)-DP, every test that tells "x was in the training set" from "x was
 * not" obeys TPR ≤ e^ε·FPR + δ and, for its complement, 1 − FPR ≤ e^ε·(1 − TPR) + δ. So an
 * observed test proves
 *
 *   ε ≥ max( ln((TPR − δ) / FPR),  ln((1 − δ − FPR) / (1 − TPR)) )      (and ε ≥ 0)
 *
 * i.e. Nasr et al.'s max(ln((1 − δ − FPR)/FNR), ln((1 − δ − FNR)/FPR)).
 *
 * The point estimate plugs in the observed rates. It is no bound at all on few samples (one
 * threshold with FPR = 0 and TPR > δ gives ε = ∞). The Clopper–Pearson version plugs in the
 * pessimistic end of each rate's 95 % two-sided interval — TPR's lower end, FPR's upper end
 * — so that with probability ≥ 95 % over the sampled examples (97.5 % per rate, union bound)
 * the true rates satisfy it, and it is a lower bound on the true ε at that confidence.
 */
import { clopperPearson } from './clopper-pearson';
import { RocCounts } from './roc';

/** Nasr et al.'s choice, and the δ DP-SGD papers usually report at. */
export const DEFAULT_DELTA = 1e-5;
export const DEFAULT_CONFIDENCE = 0.95;

export interface EpsilonBoundOptions {
  /** δ of the (ε, δ) guarantee being audited. Default 1e-5. */
  delta?: number;
  /** Confidence of the Clopper–Pearson intervals. Default 0.95. */
  confidence?: number;
}

/** One operating point of a membership test, as counts. */
export interface TestCounts {
  /** Members flagged as members. */
  truePositives: number;
  members: number;
  /** Non-members flagged as members. */
  falsePositives: number;
  nonMembers: number;
}

export interface EpsilonLowerBound {
  /** ε from the observed rates (may be Infinity when FPR or FNR is 0). */
  point: number;
  /** ε from the Clopper–Pearson ends of both rates: a lower bound at `confidence`. */
  clopperPearson: number;
  delta: number;
  confidence: number;
}

function checkOptions(opts: EpsilonBoundOptions): Required<EpsilonBoundOptions> {
  const delta = opts.delta ?? DEFAULT_DELTA;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  if (!(delta >= 0 && delta < 1)) throw new RangeError(`delta must be in [0, 1), got ${delta}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return { delta, confidence };
}

/** ln(num / den) where num ≤ 0 proves nothing (0) and den = 0 < num proves ε = ∞. */
function logRatio(num: number, den: number): number {
  if (!(num > 0)) return 0;
  return Math.max(0, Math.log(num / den));
}

/** The formula above for given rates (no sampling error considered). */
export function epsilonFromRates(tpr: number, fpr: number, delta: number): number {
  for (const [name, v] of [
    ['tpr', tpr],
    ['fpr', fpr],
    ['delta', delta],
  ] as const) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${v}`);
  }
  return Math.max(logRatio(tpr - delta, fpr), logRatio(1 - delta - fpr, 1 - tpr));
}

function checkCounts(c: TestCounts): void {
  for (const [k, n, what] of [
    [c.truePositives, c.members, 'truePositives of members'],
    [c.falsePositives, c.nonMembers, 'falsePositives of nonMembers'],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what}: need an integer count ≥ 1 of examples, got ${n}`);
    if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`${what}: ${k} is not an integer in [0, ${n}]`);
  }
}

/** The ε lower bound of one operating point (a threshold chosen beforehand). */
export function epsilonLowerBound(counts: TestCounts, opts: EpsilonBoundOptions = {}): EpsilonLowerBound {
  checkCounts(counts);
  const { delta, confidence } = checkOptions(opts);
  const tpr = clopperPearson(counts.truePositives, counts.members, confidence);
  const fpr = clopperPearson(counts.falsePositives, counts.nonMembers, confidence);
  return {
    point: epsilonFromRates(counts.truePositives / counts.members, counts.falsePositives / counts.nonMembers, delta),
    clopperPearson: epsilonFromRates(tpr.lower, fpr.upper, delta),
    delta,
    confidence,
  };
}

export interface CurveEpsilonLowerBound extends EpsilonLowerBound {
  /** The threshold (flag scores ≥ it) whose Clopper–Pearson bound is the largest, and its rates. */
  threshold: number;
  tpr: number;
  fpr: number;
}

/**
 * The largest bound over every threshold of a ROC curve (both the point estimate and the
 * Clopper–Pearson version maximised separately). Choosing the threshold on the same scores
 * makes the Clopper–Pearson value optimistic, as in Jagielski et al.; for a bound that holds
 * at the stated confidence, pick the threshold on held-out scores and call epsilonLowerBound.
 *
 * Only the points that can win are evaluated: for each false-positive count the one with
 * the most true positives (first formula), for each true-positive count the one with the
 * fewest false positives (second formula). The Clopper–Pearson value of a point never exceeds
 * its point estimate (TPR only goes down, FPR only up), so points are visited by decreasing
 * point estimate and the search stops once that falls to the best Clopper–Pearson value.
 */
export function epsilonLowerBoundOfCurve(roc: RocCounts, opts: EpsilonBoundOptions = {}): CurveEpsilonLowerBound {
  const { delta, confidence } = checkOptions(opts);
  const { tp, fp, thresholds, members, nonMembers } = roc;
  const last = tp.length - 1;
  const candidates: { k: number; point: number }[] = [];
  for (let k = 0; k <= last; k++) {
    const mostTp = k === last || fp[k + 1] > fp[k];
    const fewestFp = k === 0 || tp[k - 1] < tp[k];
    if (mostTp || fewestFp) candidates.push({ k, point: epsilonFromRates(tp[k] / members, fp[k] / nonMembers, delta) });
  }
  candidates.sort((a, b) => b.point - a.point);
  let best = { clopperPearson: 0, threshold: Infinity, tpr: 0, fpr: 0 };
  for (const { k, point } of candidates) {
    if (point <= best.clopperPearson) break;
    const cp = epsilonFromRates(clopperPearson(tp[k], members, confidence).lower, clopperPearson(fp[k], nonMembers, confidence).upper, delta);
    if (cp > best.clopperPearson) best = { clopperPearson: cp, threshold: thresholds[k], tpr: tp[k] / members, fpr: fp[k] / nonMembers };
  }
  return { point: candidates[0].point, delta, confidence, ...best };
}
