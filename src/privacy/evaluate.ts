/**
 * One attack's scores → the numbers the field reports: ROC AUC, TPR at 1 % and 0.1 % FPR,
 * the empirical ε lower bound, and a log-scale ROC curve small enough to plot or store.
 */
import { epsilonLowerBoundOfCurve, EpsilonBoundOptions } from './epsilon-bound';
import { aucFromCounts, curveFromCounts, rocCounts, RocCurve, tprAtFpr } from './roc';

export interface AttackResult {
  attack: string;
  members: number;
  nonMembers: number;
  auc: number;
  tprAt1PctFpr: number;
  tprAt01PctFpr: number;
  /** The Clopper–Pearson (95 %) ε lower bound at δ, best over thresholds (see epsilon-bound.ts). */
  epsilonLowerBound: number;
  /** The point estimate of the same bound (Infinity when some threshold has FPR = 0 and TPR > δ). */
  epsilonPointEstimate: number;
  delta: number;
  /** The ROC curve at log-spaced FPRs (the best TPR at FPR ≤ each), for log-log plots. */
  curve: { fpr: number[]; tpr: number[] };
}

/** Points of the plotted curve: log-spaced from the finest FPR step up to 1. */
const CURVE_POINTS = 100;

/**
 * The curve as a staircase read at log-spaced FPRs: from 1/nonMembers (no FPR between 0 and
 * that exists) or 1e-5, whichever is smaller, to 1. Each point is (f, best TPR at FPR ≤ f).
 */
export function logSpacedCurve(curve: RocCurve, nonMembers: number, points = CURVE_POINTS): { fpr: number[]; tpr: number[] } {
  if (!Number.isInteger(points) || points < 2) throw new RangeError(`a plotted curve needs an integer ≥ 2 points, got ${points}`);
  const lo = Math.log10(Math.min(1 / nonMembers, 1e-5));
  const fpr: number[] = [];
  const tpr: number[] = [];
  for (let i = 0; i < points; i++) {
    const f = i === points - 1 ? 1 : 10 ** (lo + (-lo * i) / (points - 1));
    fpr.push(f);
    tpr.push(tprAtFpr(curve, f));
  }
  return { fpr, tpr };
}

export function evaluateAttack(
  attack: string,
  memberScores: ArrayLike<number>,
  nonMemberScores: ArrayLike<number>,
  opts: EpsilonBoundOptions = {},
): AttackResult {
  if (typeof attack !== 'string' || attack.length === 0) throw new TypeError(`an attack needs a name, got ${JSON.stringify(attack)}`);
  const counts = rocCounts(memberScores, nonMemberScores);
  const { members, nonMembers } = counts;
  const curve = curveFromCounts(counts);
  const eps = epsilonLowerBoundOfCurve(counts, opts);
  return {
    attack,
    members,
    nonMembers,
    auc: aucFromCounts(counts),
    tprAt1PctFpr: tprAtFpr(curve, 0.01),
    tprAt01PctFpr: tprAtFpr(curve, 0.001),
    epsilonLowerBound: eps.clopperPearson,
    epsilonPointEstimate: eps.point,
    delta: eps.delta,
    curve: logSpacedCurve(curve, nonMembers),
  };
}
