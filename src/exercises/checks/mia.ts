/**
 * Checks of exercise 05 (membership inference): the area under an attack's ROC curve and its
 * TPR at a low FPR, from member and non-member scores (higher = "more likely a member"). The
 * expectations are brute force over every pair and every threshold, written here without
 * sorting so they share nothing with a student's (or the library's, src/privacy/roc.ts)
 * sweep. The typical slips (members and non-members swapped, ties not counted one half or
 * split across a threshold, FPR < instead of ≤, an interpolated TPR) are recognised by
 * computing what each would give.
 */
import { SeededRng } from '../../util/rng';
import { CheckResult, failed, passed, runCheck } from '../check-result';

export type RocAuc = (memberScores: readonly number[], nonMemberScores: readonly number[]) => number;
export type TprAtFpr = (memberScores: readonly number[], nonMemberScores: readonly number[], maxFpr: number) => number;

/** P(member score > non-member score) + ½ P(tie) over all pairs: the Mann–Whitney U over m·n. `tie` is what a tie counts. */
export function pairCountAuc(members: readonly number[], nonMembers: readonly number[], tie = 0.5): number {
  let s = 0;
  for (const a of members) for (const b of nonMembers) s += a > b ? 1 : a === b ? tie : 0;
  return s / (members.length * nonMembers.length);
}

const countAtLeast = (xs: readonly number[], t: number): number => xs.reduce((c, x) => c + (x >= t ? 1 : 0), 0);

/** Every operating point of "flag score ≥ t", t over +∞ and each distinct score, by decreasing t. */
function thresholdPoints(members: readonly number[], nonMembers: readonly number[]): { fpr: number; tpr: number }[] {
  const ts = [Infinity, ...new Set([...members, ...nonMembers])].sort((a, b) => b - a);
  return ts.map((t) => ({ fpr: countAtLeast(nonMembers, t) / nonMembers.length, tpr: countAtLeast(members, t) / members.length }));
}

/** The best TPR of a threshold whose FPR is ≤ maxFpr (< maxFpr when `strict`), by trying every threshold. */
export function bruteTprAtFpr(members: readonly number[], nonMembers: readonly number[], maxFpr: number, strict = false): number {
  let best = 0;
  for (const p of thresholdPoints(members, nonMembers)) if ((strict ? p.fpr < maxFpr : p.fpr <= maxFpr) && p.tpr > best) best = p.tpr;
  return best;
}

/** TPR read off the straight line between the curve's points around maxFpr (not an operating point of any threshold). */
function interpolatedTpr(members: readonly number[], nonMembers: readonly number[], maxFpr: number): number {
  const pts = thresholdPoints(members, nonMembers);
  const k = pts.findIndex((p) => p.fpr > maxFpr);
  if (k <= 0) return pts[pts.length - 1].tpr;
  const [a, b] = [pts[k - 1], pts[k]];
  return a.tpr + ((b.tpr - a.tpr) * (maxFpr - a.fpr)) / (b.fpr - a.fpr);
}

/** A sweep one example at a time (members first among equal scores): it stops inside groups of ties, where no threshold can. */
function ungroupedTpr(members: readonly number[], nonMembers: readonly number[], maxFpr: number): number {
  const all = [...members.map((s) => ({ s, member: true })), ...nonMembers.map((s) => ({ s, member: false }))];
  all.sort((x, y) => y.s - x.s || Number(y.member) - Number(x.member));
  let tp = 0;
  let fp = 0;
  let best = 0;
  for (const e of all) {
    if (e.member) tp++;
    else fp++;
    if (fp / nonMembers.length <= maxFpr) best = Math.max(best, tp / members.length);
  }
  return best;
}

interface ScoreCase {
  name: string;
  members: number[];
  nonMembers: number[];
}

/** Seeded score sets: integer scores with many ties; negative scores of mixed magnitude (losses negated); fully separated. */
function aucCases(): ScoreCase[] {
  const rng = new SeededRng(5);
  const ints = (n: number, shift: number): number[] => Array.from({ length: n }, () => rng.nextInt(10) + shift);
  // −loss with losses over several decades: sorting these as strings (sort() without a comparator) misorders them.
  const negLosses = (n: number, decades: number): number[] => Array.from({ length: n }, () => -Number((10 ** (decades * rng.next() - 2)).toPrecision(4)));
  return [
    { name: 'integer scores with ties (37 members, 53 non-members)', members: ints(37, 2), nonMembers: ints(53, 0) },
    { name: 'negated losses (20 members, 80 non-members)', members: negLosses(20, 3), nonMembers: negLosses(80, 4) },
    { name: 'separated scores', members: [5, 6, 7], nonMembers: [1, 2] },
  ];
}

const fmt = (x: number): string => (typeof x === 'number' && Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x));
const same = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9;

