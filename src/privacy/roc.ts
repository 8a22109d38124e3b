/**
 * The ROC curve of a membership score (higher = "more likely a member"), its area, and the
 * TPR at a fixed low FPR — the metrics membership-inference papers report (Carlini et al.
 * 2022 argue for TPR at 1 % and 0.1 % FPR on a log-scale ROC rather than AUC alone).
 */
import { checkScores } from './scores';

export interface RocCurve {
  /** False-positive rate (non-members flagged) of each point, increasing from 0 to 1. */
  fpr: Float64Array;
  /** True-positive rate (members flagged) of each point, increasing from 0 to 1. */
  tpr: Float64Array;
  /**
   * Point i flags every score ≥ thresholds[i]. The first point flags nothing and has
   * threshold +Infinity; the others are the distinct scores, decreasing. Every distinct score
   * gives a point (as scikit-learn's roc_curve with drop_intermediate=False), so no operating
   * point at low FPR is lost.
   */
  thresholds: Float64Array;
}

/** Counts behind the curve: members (tp) and non-members (fp) flagged at each threshold. */
export interface RocCounts {
  tp: Float64Array;
  fp: Float64Array;
  thresholds: Float64Array;
  members: number;
  nonMembers: number;
}

const descending = (a: number, b: number): number => b - a;

/** The ROC points as counts (a merge of the two sorted score lists; ties form one point). */
export function rocCounts(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>): RocCounts {
  const m = checkScores('member scores', memberScores).sort(descending);
  const n = checkScores('non-member scores', nonMemberScores).sort(descending);
  const tp = [0];
  const fp = [0];
  const thresholds = [Infinity];
  let i = 0;
  let j = 0;
  while (i < m.length || j < n.length) {
    const t = Math.max(i < m.length ? m[i] : -Infinity, j < n.length ? n[j] : -Infinity);
    while (i < m.length && m[i] === t) i++;
    while (j < n.length && n[j] === t) j++;
    tp.push(i);
    fp.push(j);
    thresholds.push(t);
  }
  return { tp: Float64Array.from(tp), fp: Float64Array.from(fp), thresholds: Float64Array.from(thresholds), members: m.length, nonMembers: n.length };
}

/** The counts as rates. */
export function curveFromCounts(c: RocCounts): RocCurve {
  return { fpr: c.fp.map((f) => f / c.nonMembers), tpr: c.tp.map((t) => t / c.members), thresholds: c.thresholds };
}

export function rocCurve(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>): RocCurve {
  return curveFromCounts(rocCounts(memberScores, nonMemberScores));
}

/** The area under the curve of these counts, by trapezoids summed in integers (exact up to the final division). */
export function aucFromCounts({ tp, fp, members, nonMembers }: RocCounts): number {
  let twiceArea = 0;
  for (let k = 1; k < tp.length; k++) twiceArea += (fp[k] - fp[k - 1]) * (tp[k] + tp[k - 1]);
  return twiceArea / (2 * members * nonMembers);
}

/**
 * Area under the ROC curve: the probability that a random member scores above a random
 * non-member, ties counting one half (the Mann–Whitney U statistic over m·n).
 */
export function rocAuc(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>): number {
  return aucFromCounts(rocCounts(memberScores, nonMemberScores));
}

/**
 * The best TPR among the curve's points with FPR ≤ maxFpr (how LiRA reports "TPR at 0.1 %
 * FPR"). With n non-members the finest FPR step is 1/n: below it only FPR = 0 qualifies.
 */
export function tprAtFpr(curve: RocCurve, maxFpr: number): number {
  if (!(maxFpr >= 0 && maxFpr <= 1)) throw new RangeError(`maxFpr must be in [0, 1], got ${maxFpr}`);
  if (curve.fpr.length !== curve.tpr.length || curve.fpr.length === 0) {
    throw new RangeError(`a ROC curve needs as many FPR as TPR values (at least one), got ${curve.fpr.length} and ${curve.tpr.length}`);
  }
  let best = 0;
  for (let k = 0; k < curve.fpr.length; k++) if (curve.fpr[k] <= maxFpr && curve.tpr[k] > best) best = curve.tpr[k];
  return best;
}
