/**
 * `privlab fl`: federated learning. `fl run` is the whole job on this machine (server and
 * sites as separate processes on 127.0.0.1); `fl server` and `fl site` are its two roles,
 * for running them by hand or on other machines.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Command, intOption, numberOption, UsageError } from '../command';
import { selectBackend } from '../../backend';
import { loadSiteShard } from '../../data/site-shards';
import {
  Config,
  DEFAULT_DELTA,
  Metrics,
  FedAvg,
  FlServer,
  HttpServerTransport,
  HttpSiteTransport,
  PolicySpec,
  RoundRecord,
  TOKEN_ENV,
  dpModeOf,
  federatedGeneratorFid,
  frameLimit,
  getTask,
  initialWeights,
  makeUpdatePolicy,
  parseGanTaskName,
  readTokens,
  runFederated,
  runSite,
  updatePolicyNames,
} from '../../fl';
import { datasetSplit } from '../../data/load';
import { loadFeatureModel } from '../../metrics/feature-model';
import { checkParentExists } from '../../util/out-dir';

const USAGE = `privlab fl run [--sites N] [--rounds R] [--task NAME] [--non-iid [--classes-per-site K]] [TRAINING] [--train-examples N] [--out DIR] [--round-timeout S] [--min-sites M] [--fraction-fit F] [--seed S] [--json]
    A federated job on this machine: the server and N sites (default 3) as separate
    processes over HTTP on 127.0.0.1, each site reading only its own shard of the task's
    dataset (MNIST; Fashion-MNIST for pix2pix-fashion). Prints per round the sites' training
    metrics and the task's own metrics of the global model on their held-out images
    (accuracy and loss for mlp-mnist, D and G losses for the GAN, L1 for Pix2Pix).
    TRAINING: --local-steps N | --local-epochs N, --batch-size B (0: full batch),
    --optimizer adam|sgd, --lr X; --policy NAME [--policy-params JSON]: how updates are
    clipped/noised on their way into the average (default none: plain FedAvg).
    DP: --dp dp-sgd --noise-multiplier S --clip C --sample-rate Q (example-level DP-SGD at the
    sites: Poisson batches at rate Q, per-example clipping to C, noise σ = S·C),
    --dp dp-fedavg --noise-multiplier S --clip C (client-level: the server clips each update to
    C and noises the sum with σ = S·C), --dp site-noise --sigma0 X (each site noises its own
    unclipped update: no formal guarantee, no ε); --delta D (default ${DEFAULT_DELTA}) is the δ of
    the ε the server records per round. --task gan-mnist (or gan-mnist:Z:G:D for smaller
    sizes, e.g. gan-mnist:8:32:32) trains the MLP GAN; --fid N then reports the FID of the
    final generator from N samples against MNIST's test digits.
  privlab fl server --sites-file FILE --checkpoint FILE [--rounds R] [--task NAME] [TRAINING | --config JSON] [DP] [--delta D] [--host H] [--port P] [--round-timeout S] [--min-sites M] [--fraction-fit F] [--seed S]
    The FedAvg server. FILE lists { "site-id": "token" }. Prints "listening on URL", then
    one JSON line { "round": … } per completed round; resumes from --checkpoint when it exists.
  privlab fl site --server URL --site ID --shard DIR [--task NAME] [--reconnect S]
    One site: reads only DIR (train-/test- IDX files); its token comes from ${TOKEN_ENV}.`;

const TRAINING_OPTIONS = {
  'local-steps': { type: 'string' },
  'local-epochs': { type: 'string' },
  'batch-size': { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  config: { type: 'string' },
  task: { type: 'string', default: 'mlp-mnist' },
  rounds: { type: 'string' },
  seed: { type: 'string' },
  'round-timeout': { type: 'string' },
  'min-sites': { type: 'string' },
  'fraction-fit': { type: 'string' },
  policy: { type: 'string', default: 'none' },
  'policy-params': { type: 'string' },
  dp: { type: 'string' },
  'noise-multiplier': { type: 'string' },
  clip: { type: 'string' },
  'sample-rate': { type: 'string' },
  sigma0: { type: 'string' },
  delta: { type: 'string' },
} as const;

type Values = Record<string, string | boolean | undefined>;

/** The fit config from --config JSON and the training flags (flags win). */
function fitConfig(v: Values): Config {
  let config: Config = {};
  if (typeof v.config === 'string') {
    try {
      config = JSON.parse(v.config) as Config;
    } catch (e) {
      throw new UsageError(`--config is not JSON: ${(e as Error).message}`);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new UsageError('--config must be a JSON object');
    for (const [k, x] of Object.entries(config)) {
      if (!['number', 'string', 'boolean'].includes(typeof x))
        throw new UsageError(`--config "${k}" must be a number, string or boolean (sites receive flat values)`);
    }
  }
  const steps = intOption('local-steps', v['local-steps'] as string | undefined, 1);
  const epochs = intOption('local-epochs', v['local-epochs'] as string | undefined, 1);
  if (steps !== undefined && epochs !== undefined) throw new UsageError('give --local-steps or --local-epochs, not both');
  if (steps !== undefined) config = { ...config, localSteps: steps };
  if (epochs !== undefined) config = { ...config, localEpochs: epochs };
  if (steps !== undefined) delete config.localEpochs;
  if (epochs !== undefined) delete config.localSteps;
  if (!('localSteps' in config) && !('localEpochs' in config)) config.localSteps = 20;
  const batch = intOption('batch-size', v['batch-size'] as string | undefined, 0);
  if (batch !== undefined) config.batchSize = batch;
  if (typeof v.optimizer === 'string') {
    if (v.optimizer !== 'adam' && v.optimizer !== 'sgd') throw new UsageError(`--optimizer must be adam or sgd, got "${v.optimizer}"`);
    config.optimizer = v.optimizer;
  }
  const lr = numberOption('lr', v.lr as string | undefined, (n) => n > 0, 'a positive number');
  if (lr !== undefined) config.learningRate = lr;
  return config;
}

/** The update policy (identity, or one that src/fl/dp registers) from --policy NAME [--policy-params JSON]. */
function policySpec(v: Values): PolicySpec {
  const name = String(v.policy ?? 'none');
  if (!updatePolicyNames().includes(name)) throw new UsageError(`--policy must be one of ${updatePolicyNames().join(', ')}, got "${name}"`);
  let params: Config = {};
  if (typeof v['policy-params'] === 'string') {
    try {
      params = JSON.parse(v['policy-params']) as Config;
    } catch (e) {
      throw new UsageError(`--policy-params is not JSON: ${(e as Error).message}`);
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new UsageError('--policy-params must be a JSON object');
  }
  makeUpdatePolicy({ name, params }); // fails here, with the policy's message, on bad parameters
  return { name, params };
}

const DP_MODES = ['dp-sgd', 'dp-fedavg', 'site-noise'] as const;

/**
 * --dp MODE and its numbers, folded into the fit config (dp-sgd: the sites' DP-SGD keys) or
 * the update policy (dp-fedavg, site-noise), which is how they reach the server and sites.
 */
function withDp(v: Values, fit: Config, policy: PolicySpec): { fit: Config; policy: PolicySpec } {
  const mode = v.dp;
  const given = (['noise-multiplier', 'clip', 'sample-rate', 'sigma0'] as const).filter((k) => v[k] !== undefined);
  if (mode === undefined) {
    if (given.length) throw new UsageError(`--${given[0]} belongs to a DP mode: give --dp ${DP_MODES.join('|')}`);
    return { fit, policy };
  }
  if (typeof mode !== 'string' || !(DP_MODES as readonly string[]).includes(mode))
    throw new UsageError(`--dp must be one of ${DP_MODES.join(', ')}, got "${String(mode)}"`);
  const takes: Record<(typeof DP_MODES)[number], string[]> = {
    'dp-sgd': ['noise-multiplier', 'clip', 'sample-rate'],
    'dp-fedavg': ['noise-multiplier', 'clip'],
    'site-noise': ['sigma0'],
  };
  for (const k of given)
    if (!takes[mode as (typeof DP_MODES)[number]].includes(k))
      throw new UsageError(`--dp ${mode} takes ${takes[mode as (typeof DP_MODES)[number]].map((x) => `--${x}`).join(', ')}, not --${k}`);
  const need = (name: string, ok: (n: number) => boolean, what: string): number => {
    const n = numberOption(name, v[name] as string | undefined, ok, what);
    if (n === undefined) throw new UsageError(`--dp ${mode} needs --${name}`);
    return n;
  };
  if (mode === 'site-noise') return { fit, policy: { name: 'site-noise', params: { sigma0: need('sigma0', (n) => n >= 0, 'a number ≥ 0') } } };
  const noiseMultiplier = need('noise-multiplier', (n) => n >= 0, 'a number ≥ 0');
  const clipNorm = need('clip', (n) => n > 0, 'a positive number');
  if (mode === 'dp-fedavg') return { fit, policy: { name: 'dp-fedavg', params: { clipNorm, noiseMultiplier } } };
  return {
    fit: { ...fit, dpNoiseMultiplier: noiseMultiplier, dpClipNorm: clipNorm, dpSampleRate: need('sample-rate', (n) => n > 0 && n <= 1, 'in (0, 1]') },
    policy,
  };
}

/** The fit config and update policy from the training, --policy and --dp flags, checked together. */
function trainingSetup(v: Values): { fit: Config; policy: PolicySpec } {
  if (v.dp !== undefined && (v.policy ?? 'none') !== 'none') throw new UsageError(`--dp ${String(v.dp)} and --policy ${String(v.policy)}: give one`);
  const setup = withDp(v, fitConfig(v), policySpec(v));
  try {
    dpModeOf(setup.policy, setup.fit);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return setup;
}

function deltaOption(v: Values): number | undefined {
  return numberOption('delta', v.delta as string | undefined, (n) => n > 0 && n < 1, 'in (0, 1)');
}

function jobNumbers(v: Values): { rounds: number; seed: number; roundTimeoutSeconds: number; minSites: number; fractionFit: number } {
  return {
    fractionFit: numberOption('fraction-fit', v['fraction-fit'] as string | undefined, (n) => n > 0 && n <= 1, 'in (0, 1]') ?? 1,
    rounds: intOption('rounds', v.rounds as string | undefined, 1) ?? 5,
    seed: numberOption('seed', v.seed as string | undefined, Number.isInteger, 'an integer') ?? 0,
    roundTimeoutSeconds: numberOption('round-timeout', v['round-timeout'] as string | undefined, (n) => n > 0, 'a positive number of seconds') ?? 120,
    minSites: intOption('min-sites', v['min-sites'] as string | undefined, 1) ?? 1,
  };
}

async function server(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TRAINING_OPTIONS,
      'sites-file': { type: 'string' },
      checkpoint: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
    },
  });
  if (!values['sites-file']) throw new UsageError('fl server needs --sites-file FILE');
  if (!values.checkpoint) throw new UsageError('fl server needs --checkpoint FILE');
  const n = jobNumbers(values);
  const task = getTask(values.task);
  const { fit: config, policy } = trainingSetup(values);
  const tokens = readTokens(values['sites-file']);
  await selectBackend({ quiet: true });
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const maxResultBytes = frameLimit(initialWeights(task, n.seed).specs);
  const transport = await HttpServerTransport.start({ tokens, maxResultBytes, host: values.host, port: intOption('port', values.port, 0) ?? 0, log });
  process.stdout.write(`listening on ${transport.address}\n`);
  try {
    const strategy = new FedAvg({ fit: config, minFitSites: n.minSites, fractionFit: n.fractionFit, seed: n.seed, policy });
    // One JSON line per completed round on stdout: what `fl run` (src/fl/launch.ts) reports live.
    const onRound = (record: RoundRecord): void => void process.stdout.write(`${JSON.stringify({ round: record })}\n`);
    const state = await new FlServer({
      task,
      strategy,
      rounds: n.rounds,
      transport,
      checkpoint: values.checkpoint,
      roundTimeoutSeconds: n.roundTimeoutSeconds,
      seed: n.seed,
      delta: deltaOption(values),
      log,
      onRound,
    }).run();
    process.stdout.write(`${JSON.stringify({ rounds: state.round, evaluation: state.evaluation?.metrics ?? null, checkpoint: values.checkpoint })}\n`);
  } finally {
    await transport.close();
  }
  return 0;
}

