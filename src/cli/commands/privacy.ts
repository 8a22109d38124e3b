import { parseArgs } from 'node:util';
import { commandGroup, numberOption, UsageError } from '../command';
import { AttackResult, DEFAULT_DELTA, evaluateAttack, lossThresholdScores, readScoreFile } from '../../privacy';

function report(r: AttackResult): string {
  const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
  return [
    `membership inference (${r.attack}): ${r.members} members, ${r.nonMembers} non-members`,
    `AUC              ${r.auc.toFixed(4)}`,
    `TPR at 1 % FPR   ${pct(r.tprAt1PctFpr)}`,
    `TPR at 0.1 % FPR ${pct(r.tprAt01PctFpr)}`,
    `ε lower bound    ${r.epsilonLowerBound.toFixed(4)} (Clopper–Pearson 95 %, δ = ${r.delta}, best threshold; point estimate ${r.epsilonPointEstimate.toFixed(4)})`,
  ].join('\n');
}

async function mia(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      members: { type: 'string' },
      'non-members': { type: 'string' },
      scores: { type: 'boolean', default: false },
      losses: { type: 'boolean', default: false },
      delta: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.members === undefined || values['non-members'] === undefined) throw new UsageError('privacy mia needs --members FILE and --non-members FILE');
  if (values.scores && values.losses) throw new UsageError('give --scores or --losses, not both');
  const delta = numberOption('delta', values.delta, (n) => n >= 0 && n < 1, 'in [0, 1)') ?? DEFAULT_DELTA;
  const read = (file: string): Float64Array => (values.losses ? lossThresholdScores(readScoreFile(file)) : readScoreFile(file));
  const result = evaluateAttack(values.losses ? 'loss-threshold' : 'scores', read(values.members), read(values['non-members']), { delta });
  // JSON has no Infinity: an infinite point estimate is written as null.
  console.log(values.json ? JSON.stringify(result) : report(result));
  return 0;
}

/** `privlab privacy …`: privacy attacks on the command line. */
export const privacy = commandGroup('privacy', [
  {
    name: 'mia',
    usage: `privlab privacy mia --members FILE --non-members FILE [--scores|--losses] [--delta D] [--json]
    Membership-inference metrics of given scores (higher = member; the default) or losses
    (the loss-threshold attack, score = −loss) of members and non-members, each a .npy
    (shape (N,) or (N, 1)) or a text file of one number per line: ROC AUC, TPR at 1 % and
    0.1 % FPR, and the empirical ε lower bound at δ (default ${DEFAULT_DELTA}). --json adds the
    log-scale ROC curve.`,
    run: mia,
  },
]);
