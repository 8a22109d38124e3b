/**
 * `privlab bench gen-privacy`: the generative-privacy experiment (src/experiments/generative-privacy.ts)
 * as JSON — per approach and seed the real test accuracy, ε and each attack's AUC, TPR at 1 % and
 * 0.1 % FPR and ε lower bound; the mean and spread over the seeds; and the targets read off
 * the numbers (synthetic classifier within 5 points of FedAvg; membership inference against it at
 * AUC ≤ 0.55 and TPR@1%FPR ≤ 2 %, while the overfitted baseline is clearly above chance).
 * Without --full: the notebook's short run, one seed; --full: the long run over seeds 0, 1, 2.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend';
import { intOption, numberOption, UsageError } from '../src/cli/command';
import {
  GEN_PRIVACY_APPROACHES,
  GEN_PRIVACY_FULL,
  GEN_PRIVACY_SHORT,
  GenPrivacyApproach,
  GenPrivacyOptions,
  GenPrivacyResult,
  runGenerativePrivacy,
} from '../src/experiments/generative-privacy';
import { DRS_MIN_ACCEPTANCE_DEFAULT, drsFallbackClasses, DrsReport } from '../src/experiments/rejection-sampling';
import { AUGMENT_SHIFT_MAX } from '../src/fl/tasks';
import { round } from './stats';
import type { NamedBenchmark } from './benchmark';

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const stat = (xs: number[], digits = 4): { mean: number; sd: number; values: number[] } => ({
  mean: round(mean(xs), digits),
  sd: round(sd(xs), digits),
  values: xs.map((x) => round(x, digits)),
});

/** The rejection sampler's report: its candidates, the acceptance floor, and per class whether the floor lowered γ. */
function drsJson(d: DrsReport): object {
  return {
    candidates: d.candidates,
    min_acceptance: d.minAcceptance,
    fallback_classes: drsFallbackClasses(d),
    classes: d.classes.map((c) => ({
      label: c.label,
      candidates: c.candidates,
      acceptance: round(c.accepted / c.candidates, 4),
      gamma_initial: round(c.gammaInitial, 4),
      gamma_final: round(c.gammaFinal, 4),
      fallbacks: c.fallbacks,
    })),
  };
}

/** What a row of one run looks like in the JSON (no ROC curve: the notebook draws those). */
function rowJson(r: GenPrivacyResult['rows'][number]): object {
  return {
    approach: r.approach,
    label: r.label,
    test_accuracy: round(r.testAccuracy, 4),
    epsilon: r.epsilon === null ? null : round(r.epsilon, 3),
    training_set: r.trainingSet,
    members: r.members,
    ...(r.drs === undefined ? {} : { drs_acceptance: round(r.drs.acceptance, 4), drs: drsJson(r.drs) }),
    attacks: Object.fromEntries(
      r.attacks.map((a) => [
        a.attack,
        {
          auc: round(a.auc, 4),
          tpr_at_1pct_fpr: round(a.tprAt1PctFpr, 4),
          tpr_at_0_1pct_fpr: round(a.tprAt01PctFpr, 4),
          epsilon_lower_bound: round(a.epsilonLowerBound, 3),
          members: a.members,
          non_members: a.nonMembers,
        },
      ]),
    ),
    seconds: round(r.seconds, 1),
  };
}

