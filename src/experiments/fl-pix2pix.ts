/**
 * The federated Pix2Pix experiment (Table II of the source): Pix2Pix (Sobel edges → Fashion-MNIST
 * images) trained on the same sites and data in four settings —
 *   centralized   all sites' training pairs pooled, trained in this process;
 *   local         each site alone on its own shard, in this process;
 *   federated     FedAvg, server and sites as separate processes (src/fl/launch.ts);
 *   federated+DP  the same with `site-noise` σ0 (the source's mode; a list of σ0 sweeps it) and,
 *                 as further DP rows, `dp-fedavg` (client level: clipping + central noise) and
 *                 DP-SGD at the sites (example level, both networks), ε from the RDP accountant;
 * with per-site FID (Fashion LeNet features, data/fid-fashion) of each setting's model on each
 * site's held-out pairs at four checkpoints, loss curves per site, time per round and image rows.
 *
 * Steps: every setting trains R rounds of S steps at batch 1 per site — local and federated
 * sites take R·S steps on their shard; the centralized model takes sites·R·S steps on the pooled
 * data, i.e. R·S per site's share, the same number of passes over the data as each site (the
 * source trains every setting for the same epochs). All settings train through the task's
 * trainLocal one round at a time, so Adam restarts each round everywhere, as at the sites.
 * The source's epochs map to steps as E · (pairs per site): its 5/10/15/20 rounds of 10 local
 * epochs are our R rounds of S = 10·N steps when trainPerSite = N.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset, concatDatasets } from '../data/dataset';
import { cropCentre } from '../data/pix2pix-pairs';
import { loadSiteShard, ShardMode, SiteShard } from '../data/site-shards';
import { assignWeights } from '../fl/weights';
import { loadCheckpoint } from '../fl/checkpoint';
import { roundCheckpointPath } from '../fl/round-checkpoints';
import { prepareShards, runFederated, siteDir } from '../fl/launch';
import { PolicySpec } from '../fl/policy';
import { epsilonFor } from '../fl/dp';
import { getTask, FlTask, TaskModel } from '../fl/tasks';
import { asPix2Pix, releasePairs, sitePairs, translateEdges } from '../fl/tasks/pix2pix-fashion';
import { fashionFeatureModelPath, FeatureModel, loadFeatureModel } from '../metrics/feature-model';
import { imageStats } from '../metrics/gan-fid';
import { ensureBackend } from '../backend/select';
import { frechetDistance } from '../metrics/frechet';
import { GaussianStats } from '../metrics/gaussian-stats';

export const FL_PIX2PIX_SETTINGS = ['centralized', 'local', 'federated', 'federated-site-noise', 'federated-dp-fedavg', 'federated-dp-sgd'] as const;
export type FlPix2PixSetting = (typeof FL_PIX2PIX_SETTINGS)[number];

export const FL_PIX2PIX_LABELS: Record<FlPix2PixSetting, string> = {
  centralized: 'centralized',
  local: 'local',
  federated: 'FL',
  'federated-site-noise': 'FL+DP (site-noise)',
  'federated-dp-fedavg': 'FL+DP (dp-fedavg)',
  'federated-dp-sgd': 'FL+DP (DP-SGD)',
};

/** One row of the experiment: a setting, and for site-noise its σ0. */
interface SettingRun {
  setting: FlPix2PixSetting;
  key: string;
  label: string;
  sigma0?: number;
}

/** The rows to run, in the order of `settings`; site-noise once per σ0. */
export function settingRuns(settings: readonly FlPix2PixSetting[], sigma0s: readonly number[]): SettingRun[] {
  return settings.flatMap((setting): SettingRun[] =>
    setting === 'federated-site-noise'
      ? sigma0s.map((sigma0) => ({ setting, key: `${setting}@${sigma0}`, label: `FL+DP (σ0 ${sigma0})`, sigma0 }))
      : [{ setting, key: setting, label: FL_PIX2PIX_LABELS[setting] }],
  );
}