/** Task 1: rocAuc against the pair count, on ties, mixed-magnitude negative scores and a separated set. */
export function checkRocAuc(rocAuc: RocAuc): Promise<CheckResult> {
  return runCheck('mia-auc', () => {
    for (const c of aucCases()) {
      const got = rocAuc(c.members.slice(), c.nonMembers.slice());
      const expected = pairCountAuc(c.members, c.nonMembers);
      if (typeof got === 'number' && same(got, expected)) continue;
      const where = `On ${c.name}: you returned AUC = ${fmt(got)}, the pair count gives ${fmt(expected)}`;
      if (typeof got !== 'number') return failed('mia-auc', `${where}; return a number.`);
      if (!same(expected, 0.5) && same(got, 1 - expected)) {
        return failed(
          'mia-auc',
          `${where} = 1 − yours: members and non-members are swapped.`,
          'The AUC is the probability that a random MEMBER scores above a random NON-MEMBER (higher score = "member").',
        );
      }
      if (same(got, pairCountAuc(c.members, c.nonMembers, 0)) || same(got, pairCountAuc(c.members, c.nonMembers, 1))) {
        return failed(
          'mia-auc',
          `${where}: ties are not counted one half.`,
          'A member and a non-member with the same score are a coin flip for any threshold: such a pair counts ½.',
        );
      }
      if (same(got, 100 * expected)) return failed('mia-auc', `${where}: a percentage.`, 'Return the AUC as a fraction in [0, 1].');
      return failed(
        'mia-auc',
        `${where}.`,
        'Count, over every (member, non-member) pair, 1 when the member scores higher and ½ on a tie, and divide by the number of pairs. If you sort, give sort() a comparator ((a, b) => a - b): without one JavaScript sorts numbers as strings.',
      );
    }
    return passed('mia-auc', 'rocAuc matches the Mann–Whitney pair count (ties ½) on three score sets, ties and negative scores included.');
  });
}

interface TprCase extends ScoreCase {
  maxFpr: number;
}

function tprCases(): TprCase[] {
  const rng = new SeededRng(7);
  const uniform = (n: number, lo: number, width: number): number[] => Array.from({ length: n }, () => lo + width * rng.next());
  const ints = (n: number, shift: number): number[] => Array.from({ length: n }, () => rng.nextInt(6) + shift);
  // 100 non-members, so FPR 1 % is exactly one of them; a member lies between the two highest.
  const nonMembers = uniform(100, 0, 10);
  const [s1, s2] = nonMembers.slice().sort((a, b) => b - a);
  return [
    { name: '40 members, 100 non-members, FPR ≤ 1 %', members: [...uniform(39, 3, 10), (s1 + s2) / 2], nonMembers, maxFpr: 0.01 },
    // Ties across the threshold: at score 8 a member and a non-member are flagged together or not at all.
    { name: 'integer scores with ties, FPR ≤ 10 %', members: [9, 9, 8, 8, 8, 7, 6, 5, 5, 4], nonMembers: [8, 7, 7, 6, 5, 4, 3, 3, 2, 1], maxFpr: 0.1 },
    // 20 non-members: 12.5 % is 2.5 of them, inside a step of the curve where tied members and non-members are flagged together.
    { name: 'integer scores of 20 members and 20 non-members, FPR ≤ 12.5 %', members: ints(20, 2), nonMembers: ints(20, 0), maxFpr: 0.125 },
    { name: 'a non-member scoring highest, FPR ≤ 0', members: [1, 2, 3], nonMembers: [4, 0], maxFpr: 0 },
  ];
}

/** Task 2: tprAtFpr against every threshold tried in turn. */
export function checkTprAtFpr(tprAtFpr: TprAtFpr): Promise<CheckResult> {
  return runCheck('mia-tpr', () => {
    for (const c of tprCases()) {
      const got = tprAtFpr(c.members.slice(), c.nonMembers.slice(), c.maxFpr);
      const expected = bruteTprAtFpr(c.members, c.nonMembers, c.maxFpr);
      if (typeof got === 'number' && same(got, expected)) continue;
      const where = `On ${c.name}: you returned TPR = ${fmt(got)}, the best threshold gives ${fmt(expected)}`;
      const slips: [number, string, string][] = [
        [bruteTprAtFpr(c.nonMembers, c.members, c.maxFpr), 'members and non-members are swapped', 'TPR counts members flagged, FPR non-members flagged.'],
        [bruteTprAtFpr(c.members, c.nonMembers, c.maxFpr, true), 'you required FPR < maxFpr', 'A threshold whose FPR equals maxFpr is allowed: FPR ≤ maxFpr.'],
        [
          ungroupedTpr(c.members, c.nonMembers, c.maxFpr),
          'your sweep stops between examples with the same score',
          'A threshold flags every example with a given score or none of them: move it from one distinct score to the next.',
        ],
        [
          interpolatedTpr(c.members, c.nonMembers, c.maxFpr),
          'you interpolated between two points of the curve',
          'Report the TPR of an actual threshold: the best one whose FPR is ≤ maxFpr (as membership-inference papers do).',
        ],
      ];
      const slip = typeof got === 'number' ? slips.find(([v]) => !same(v, expected) && same(got, v)) : undefined;
      if (slip) return failed('mia-tpr', `${where}: ${slip[1]}.`, slip[2]);
      return failed(
        'mia-tpr',
        `${where}.`,
        'Try each distinct score as a threshold (flag score ≥ t); keep those that flag at most maxFpr of the non-members; return the largest fraction of members flagged (0 if none).',
      );
    }
    return passed(
      'mia-tpr',
      'tprAtFpr matches the best threshold, tried one by one, on four score sets (ties, an FPR exactly at the limit, no threshold allowed).',
    );
  });
}