/** Mean and spread over the seeds, per approach; and the targets. */
export function summarise(runs: GenPrivacyResult[]): { summary: object; targets: object } {
  const approaches = runs[0].rows.map((r) => r.approach);
  const rowsOf = (a: GenPrivacyApproach) => runs.map((run) => run.rows.find((r) => r.approach === a)!);
  const attack = (a: GenPrivacyApproach, name: string, k: 'auc' | 'tprAt1PctFpr') => rowsOf(a).map((r) => r.attacks.find((x) => x.attack === name)?.[k] ?? NaN);
  const summary = Object.fromEntries(
    approaches.map((a) => {
      const rows = rowsOf(a);
      const names = rows[0].attacks.map((x) => x.attack);
      return [
        a,
        {
          test_accuracy: stat(rows.map((r) => r.testAccuracy)),
          epsilon:
            rows[0].epsilon === null
              ? null
              : stat(
                  rows.map((r) => r.epsilon as number),
                  3,
                ),
          attacks: Object.fromEntries(names.map((n) => [n, { auc: stat(attack(a, n, 'auc')), tpr_at_1pct_fpr: stat(attack(a, n, 'tprAt1PctFpr')) }])),
        },
      ];
    }),
  );
  const has = (a: GenPrivacyApproach): boolean => approaches.includes(a);
  const miaNames = ['loss-threshold', 'lira-offline'];
  const targets = {
    synthetic_minus_fedavg_accuracy_points:
      has('synthetic') && has('fedavg')
        ? stat(
            runs.map((_, i) => 100 * (rowsOf('synthetic')[i].testAccuracy - rowsOf('fedavg')[i].testAccuracy)),
            2,
          )
        : null,
    synthetic_within_5_points_of_fedavg:
      has('synthetic') && has('fedavg')
        ? mean(rowsOf('synthetic').map((r) => r.testAccuracy)) >= mean(rowsOf('fedavg').map((r) => r.testAccuracy)) - 0.05
        : null,
    synthetic_mia_auc_at_most_0_55: has('synthetic') ? miaNames.every((n) => attack('synthetic', n, 'auc').every((x) => x <= 0.55)) : null,
    synthetic_mia_tpr_at_1pct_fpr_at_most_2pct: has('synthetic') ? miaNames.every((n) => attack('synthetic', n, 'tprAt1PctFpr').every((x) => x <= 0.02)) : null,
    // "clearly above chance": the AUC at least 0.6 and TPR@1%FPR at least 3× the 1 % a blind guess gets, on every seed, for some attack
    overfit_mia_above_chance: has('overfit')
      ? miaNames.some((n) => attack('overfit', n, 'auc').every((x) => x >= 0.6) && attack('overfit', n, 'tprAt1PctFpr').every((x) => x >= 0.03))
      : null,
  };
  return { summary, targets };
}

export async function benchGenPrivacy(o: GenPrivacyOptions, seeds: number[], log: (line: string) => void): Promise<object> {
  await selectBackend({ quiet: true, blasThreads: 1 });
  const t0 = performance.now();
  const runs: GenPrivacyResult[] = [];
  for (const seed of seeds) {
    log(`seed ${seed}`);
    runs.push(await runGenerativePrivacy({ ...o, seed, log, ...(o.dir === undefined ? {} : { dir: path.join(o.dir, `seed-${seed}`) }) }));
  }
  const r = runs[0];
  return {
    benchmark: 'gen-privacy',
    dataset: r.dataset,
    mode: r.mode,
    sites: r.sites,
    train_per_site: r.trainPerSite,
    members: r.members,
    non_members: r.nonMembers,
    shadow_pool: r.shadowPool,
    shadows: r.shadows,
    test_examples: r.testExamples,
    synthetic_count: r.syntheticCount,
    fresh_synthetic_per_epoch: r.freshSyntheticPerEpoch,
    rejection_sampling: r.rejectionSampling,
    refit_rounds: r.refitRounds,
    gan_task: r.ganTask,
    delta: r.delta,
    seeds,
    options: { gan: o.gan, gan_dp: o.ganDp, classifier: o.classifier, classifier_dp: o.classifierDp ?? null, overfit: o.overfit ?? null },
    runs: runs.map((x) => ({ seed: x.seed, rows: x.rows.map(rowJson), seconds: round(x.seconds, 1) })),
    ...summarise(runs),
    seconds: round((performance.now() - t0) / 1000, 1),
  };
}