/** The source's Table II: per-site FID after 200 epochs (Inception features, its own data). */
export const FL_PIX2PIX_SOURCE_TABLE = [
  { site: 'North EU', centralized: 204.01, 'FL+DP': 229.49, local: 268.49 },
  { site: 'West EU', centralized: 202.99, 'FL+DP': 233.44, local: 272.72 },
  { site: 'US', centralized: 207.09, 'FL+DP': 230.64, local: 274.81 },
] as const;

export interface FlPix2PixOptions {
  /** Default 3 (the source's three sites). */
  sites?: number;
  /** Federated rounds (and in-process rounds of the other settings). Default 4. */
  rounds?: number;
  /** Training steps (batch 1) per site and round. Default 20. */
  stepsPerRound?: number;
  /** Training images per site. Default 300. */
  trainPerSite?: number;
  /** Held-out images per site (FID and the sites' evaluation). Default 100. */
  testPerSite?: number;
  /** 'source': the original's widths (ngf = ndf = 64); 'small': 16 filters (pix2pix-fashion-small). Default 'source'. */
  model?: 'source' | 'small';
  /** Default 'iid' (the source's equal IID thirds). */
  mode?: ShardMode;
  classesPerSite?: number;
  seed?: number;
  /**
   * site-noise's σ0. Default 0.1 (the source's). A list runs the site-noise setting once per
   * σ0 (a sweep), each a row of its own: `FL+DP (σ0 0.01)`, keyed `federated-site-noise@0.01`.
   */
  sigma0?: number | number[];
  /** dp-fedavg's clipping norm and noise multiplier. Default { clipNorm: 0.1, noiseMultiplier: 1 }. */
  dpFedavg?: { clipNorm: number; noiseMultiplier: number };
  /**
   * Example-level DP-SGD at the sites (both networks, src/fl/tasks/dp-pix2pix-step.ts): clip
   * norm C, noise multiplier σ, Poisson rate q (default 1 / pairs per site: the source's batch
   * size 1 in expectation). Default { clipNorm: 1, noiseMultiplier: 1 }.
   */
  dpSgd?: { clipNorm: number; noiseMultiplier: number; sampleRate?: number };
  /** δ of dp-fedavg's ε. Default 1e-5. */
  delta?: number;
  /** Rounds after which FID is measured. Default four, evenly spaced, ending at the last round. */
  checkpoints?: number[];
  /** Which settings to run. Default all. */
  settings?: FlPix2PixSetting[];
  /** Held-out pairs of site 1 shown in the image rows. Default 6. */
  imagesPerRow?: number;
  /** Feature model for FID. Default the Fashion LeNet (data/fid-fashion). */
  featureModel?: string;
  /** Shards, job directories, checkpoints. Default a fresh temp directory. */
  dir?: string;
  log?: (line: string) => void;
  /** After every round of every setting (for progress bars). */
  onRound?: (setting: FlPix2PixSetting, round: number) => void;
}

/**
 * The full run: the source's schedule on the original model — 20 rounds of 10 local epochs
 * (500 steps at batch 1 on 50 pairs per site), so rounds 5/10/15/20 are its epochs
 * 50/100/150/200, FID at those rounds on 1,000 held-out pairs per site (the trend run's
 * recipe, which separates the rows, at the source's length). Hours on two cores.
 */
export const FL_PIX2PIX_FULL: FlPix2PixOptions = {
  rounds: 20,
  stepsPerRound: 500,
  trainPerSite: 50,
  testPerSite: 1000,
  model: 'source',
  checkpoints: [5, 10, 15, 20],
};

/**
 * The trend run: 10 rounds (FID after rounds 3/5/8/10) of 200 steps = 40 passes over each site's
 * 50 pairs, on the 16-filter model, for the rows the source's trend compares (centralized, local,
 * FL, FL + site-noise) with a σ0 sweep of the source's DP mode; FID on 1,000 held-out pairs per
 * site. Few pairs and many passes put a site alone where the source's local model is (200
 * epochs on a third of the data: it has seen its few pairs too often), and 1,000 held-out images
 * keep FID's sampling noise below the gaps. (With 200 pairs, 10 passes and 300 held-out images,
 * FL and local differed by less than that noise: the FID trend held on 0 of 3 seeds while held-out
 * L1 showed it on 3.) About 10 minutes per seed on a quiet two-core machine.
 */
