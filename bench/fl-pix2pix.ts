/**
 * `privlab bench fl-pix2pix`: the federated Pix2Pix experiment (src/experiments/fl-pix2pix.ts) —
 * centralized, local, federated, federated + site-noise DP and federated + dp-fedavg on the same
 * Fashion-MNIST sites — as JSON: per-site FID per checkpoint and setting, the ratios to the
 * centralized model beside the source's, seconds per round, steps per site and ε.
 * `--full` is the long setting (the source's 20 rounds, FID after rounds 5/10/15/20, the
 * original model's widths); without it the defaults are the notebook's short run.
 */
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend';
import { intOption, numberOption, UsageError } from '../src/cli/command';
import {
  FL_PIX2PIX_FULL,
  FL_PIX2PIX_SETTINGS,
  FL_PIX2PIX_SHORT,
  FL_PIX2PIX_TREND,
  FL_PIX2PIX_SOURCE_TABLE,
  FlPix2PixOptions,
  FlPix2PixSetting,
  runFlPix2Pix,
  sourceTrends,
} from '../src/experiments/fl-pix2pix';
import { median, round } from './stats';
import type { NamedBenchmark } from './benchmark';

/** The source's ratios of mean FID over its sites (Table II). */
function sourceRatios(): { 'FL+DP': number; local: number } {
  const mean = (k: 'centralized' | 'FL+DP' | 'local'): number => FL_PIX2PIX_SOURCE_TABLE.reduce((s, r) => s + r[k], 0) / FL_PIX2PIX_SOURCE_TABLE.length;
  return { 'FL+DP': round(mean('FL+DP') / mean('centralized'), 3), local: round(mean('local') / mean('centralized'), 3) };
}

export async function benchFlPix2Pix(o: FlPix2PixOptions) {
  await selectBackend({ quiet: true, blasThreads: 1 });
  const r = await runFlPix2Pix(o);
  const meanFinal = (s: (typeof r.settings)[number]): number => {
    const last = s.fid[s.fid.length - 1].sites;
    return Object.values(last).reduce((a, b) => a + b, 0) / r.sites.length;
  };
  const central = r.settings.find((s) => s.setting === 'centralized');
  const settings = Object.fromEntries(
    r.settings.map((s) => [
      s.key,
      {
        label: s.label,
        policy: s.policy,
        steps_per_site: s.stepsPerSite,
        total_steps: s.totalSteps,
        seconds_per_round: s.secondsPerRound.map((x) => round(x, 2)),
        seconds_per_round_median: round(median(s.secondsPerRound), 2),
        fid: s.fid.map((f) => ({ round: f.round, sites: Object.fromEntries(Object.entries(f.sites).map(([k, v]) => [k, round(v, 2)])) })),
        final_fid_mean: round(meanFinal(s), 2),
        ratio_to_centralized: central ? round(meanFinal(s) / meanFinal(central), 3) : null,
        held_out_l1: s.heldOutL1.map((f) => ({ round: f.round, sites: Object.fromEntries(Object.entries(f.sites).map(([k, v]) => [k, round(v, 4)])) })),
        epsilon: s.epsilon,
        final_l1: Object.fromEntries(Object.entries(s.losses).map(([site, l]) => [site, round(l[l.length - 1].l1, 4)])),
      },
    ]),
  );
  return {
    benchmark: 'fl-pix2pix',
    task: r.task,
    sites: r.sites,
    rounds: r.rounds,
    steps_per_round: r.stepsPerRound,
    train_per_site: r.trainPerSite,
    test_per_site: r.testPerSite,
    seed: r.seed,
    checkpoints: r.checkpoints,
    epochs_per_site: round((r.rounds * r.stepsPerRound) / r.trainPerSite[0], 3),
    steps_mapping:
      'every setting: rounds × steps_per_round steps (batch 1) per site; centralized: sites × that on the pooled data. The source’s E epochs = E × pairs-per-site steps.',
    real_fid: Object.fromEntries(Object.entries(r.realFid).map(([k, v]) => [k, round(v, 2)])),
    settings,
    fid_table: r.fidTable.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? round(v, 2) : v]))),
    l1_table: r.l1Table.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? round(v, 4) : v]))),
    source_trend: sourceTrends(r).map((t) => ({
      row: t.row,
      label: t.label,
      holds_at: t.holdsAt,
      holds: t.holds,
      holds_at_l1: t.holdsAtL1,
      holds_l1: t.holdsL1,
      ratio_fl_dp: round(t.ratioFlDp, 3),
      ratio_local: round(t.ratioLocal, 3),
    })),
    source_table: FL_PIX2PIX_SOURCE_TABLE,
    source_ratios_to_centralized: sourceRatios(),
    seconds: round(r.seconds, 1),
  };
}

/**
 * Over seeds: per FL+DP row, on which seeds the trend held at every site — by FID and by
 * held-out L1 (each run's source_trend) — and the median FID ratios.
 */
export function trendOverSeeds(
  runs: {
    seed: number;
    source_trend: { row: string; label: string; holds: boolean; holds_l1: boolean; ratio_fl_dp: number; ratio_local: number }[];
  }[],
) {
  const rows = [...new Set(runs.flatMap((r) => r.source_trend.map((t) => t.row)))];
  return rows.map((row) => {
    const per = runs.flatMap((r) => r.source_trend.filter((t) => t.row === row).map((t) => ({ seed: r.seed, ...t })));
    return {
      row,
      label: per[0].label,
      seeds_holding: per.filter((t) => t.holds).map((t) => t.seed),
      seeds_holding_l1: per.filter((t) => t.holds_l1).map((t) => t.seed),
      seeds: per.map((t) => t.seed),
      ratio_fl_dp_median: round(median(per.map((t) => t.ratio_fl_dp)), 3),
      ratio_local_median: round(median(per.map((t) => t.ratio_local)), 3),
    };
  });
}