async function site(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      site: { type: 'string' },
      shard: { type: 'string' },
      task: { type: 'string', default: 'mlp-mnist' },
      reconnect: { type: 'string' },
    },
  });
  if (!values.server || !values.site || !values.shard) throw new UsageError('fl site needs --server URL, --site ID and --shard DIR');
  const token = process.env[TOKEN_ENV];
  if (!token) throw new UsageError(`fl site needs its token in the environment variable ${TOKEN_ENV}`);
  const reconnectSeconds = numberOption('reconnect', values.reconnect, (x) => x > 0, 'a positive number of seconds') ?? 60;
  const task = getTask(values.task);
  const shard = loadSiteShard(values.shard);
  await selectBackend({ quiet: true });
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const transport = new HttpSiteTransport({ server: values.server, token, reconnectSeconds, maxTaskBytes: frameLimit(initialWeights(task, 0).specs), log });
  await runSite({ site: values.site, task, shard, transport, log });
  return 0;
}

/** How a round's privacy reads in the text output. */
function privacyText(r: RoundRecord): string {
  const p = r.privacy;
  return p.epsilon === null ? 'no ε' : `ε ${p.epsilon.toFixed(3)} (δ ${p.delta}, per ${p.unit})`;
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...TRAINING_OPTIONS,
      sites: { type: 'string' },
      'non-iid': { type: 'boolean', default: false },
      'classes-per-site': { type: 'string' },
      'train-examples': { type: 'string' },
      out: { type: 'string' },
      fid: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const n = jobNumbers(values);
  const sites = intOption('sites', values.sites, 1) ?? 3;
  const fidSamples = intOption('fid', values.fid, 2);
  const gan = parseGanTaskName(values.task) !== undefined;
  if (fidSamples !== undefined && !gan) throw new UsageError('--fid needs a GAN task (--task gan-mnist)');
  if (values.out && fs.existsSync(values.out) && fs.readdirSync(values.out).length > 0) throw new UsageError(`--out ${values.out} is not empty`);
  if (values.out) checkParentExists(values.out);
  const { fit, policy } = trainingSetup(values);
  const result = await runFederated({
    ...n,
    sites,
    task: values.task,
    // the task's own data: Fashion-MNIST for pix2pix-fashion, MNIST otherwise
    dataset: getTask(values.task).dataset ?? 'mnist',
    fit,
    policy,
    delta: deltaOption(values),
    mode: values['non-iid'] ? 'non-iid' : 'iid',
    classesPerSite: intOption('classes-per-site', values['classes-per-site'], 1),
    trainExamples: intOption('train-examples', values['train-examples'], 1),
    dir: values.out,
    log: values.json ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  const history = result.state.history;
  let fid: number | null = null;
  if (fidSamples !== undefined) {
    // FID once, on the final generator (per round it would cost a generator sweep and a feature pass per site).
    await selectBackend({ quiet: true });
    const fm = await loadFeatureModel();
    try {
      fid = federatedGeneratorFid(getTask(values.task), result.state.weights, fm, datasetSplit('mnist').test, fidSamples);
    } finally {
      fm.dispose();
    }
  }
  const last = history[history.length - 1]?.privacy;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({
        dir: result.dir,
        seconds: result.seconds,
        dp: last?.mode ?? null,
        delta: last?.delta ?? null,
        epsilon: history.map((h) => h.privacy.epsilon),
        rounds: history,
        evaluation: result.state.evaluation ?? null,
        fid,
      })}\n`,
    );
  } else {
    for (const h of history) {
      const head = `round ${h.round}: ${h.accepted.length} sites (${h.rejected.length} rejected, ${h.missing.length} missing), ${h.seconds.toFixed(2)} s`;
      // pix2pix reports its L1 as train_loss too: name it once
      const shown = 'l1' in h.metrics ? TRAIN_METRICS.filter((k) => k !== 'train_loss') : TRAIN_METRICS;
      const train = metricsText(h.metrics, shown) || 'training metrics not reported under DP-SGD';
      const before = metricsText(h.metrics, globalKeys(h.metrics));
      process.stdout.write(`${head}, ${train}${before ? `, global model before it: ${before}` : ''}, ${privacyText(h)}\n`);
    }
    if (last?.reason) process.stdout.write(`no ε: ${last.reason}\n`);
    const ev = result.state.evaluation;
    if (ev) {
      const keys = Object.keys(ev.metrics).filter((k) => k !== 'num_examples' && !k.endsWith('seconds'));
      process.stdout.write(`final: ${metricsText(ev.metrics, keys)} over ${ev.metrics.num_examples} held-out images (${result.dir})\n`);
    }
    if (fid !== null) process.stdout.write(`FID of the final generator: ${fid.toFixed(2)} (${fidSamples} samples against MNIST's test digits)\n`);
  }
  return 0;
}

/** The training metrics a round's line shows, where the task reports them (under DP-SGD none is). */
const TRAIN_METRICS = ['train_loss', 'd_loss', 'g_loss', 'g_gan', 'l1'];

/** The global model's evaluation before the round: the task's own metrics, as the sites report them (global_*). */
function globalKeys(m: Metrics): string[] {
  return Object.keys(m).filter((k) => k.startsWith('global_') && k !== 'global_num_examples' && !k.endsWith('seconds'));
}

function metricsText(m: Metrics, keys: readonly string[]): string {
  return keys
    .filter((k) => typeof m[k] === 'number')
    .map((k) => `${k.replace(/^global_/, '').replace(/_/g, ' ')} ${m[k].toFixed(4)}`)
    .join(', ');
}

export const fl: Command = {
  name: 'fl',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'run') return run(rest);
    if (sub === 'server') return server(rest);
    if (sub === 'site') return site(rest);
    throw new UsageError(`unknown fl subcommand "${sub ?? ''}" (expected: run, server, site)`);
  },
};