export const FL_PIX2PIX_TREND: FlPix2PixOptions = {
  rounds: 10,
  stepsPerRound: 200,
  trainPerSite: 50,
  testPerSite: 1000,
  model: 'small',
  settings: ['centralized', 'local', 'federated', 'federated-site-noise'],
  sigma0: [0.1, 0.01, 0.001],
};

/** The short run (the notebook's default). */
export const FL_PIX2PIX_SHORT: FlPix2PixOptions = { rounds: 4, stepsPerRound: 20, trainPerSite: 200, testPerSite: 100, model: 'small' };

/** One site's training metrics in one round. */
export interface SiteRoundLoss {
  round: number;
  d_loss: number;
  g_gan: number;
  l1: number;
}

export interface FlPix2PixSettingResult {
  setting: FlPix2PixSetting;
  /** Unique per row: the setting's name, and for site-noise `federated-site-noise@σ0`. */
  key: string;
  label: string;
  policy: PolicySpec | null;
  /** The sites' DP-SGD (the federated-dp-sgd row); null elsewhere. */
  dpSgd: { noiseMultiplier: number; clipNorm: number; sampleRate: number } | null;
  /** Training steps per site: local and federated sites' own; the centralized model's total ÷ sites. */
  stepsPerSite: number;
  /** Steps the setting's model(s) took in all. */
  totalSteps: number;
  /** Wall seconds per round (federated: the server's round; local: mean over the sites). */
  secondsPerRound: number[];
  /** FID per checkpoint round, per site. */
  fid: { round: number; sites: Record<string, number> }[];
  /**
   * Held-out L1 per checkpoint round, per site: FID on a hundred images rewards varied outputs
   * (even noise-like ones) over blurred ones, so the pixel error is reported beside it.
   */
  heldOutL1: { round: number; sites: Record<string, number> }[];
  /** Training losses per site and round ('pooled' for the centralized model). */
  losses: Record<string, SiteRoundLoss[]>;
  /** ε at `delta` (dp-fedavg only); null where the setting gives no formal guarantee. */
  epsilon: { epsilon: number; delta: number } | null;
}

export interface FlPix2PixResult {
  task: string;
  sites: string[];
  rounds: number;
  stepsPerRound: number;
  trainPerSite: number[];
  testPerSite: number[];
  checkpoints: number[];
  seed: number;
  /** FID of each site's training images against its held-out images: the floor a perfect generator reaches. */
  realFid: Record<string, number>;
  settings: FlPix2PixSettingResult[];
  /** Last checkpoint's FID per site, one column per setting. */
  fidTable: Record<string, string | number>[];
  /** Last checkpoint's held-out L1 per site, one column per setting. */
  l1Table: Record<string, string | number>[];
  /** Image rows of site 1's first held-out pairs: input edges, target, then each setting's output; [-1, 1], 32x32. */
  imageRows: { labels: string[]; columns: number; size: number; pixels: Float32Array };
  seconds: number;
}

/** FID statistics of 32x32 Pix2Pix images [n, 32, 32, 1] in [-1, 1], cut back to 28x28 first. */
export function pix2pixImageStats(fm: FeatureModel, images32: tf.Tensor4D): GaussianStats {
  const crop = cropCentre(images32, 28);
  try {
    return imageStats(fm, crop, 28);
  } finally {
    crop.dispose();
  }
}

/** FID of images [n, 32, 32, 1] in [-1, 1] against real statistics. */
export function pix2pixFid(fm: FeatureModel, real: GaussianStats, images32: tf.Tensor4D): number {
  return frechetDistance(pix2pixImageStats(fm, images32), real);
}