const listOf = (name: string, v: string, ok: (x: number) => boolean, what: string): number[] =>
  v.split(',').map((x) => {
    const n = Number(x.trim());
    if (x.trim() === '' || !ok(n)) throw new UsageError(`--${name}: "${x}" is not ${what}`);
    return n;
  });

export const flPix2PixBenchmark: NamedBenchmark = {
  name: 'fl-pix2pix',
  usage: `fl-pix2pix [--full | --trend] [--seeds 0,1,2] [--rounds R] [--steps-per-round S] [--train-per-site N] [--test-per-site M] [--sites K]
           [--model source|small] [--sigma0 X[,Y…]] [--clip-norm C] [--noise-multiplier Z] [--settings a,b] [--seed S]
      Pix2Pix (edges → Fashion-MNIST) centralized, local, federated, federated + site-noise DP and
      federated + dp-fedavg on the same sites: per-site FID at four checkpoints (Fashion LeNet
      features), ratios to centralized beside the source's, seconds per round, ε. Defaults: the
      notebook's short run (4 rounds of 20 steps, 200 pairs per site, 16-filter model); --full:
      the source's 200 epochs (20 rounds of 10 local epochs: 500 steps on 50 pairs per site, 1,000
      held out) with the original model (hours here);
      --trend: 10 rounds of 200 steps on 50 pairs per site (1,000 held out) with the 16-filter model, the rows
      centralized, local, FL and FL + site-noise at σ0 0.1, 0.01, 0.001 (about 20 min per seed). --sigma0 with a list runs site-noise once per σ0.
      Every run reports source_trend: per FL+DP row, the sites where FID centralized < FL+DP <
      local. --seeds runs the whole experiment per seed and adds trend_over_seeds.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        full: { type: 'boolean' },
        trend: { type: 'boolean' },
        seeds: { type: 'string' },
        rounds: { type: 'string' },
        'steps-per-round': { type: 'string' },
        'train-per-site': { type: 'string' },
        'test-per-site': { type: 'string' },
        sites: { type: 'string' },
        model: { type: 'string' },
        sigma0: { type: 'string' },
        'clip-norm': { type: 'string' },
        'noise-multiplier': { type: 'string' },
        settings: { type: 'string' },
        seed: { type: 'string' },
      },
    });
    if (values.full && values.trend) throw new UsageError('--full and --trend are two presets: give one');
    if (values.seed !== undefined && values.seeds !== undefined) throw new UsageError('give --seed or --seeds, not both');
    const base = values.full ? FL_PIX2PIX_FULL : values.trend ? FL_PIX2PIX_TREND : FL_PIX2PIX_SHORT;
    const num = (k: string, v: string | undefined): number | undefined => numberOption(k, v, (x) => x >= 0, 'a number ≥ 0');
    if (values.model !== undefined && values.model !== 'source' && values.model !== 'small')
      throw new UsageError(`--model must be source or small, got "${values.model}"`);
    const rounds = intOption('rounds', values.rounds, 1) ?? base.rounds!;
    const clipNorm = num('clip-norm', values['clip-norm']);
    const noiseMultiplier = num('noise-multiplier', values['noise-multiplier']);
    const opts: FlPix2PixOptions = {
      ...base,
      rounds,
      // the full run's checkpoints hold only for its own round count
      checkpoints: values.rounds !== undefined ? undefined : base.checkpoints,
      stepsPerRound: intOption('steps-per-round', values['steps-per-round'], 1) ?? base.stepsPerRound,
      trainPerSite: intOption('train-per-site', values['train-per-site'], 1) ?? base.trainPerSite,
      testPerSite: intOption('test-per-site', values['test-per-site'], 1) ?? base.testPerSite,
      sites: intOption('sites', values.sites, 1),
      model: (values.model as 'source' | 'small' | undefined) ?? base.model,
      sigma0: values.sigma0 !== undefined ? listOf('sigma0', values.sigma0, (x) => Number.isFinite(x) && x >= 0, 'a number ≥ 0') : base.sigma0,
      dpFedavg: clipNorm !== undefined || noiseMultiplier !== undefined ? { clipNorm: clipNorm ?? 0.1, noiseMultiplier: noiseMultiplier ?? 1 } : undefined,
      settings: values.settings?.split(',').map((s) => s.trim() as FlPix2PixSetting) ?? base.settings,
      seed: intOption('seed', values.seed, 0),
      log,
    };
    if (opts.settings?.some((s) => !(FL_PIX2PIX_SETTINGS as readonly string[]).includes(s)))
      throw new UsageError(`--settings: choose from ${FL_PIX2PIX_SETTINGS.join(', ')}`);
    if (values.seeds === undefined) return benchFlPix2Pix(opts);
    const seeds = listOf('seeds', values.seeds, (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0');
    const runs: Awaited<ReturnType<typeof benchFlPix2Pix>>[] = [];
    for (const seed of seeds) runs.push(await benchFlPix2Pix({ ...opts, seed, log: (l) => log(`seed ${seed}: ${l}`) }));
    return { benchmark: 'fl-pix2pix', seeds, runs, trend_over_seeds: trendOverSeeds(runs) };
  },
};