export const genPrivacyBenchmark: NamedBenchmark = {
  name: 'gen-privacy',
  usage: `gen-privacy [--full] [--seeds N] [--seed S] [--sites K] [--non-iid] [--classes-per-site C] [--dataset mnist|fashion]
           [--train-per-site N] [--gan-task cgan-mnist:Z:G:D] [--gan-rounds R] [--gan-steps S] [--dp-gan-rounds R]
           [--dp-gan-steps S] [--epochs E] [--fed-rounds R] [--dp-steps S] [--synthetic N] [--shadows N]
           [--overfit-count N] [--overfit-epochs E] [--test-examples N] [--approaches a,b]
           [--gan-lr X] [--gan-batch B] [--gan-average-rounds K] [--keep-optimizer-state | --fresh-optimizer] [--fresh-synthetic] [--drs | --no-drs]
           [--drs-min-acceptance X] [--gan-refit-rounds R] [--lr-decay none|linear] [--augment-shift P] [--dir DIR] [--keep-rounds]
      Generative privacy: a federated class-conditional GAN's synthetic set trains the classifier,
      against local, FedAvg, FedAvg + DP-SGD, centralized, an overfitted baseline and a control
      (saw no member) on the same sites: real test accuracy, ε, and loss-threshold / LiRA offline / GAN-Leaks membership
      inference (AUC, TPR at 1 % and 0.1 % FPR, ε lower bound), mean over seeds, the issue's
      targets. Default: the notebook's short run, one seed; --full: the long run, seeds 0-2.
      --gan-average-rounds K: the server releases the mean of the generator over the GAN's last K
      rounds (default 10 of 30 with --full, 1 otherwise: the last round's);
      --keep-optimizer-state / --fresh-optimizer: the GAN sites keep their Adam moments between
      rounds, or start each round fresh; --fresh-synthetic: the synthetic classifier sees fresh
      digits every epoch (epochs × --synthetic in all); --drs / --no-drs: discriminator rejection
      sampling of the synthetic digits with the federated discriminator, or not (default: on with
      --full, whose GAN batch is 128; off in the short run); --drs-min-acceptance X: the rejection
      sampler's acceptance floor (implies --drs; default ${DRS_MIN_ACCEPTANCE_DEFAULT}: a class whose
      expected acceptance falls below it gets a looser threshold; 0: none, the paper's DRS);
      --gan-refit-rounds R: before rejection sampling, R federated rounds train only the
      discriminator against the released generator, so the filter judges the generator it filters
      (needs rejection sampling; the synthetic approach only; default 0); --lr-decay linear: the
      centrally trained classifiers (synthetic, centralized, local, overfit, control, shadows) take
      their learning rate linearly to 0 over their steps (default: linear with --full, none otherwise);
      --augment-shift P: every classifier but the overfitted baseline (FedAvg's sites too, not
      FedAvg + DP-SGD) trains on its digits moved by up to P pixels in x and y (default: 2 with
      --full, 0 otherwise).
      --dir DIR: keep each seed's federated jobs in DIR/seed-S (default a temp directory); a
      directory from an earlier run with the same settings resumes each job from its checkpoint, so
      --gan-rounds 30 on a 20-round run's DIR trains rounds 21-30 only; --keep-rounds: also keep
      the GAN's checkpoint after every round (DIR/seed-S/synthetic/rounds/round-N.ckpt).`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        full: { type: 'boolean' },
        seeds: { type: 'string' },
        seed: { type: 'string' },
        sites: { type: 'string' },
        'non-iid': { type: 'boolean' },
        'classes-per-site': { type: 'string' },
        dataset: { type: 'string' },
        'train-per-site': { type: 'string' },
        'gan-task': { type: 'string' },
        'gan-rounds': { type: 'string' },
        'gan-steps': { type: 'string' },
        'dp-gan-rounds': { type: 'string' },
        'dp-gan-steps': { type: 'string' },
        epochs: { type: 'string' },
        'fed-rounds': { type: 'string' },
        'dp-steps': { type: 'string' },
        synthetic: { type: 'string' },
        shadows: { type: 'string' },
        'overfit-count': { type: 'string' },
        'overfit-epochs': { type: 'string' },
        'test-examples': { type: 'string' },
        approaches: { type: 'string' },
        'gan-lr': { type: 'string' },
        'gan-batch': { type: 'string' },
        'gan-average-rounds': { type: 'string' },
        'keep-optimizer-state': { type: 'boolean' },
        'fresh-optimizer': { type: 'boolean' },
        'fresh-synthetic': { type: 'boolean' },
        drs: { type: 'boolean' },
        'no-drs': { type: 'boolean' },
        'drs-min-acceptance': { type: 'string' },
        'gan-refit-rounds': { type: 'string' },
        'lr-decay': { type: 'string' },
        'augment-shift': { type: 'string' },
        dir: { type: 'string' },
        'keep-rounds': { type: 'boolean' },
      },
    });
    const base = values.full ? GEN_PRIVACY_FULL : GEN_PRIVACY_SHORT;
    if (values.dataset !== undefined && values.dataset !== 'mnist' && values.dataset !== 'fashion')
      throw new UsageError(`--dataset must be mnist or fashion, got "${values.dataset}"`);
    const approaches = values.approaches?.split(',').map((s) => s.trim() as GenPrivacyApproach);
    if (approaches?.some((a) => !(GEN_PRIVACY_APPROACHES as readonly string[]).includes(a)))
      throw new UsageError(`--approaches: choose from ${GEN_PRIVACY_APPROACHES.join(', ')}`);
    const int = (k: string, min = 1): number | undefined => intOption(k, values[k as keyof typeof values] as string | undefined, min);
    if (values['keep-optimizer-state'] && values['fresh-optimizer']) throw new UsageError('give --keep-optimizer-state or --fresh-optimizer, not both');
    if (values.drs && values['no-drs']) throw new UsageError('give --drs or --no-drs, not both');
    const keepOptimizerState = values['keep-optimizer-state'] ? true : values['fresh-optimizer'] ? false : base.gan?.keepOptimizerState;
    const ganLr = numberOption('gan-lr', values['gan-lr'], (n) => n > 0, 'a positive number');
    const drsFloor = numberOption('drs-min-acceptance', values['drs-min-acceptance'], (n) => n >= 0 && n < 1, 'a number in [0, 1)');
    if (drsFloor !== undefined && values['no-drs']) throw new UsageError('--drs-min-acceptance sets the rejection sampler, which --no-drs turns off');
    const drsOn = values.drs || drsFloor !== undefined ? true : values['no-drs'] ? false : base.rejectionSampling;
    const refitRounds = int('gan-refit-rounds', 0);
    if ((refitRounds ?? 0) > 0 && !drsOn)
      throw new UsageError('--gan-refit-rounds refits the discriminator for rejection sampling, which is off (give --drs, or --full without --no-drs)');
    const augmentShift = int('augment-shift', 0);
    if (augmentShift !== undefined && augmentShift > AUGMENT_SHIFT_MAX)
      throw new UsageError(`--augment-shift must be an integer in [0, ${AUGMENT_SHIFT_MAX}], got ${augmentShift}`);
    const decay = values['lr-decay'];
    if (decay !== undefined && decay !== 'none' && decay !== 'linear') throw new UsageError(`--lr-decay must be none or linear, got "${decay}"`);
    const nSeeds = int('seeds') ?? (values.full ? 3 : 1);
    const first = int('seed', 0) ?? 0;
    const opts: GenPrivacyOptions = {
      ...base,
      sites: int('sites'),
      mode: values['non-iid'] ? 'non-iid' : 'iid',
      classesPerSite: int('classes-per-site'),
      dataset: values.dataset as 'mnist' | 'fashion' | undefined,
      trainPerSite: int('train-per-site') ?? base.trainPerSite,
      gan: {
        ...base.gan,
        task: values['gan-task'],
        rounds: int('gan-rounds') ?? base.gan?.rounds,
        stepsPerRound: int('gan-steps') ?? base.gan?.stepsPerRound,
        learningRate: ganLr ?? base.gan?.learningRate,
        batchSize: int('gan-batch') ?? base.gan?.batchSize,
        averageRounds: int('gan-average-rounds') ?? base.gan?.averageRounds,
        refitRounds: refitRounds ?? base.gan?.refitRounds,
        keepOptimizerState,
      },
      ganDp: { ...base.ganDp, rounds: int('dp-gan-rounds') ?? base.ganDp?.rounds, stepsPerRound: int('dp-gan-steps') ?? base.ganDp?.stepsPerRound },
      classifier: {
        ...base.classifier,
        epochs: int('epochs') ?? base.classifier?.epochs,
        fedRounds: int('fed-rounds') ?? base.classifier?.fedRounds,
        learningRateDecay: decay ?? base.classifier?.learningRateDecay,
        augmentShift: augmentShift ?? base.classifier?.augmentShift,
      },
      classifierDp: { ...base.classifierDp, ...(int('dp-steps') !== undefined ? { stepsPerRound: int('dp-steps') } : {}) },
      syntheticCount: int('synthetic') ?? base.syntheticCount,
      freshSyntheticPerEpoch: values['fresh-synthetic'] ? true : base.freshSyntheticPerEpoch,
      rejectionSampling: drsOn && drsFloor !== undefined ? { minAcceptance: drsFloor } : drsOn,
      shadows: int('shadows') ?? base.shadows,
      overfit: {
        ...base.overfit,
        ...(int('overfit-count') !== undefined ? { count: int('overfit-count') } : {}),
        ...(int('overfit-epochs') !== undefined ? { epochs: int('overfit-epochs') } : {}),
      },
      testExamples: int('test-examples'),
      approaches,
      dir: values.dir === undefined ? undefined : path.resolve(values.dir),
      keepRounds: values['keep-rounds'] ?? false,
    };
    if (opts.gan?.task !== undefined && !/^cgan-mnist(:|$)/.test(opts.gan.task))
      throw new UsageError(`--gan-task must be cgan-mnist or cgan-mnist:Z:G:D, got "${opts.gan.task}"`);
    return benchGenPrivacy(
      opts,
      Array.from({ length: nSeeds }, (_, i) => first + i),
      log,
    );
  },
};