/** FID and mean |G(x) − y| of a model's translations of a site's held-out edges. */
function scoreSite(model: TaskModel, held: ImageDataset, fm: FeatureModel, real: GaussianStats): { fid: number; l1: number } {
  const pairs = sitePairs(held);
  const fake = translateEdges(asPix2Pix(model), pairs.edges);
  try {
    return { fid: pix2pixFid(fm, real, fake), l1: tf.tidy(() => tf.mean(tf.abs(tf.sub(fake, pairs.images))).dataSync()[0]) };
  } finally {
    fake.dispose();
  }
}

function defaultCheckpoints(rounds: number): number[] {
  return [...new Set([1, 2, 3, 4].map((k) => Math.max(1, Math.round((k * rounds) / 4))))];
}

const lossOf = (round: number, m: Record<string, number>): SiteRoundLoss => ({ round, d_loss: m.d_loss, g_gan: m.g_gan, l1: m.l1 });

export async function runFlPix2Pix(o: FlPix2PixOptions = {}): Promise<FlPix2PixResult> {
  // The centralized and local settings train here, in process: the fast backend unless one was chosen.
  await ensureBackend();
  const t0 = performance.now();
  const log = o.log ?? (() => undefined);
  const nSites = o.sites ?? 3;
  const rounds = o.rounds ?? 4;
  const S = o.stepsPerRound ?? 20;
  const trainPerSite = o.trainPerSite ?? 300;
  const testPerSite = o.testPerSite ?? 100;
  const seed = o.seed ?? 0;
  const sigma0s = Array.isArray(o.sigma0) ? o.sigma0 : [o.sigma0 ?? 0.1];
  if (sigma0s.length === 0 || sigma0s.some((x) => !(Number.isFinite(x) && x >= 0)))
    throw new RangeError(`sigma0 must be one or more numbers ≥ 0, got [${sigma0s}]`);
  if (new Set(sigma0s).size !== sigma0s.length) throw new RangeError(`sigma0 lists a value twice: [${sigma0s}]`);
  const dp = o.dpFedavg ?? { clipNorm: 0.1, noiseMultiplier: 1 };
  const sgd = { clipNorm: 1, noiseMultiplier: 1, ...o.dpSgd };
  // q = 1/n by default: the source's batch size 1, in expectation
  const sgdRate = sgd.sampleRate ?? 1 / trainPerSite;
  const delta = o.delta ?? 1e-5;
  const checkpoints = o.checkpoints ?? defaultCheckpoints(rounds);
  const settings = o.settings ?? [...FL_PIX2PIX_SETTINGS];
  const perRow = o.imagesPerRow ?? 6;
  for (const [k, v] of Object.entries({ sites: nSites, rounds, stepsPerRound: S, trainPerSite, testPerSite, imagesPerRow: perRow })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
  }
  if (checkpoints.some((c) => !Number.isInteger(c) || c < 1 || c > rounds))
    throw new RangeError(`checkpoints must be rounds in [1, ${rounds}], got [${checkpoints}]`);
  const unknown = settings.filter((s) => !(FL_PIX2PIX_SETTINGS as readonly string[]).includes(s));
  if (unknown.length) throw new RangeError(`unknown settings ${unknown.join(', ')} (known: ${FL_PIX2PIX_SETTINGS.join(', ')})`);
  const task: FlTask = getTask(o.model === 'small' ? 'pix2pix-fashion-small' : 'pix2pix-fashion');
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'privlab-fl-pix2pix-'));
  fs.mkdirSync(dir, { recursive: true });

  // The sites' shards, written once as the federated jobs write them (same options, same seed):
  // the in-process settings read exactly the files a site process reads.
  const shardOptions = {
    sites: nSites,
    mode: o.mode,
    classesPerSite: o.classesPerSite,
    dataset: 'fashion',
    trainExamples: nSites * trainPerSite,
    testExamples: nSites * testPerSite,
    seed,
  };
  const dataDir = path.join(dir, 'data');
  const ids = prepareShards(dataDir, shardOptions);
  const shards: SiteShard[] = ids.map((id) => loadSiteShard(siteDir(dataDir, id)));
  const held = shards.map((s) => s.test!);
  const fm = await loadFeatureModel(o.featureModel ?? fashionFeatureModelPath());
  const results: FlPix2PixSettingResult[] = [];
  const rowImages = new Map<string, Float32Array>();
  let showEdges: tf.Tensor4D | undefined;
  try {
    const realStats = held.map((h) => pix2pixImageStats(fm, sitePairs(h).images));
    const realFid = Object.fromEntries(ids.map((id, i) => [id, pix2pixFid(fm, realStats[i], sitePairs(shards[i].train).images)]));
    const show = Math.min(perRow, held[0].count);
    const edges = (showEdges = sitePairs(held[0]).edges.slice([0, 0, 0, 0], [show, -1, -1, -1]));
    rowImages.set('input edges', edges.dataSync() as Float32Array);
    const target = sitePairs(held[0]).images.slice([0, 0, 0, 0], [show, -1, -1, -1]);
    rowImages.set('target', target.dataSync() as Float32Array);
    target.dispose();
    const rowOf = (label: string, model: TaskModel): void => {
      const out = translateEdges(asPix2Pix(model), edges);
      rowImages.set(label, out.dataSync() as Float32Array);
      out.dispose();
    };
    /** FID and held-out L1 of the model each site uses (`models(i)`) on that site's held-out pairs. */
    const scoreAt = (round: number, models: (i: number) => TaskModel, into: Pick<FlPix2PixSettingResult, 'fid' | 'heldOutL1'>): void => {
      const scores = ids.map((_, i) => scoreSite(models(i), held[i], fm, realStats[i]));
      into.fid.push({ round, sites: Object.fromEntries(ids.map((id, i) => [id, scores[i].fid])) });
      into.heldOutL1.push({ round, sites: Object.fromEntries(ids.map((id, i) => [id, scores[i].l1])) });
    };
    const fidLine = (into: Pick<FlPix2PixSettingResult, 'fid'>): string =>
      Object.values(into.fid[into.fid.length - 1].sites)
        .map((f) => f.toFixed(1))
        .join(' / ');

    for (const { setting, key, label, sigma0 } of settingRuns(settings, sigma0s)) {
      log(`${label}: ${rounds} rounds of ${S} steps per site`);
      if (setting === 'centralized' || setting === 'local') {
        // In process: one model on the pooled data, or one per site on its own shard.
        const groups =
          setting === 'centralized'
            ? [
                concatDatasets(
                  shards.map((s) => s.train),
                  'all sites pooled',
                ),
              ]
            : shards.map((s) => s.train);
        const steps = setting === 'centralized' ? nSites * S : S;
        const models = groups.map(() => task.createModel(seed));
        const losses: Record<string, SiteRoundLoss[]> = {};
        const scores: Pick<FlPix2PixSettingResult, 'fid' | 'heldOutL1'> = { fid: [], heldOutL1: [] };
        const secondsPerRound: number[] = [];
        let totalSteps = 0;
        try {
          for (let r = 1; r <= rounds; r++) {
            let secs = 0;
            for (let g = 0; g < groups.length; g++) {
              const name = setting === 'centralized' ? 'pooled' : ids[g];
              const m = await task.trainLocal(models[g], groups[g], { localSteps: steps }, seed * 1_000_003 + r * 101 + g);
              secs += m.train_seconds;
              totalSteps += m.steps;
              (losses[name] ??= []).push(lossOf(r, m));
            }
            secondsPerRound.push(secs / groups.length);
            if (checkpoints.includes(r)) scoreAt(r, (i) => models[setting === 'centralized' ? 0 : i], scores);
            log(`${label}: round ${r} (${secs.toFixed(1)} s)${checkpoints.includes(r) ? ` FID ${fidLine(scores)}` : ''}`);
            o.onRound?.(setting, r);
          }
          rowOf(label, models[0]);
        } finally {
          models.forEach((m) => m.dispose());
          // The pooled set's pairs are this setting's alone (the shards' are released at the end).
          if (setting === 'centralized') releasePairs(groups[0]);
        }
        results.push({
          setting,
          key,
          label,
          policy: null,
          dpSgd: null,
          stepsPerSite: totalSteps / nSites,
          totalSteps,
          secondsPerRound,
          ...scores,
          losses,
          epsilon: null,
        });
        continue;
      }
      const policy: PolicySpec =
        setting === 'federated' || setting === 'federated-dp-sgd'
          ? { name: 'none', params: {} }
          : setting === 'federated-site-noise'
            ? { name: 'site-noise', params: { sigma0: sigma0! } }
            : { name: 'dp-fedavg', params: { ...dp } };
      const jobDir = path.join(dir, key);
      fs.mkdirSync(jobDir, { recursive: true });
      const job = await runFederated({
        ...shardOptions,
        rounds,
        task: task.name,
        fit: {
          localSteps: S,
          globalEvalExamples: Math.min(testPerSite, 20),
          ...(setting === 'federated-dp-sgd' ? { dpNoiseMultiplier: sgd.noiseMultiplier, dpClipNorm: sgd.clipNorm, dpSampleRate: sgdRate } : {}),
        },
        policy,
        delta,
        dir: jobDir,
        // a round of the source's model at batch 1 on a shared machine takes minutes
        roundTimeoutSeconds: Math.max(300, S * 10),
        log: (l) => (/round \d+ done|error|reject/i.test(l) ? log(`${label}: ${l}`) : undefined),
        // the FID rounds' models, scored once the job is done
        keepRounds: checkpoints,
        onRound: (rec) => o.onRound?.(setting, rec.round),
      });
      const model = task.createModel(seed);
      const scores: Pick<FlPix2PixSettingResult, 'fid' | 'heldOutL1'> = { fid: [], heldOutL1: [] };
      try {
        for (const r of checkpoints) {
          const state = loadCheckpoint(roundCheckpointPath(jobDir, r), task.name);
          if (!state || state.round !== r) throw new Error(`${label}: the checkpoint copied after round ${r} holds round ${state?.round}`);
          assignWeights(model.variables, model.names, state.weights);
          scoreAt(r, () => model, scores);
          log(`${label}: round ${r} FID ${fidLine(scores)}`);
        }
        assignWeights(model.variables, model.names, job.state.weights);
        rowOf(label, model);
      } finally {
        model.dispose();
      }
      const losses: Record<string, SiteRoundLoss[]> = {};
      let totalSteps = 0;
      for (const h of job.state.history) {
        for (const a of h.accepted) {
          // DP-SGD sites report no training loss (it is a function of their examples)
          if ('d_loss' in a.metrics) (losses[a.site] ??= []).push(lossOf(h.round, a.metrics));
          totalSteps += a.metrics.steps;
        }
      }
      const ledger = job.state.history[job.state.history.length - 1]?.privacy;
      const epsilon =
        policy.name === 'dp-fedavg'
          ? { epsilon: epsilonFor({ noiseMultiplier: dp.noiseMultiplier, sampleRate: 1, steps: rounds, delta }).epsilon, delta }
          : setting === 'federated-dp-sgd' && ledger?.epsilon != null
            ? // the server's ledger: the largest site ε, two mechanisms per step (D's and G's)
              { epsilon: ledger.epsilon, delta: ledger.delta! }
            : null;
      results.push({
        setting,
        key,
        label,
        policy,
        dpSgd: setting === 'federated-dp-sgd' ? { ...sgd, sampleRate: sgdRate } : null,
        stepsPerSite: totalSteps / nSites,
        totalSteps,
        secondsPerRound: job.state.history.map((h) => h.seconds),
        ...scores,
        losses,
        epsilon,
      });
    }

    const last = (x: FlPix2PixSettingResult['fid'], id: string): number => x[x.length - 1].sites[id];
    const fidTable = ids.map((id) => ({
      site: id,
      ...Object.fromEntries(results.map((r) => [r.label, last(r.fid, id)])),
      'real (train vs held-out)': realFid[id],
    }));
    const l1Table = ids.map((id) => ({ site: id, ...Object.fromEntries(results.map((r) => [r.label, last(r.heldOutL1, id)])) }));
    const labels = [...rowImages.keys()];
    const pixels = new Float32Array(labels.length * show * 32 * 32);
    labels.forEach((l, i) => pixels.set(rowImages.get(l)!, i * show * 32 * 32));
    return {
      task: task.name,
      sites: ids,
      rounds,
      stepsPerRound: S,
      trainPerSite: shards.map((s) => s.train.count),
      testPerSite: held.map((h) => h.count),
      checkpoints,
      seed,
      realFid,
      settings: results,
      fidTable,
      l1Table,
      imageRows: { labels, columns: show, size: 32, pixels },
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    showEdges?.dispose();
    // The shards were made for this run: their cached edge pairs go with it.
    for (const s of shards) [s.train, s.test].forEach((d) => d && releasePairs(d));
    fm.dispose();
  }
}

/** The source's trend for one FL+DP row of a run: at which sites centralized < FL+DP < local holds, and the ratios of mean FID. */
export interface Pix2PixTrend {
  /** The FL+DP row's key (e.g. `federated-site-noise@0.1`). */
  row: string;
  label: string;
  /** Sites where FID centralized < FL+DP < local at the last checkpoint (the source's measure). */
  holdsAt: string[];
  /** Whether it holds at every site by FID. */
  holds: boolean;
  /** The same comparison by held-out L1 |G(x) − y| (the pixel error Pix2Pix trains on). */
  holdsAtL1: string[];
  holdsL1: boolean;
  /** Mean FID over the sites ÷ the centralized model's (the source: about 1.13 and 1.33). */
  ratioFlDp: number;
  ratioLocal: number;
}

/** The FL+DP rows of a run: the rows whose place in the source's trend is between centralized and local. */
const isFlDpRow = (s: FlPix2PixSettingResult): boolean =>
  s.setting === 'federated-site-noise' || s.setting === 'federated-dp-fedavg' || s.setting === 'federated-dp-sgd';

/** The trend centralized < FL+DP < local of a run, for each of its FL+DP rows (needs the centralized and local rows). */
export function sourceTrends(r: FlPix2PixResult): Pix2PixTrend[] {
  const central = r.settings.find((s) => s.setting === 'centralized');
  const local = r.settings.find((s) => s.setting === 'local');
  if (!central || !local) return [];
  type PerSite = { sites: Record<string, number> }[];
  const last = (series: PerSite): Record<string, number> => series[series.length - 1].sites;
  const mean = (x: Record<string, number>): number => r.sites.reduce((a, id) => a + x[id], 0) / r.sites.length;
  /** Sites where the row's last value lies strictly between the centralized and the local one. */
  const between = (metric: (s: FlPix2PixSettingResult) => PerSite, s: FlPix2PixSettingResult): string[] => {
    const [c, f, l] = [central, s, local].map((x) => last(metric(x)));
    return r.sites.filter((id) => c[id] < f[id] && f[id] < l[id]);
  };
  const [c, l] = [last(central.fid), last(local.fid)];
  return r.settings.filter(isFlDpRow).map((s) => {
    const holdsAt = between((x) => x.fid, s);
    const holdsAtL1 = between((x) => x.heldOutL1, s);
    const f = last(s.fid);
    return {
      row: s.key,
      label: s.label,
      holdsAt,
      holds: holdsAt.length === r.sites.length,
      holdsAtL1,
      holdsL1: holdsAtL1.length === r.sites.length,
      ratioFlDp: mean(f) / mean(c),
      ratioLocal: mean(l) / mean(c),
    };
  });
}
