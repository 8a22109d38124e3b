/**
 * A whole federated job from one call, as separate OS processes: the launcher splits the
 * data into per-site shard directories, draws the site tokens, starts `privlab fl server`
 * and one `privlab fl site` per site, waits for the server to finish, and reads the
 * history from the server's checkpoint. On any failure it stops every process it started.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';
import { ImageDataset, subset } from '../data/dataset';
import { datasetSplit } from '../data/load';
import { ShardMode, splitSites, writeSiteShard } from '../data/site-shards';
import { packageRoot, writeFileAtomic } from '../util/files';
import { interruptScope } from '../util/interrupt';
import { lineSplitter } from '../util/line-splitter';
import { Config } from './strategy';
import { PolicySpec } from './policy';
import { CheckpointError, RoundRecord, ServerState, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { Weights } from './weights';
import { TOKEN_ENV, newTokens, writeTokens } from './transport/tokens';
import { roundCheckpointPath } from './round-checkpoints';

export interface FederatedJobOptions {
  sites: number;
  rounds: number;
  /** Default 'mlp-mnist'. */
  task?: string;
  /** What every site trains with each round (localSteps or localEpochs, batchSize, optimizer, learningRate). */
  fit: Config;
  /** Update policy (default: the identity, plain FedAvg). */
  policy?: PolicySpec;
  /** Default 'iid'. */
  mode?: ShardMode;
  classesPerSite?: number;
  /** Default 'mnist' (or any name/path loadDataset takes). */
  dataset?: string;
  /** Use only this many training images (spread over the sites). Default all. */
  trainExamples?: number;
  /** Deal exactly these training images (indices into the training split) instead of the first `trainExamples`. */
  trainIndices?: readonly number[];
  /** Use only this many held-out images (spread over the sites). Default all. */
  testExamples?: number;
  /** Each site's share of the training images (iid). Default equal. */
  fractions?: number[];
  /** Where shards, tokens, logs and the checkpoint go. Default a fresh temp directory. */
  dir?: string;
  seed?: number;
  roundTimeoutSeconds?: number;
  minSites?: number;
  /** Fraction of the sites that train each round. Default 1. */
  fractionFit?: number;
  /** δ of the ε the server records under dp-sgd and dp-fedavg. Default the server's (1e-5). */
  delta?: number;
  /** Progress lines (server and site logs). */
  log?: (line: string) => void;
  /** Each completed round's record, as the server completes it. */
  onRound?: (record: RoundRecord) => void;
  /**
   * Copy the server's checkpoint after each round (true) or after the rounds listed to
   * `dir/rounds/round-N.ckpt`, so those rounds' models can be reloaded or averaged later
   * (./round-checkpoints.ts). A list saves disk when a job scores only some rounds.
   */
  keepRounds?: boolean | readonly number[];
  /**
   * The global weights the job starts from (default: the task's fresh model of `seed`), e.g. a
   * released generator whose critic is refitted. Written as the round-0 checkpoint of a new job;
   * the job's settings record their digest, so a directory started from other weights is refused.
   */
  initialWeights?: Weights;
}

export interface FederatedJobResult {
  dir: string;
  checkpoint: string;
  state: ServerState;
  seconds: number;
}

const SITE_EXIT_MS = 15_000;
const BIN = (): string => path.join(packageRoot(), 'bin', 'privlab');

/** The shard directory of a site in a job directory. */
export function siteDir(dir: string, site: string): string {
  return path.join(dir, 'shards', site);
}

/** Split the data and write one shard directory per site; returns the site ids. */
export function prepareShards(
  dir: string,
  o: Pick<FederatedJobOptions, 'sites' | 'mode' | 'classesPerSite' | 'dataset' | 'trainExamples' | 'trainIndices' | 'testExamples' | 'fractions' | 'seed'>,
): string[] {
  const split = datasetSplit(o.dataset ?? 'mnist');
  let train: ImageDataset = split.train;
  if (o.trainIndices !== undefined) {
    if (o.trainExamples !== undefined) throw new RangeError('give trainIndices or trainExamples, not both');
    if (o.trainIndices.length < o.sites) throw new RangeError(`trainIndices: ${o.trainIndices.length} examples for ${o.sites} sites`);
    if (new Set(o.trainIndices).size !== o.trainIndices.length) throw new RangeError('trainIndices: an example is listed twice');
    train = subset(train, o.trainIndices); // subset checks each index; the shards keep the split's name
  } else if (o.trainExamples !== undefined) {
    if (!(Number.isInteger(o.trainExamples) && o.trainExamples >= o.sites))
      throw new RangeError(`trainExamples must be an integer ≥ the number of sites, got ${o.trainExamples}`);
    train = subset(
      train,
      Array.from({ length: Math.min(o.trainExamples, train.count) }, (_, i) => i),
    );
  }
  let test: ImageDataset = split.test;
  if (o.testExamples !== undefined) {
    // Held-out images cost every site an evaluation per round; a few suffice for a short job.
    if (!(Number.isInteger(o.testExamples) && o.testExamples >= o.sites))
      throw new RangeError(`testExamples must be an integer ≥ the number of sites, got ${o.testExamples}`);
    test = subset(
      test,
      Array.from({ length: Math.min(o.testExamples, test.count) }, (_, i) => i),
    );
  }
  const seed = o.seed ?? 0;
  const trainParts = splitSites(train, { sites: o.sites, mode: o.mode, classesPerSite: o.classesPerSite, fractions: o.fractions, seed });
  const testParts = splitSites(test, { sites: o.sites, seed: seed + 1 });
  const ids = trainParts.map((_, i) => `site-${i + 1}`);
  ids.forEach((id, i) => writeSiteShard(siteDir(dir, id), { train: trainParts[i], test: testParts[i] }));
  return ids;
}

interface Proc {
  name: string;
  child: ChildProcess;
  exit: Promise<number | null>;
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, log: (line: string) => void): Proc {
  const child = spawn(process.execPath, [BIN(), ...args], { env: { ...process.env, PRIVLAB_BLAS_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = fs.createWriteStream(logFile);
  // The log opens asynchronously: a job that ends first (interrupted at once) and whose folder is
  // then removed must not crash the process with the late open's ENOENT.
  out.on('error', (e) => log(`${name}: cannot write ${logFile} (${e.message})`));
  // Stdout goes to the log too: a pipe nobody reads would block a child that writes enough to it.
  child.stdout!.on('data', (d: Buffer) => out.write(d));
  // Whole lines, decoded across chunks (a pipe can cut a line, or a character, in two).
  const lines = lineSplitter((l) => void (l.trim() && log(`${name}: ${l}`)));
  child.stderr!.on('data', (d: Buffer) => {
    out.write(d);
    lines.write(d);
  });
  child.stderr!.once('end', () => lines.end());
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      out.end();
      resolve(code);
    }),
  );
  return { name, child, exit };
}

/**
 * The server's stdout: resolves with its address from the "listening on" line, and hands
 * each completed round's JSON line to `onRound`.
 */
function serverOutput(p: Proc, onRound: (r: RoundRecord) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    // A round's line is a few kilobytes: the bound only stops a runaway writer.
    const lines = lineSplitter(
      (line) => {
        const m = /^listening on (http:\/\/\S+)/.exec(line);
        if (m) resolve(m[1]);
        else if (line.startsWith('{"round":')) onRound((JSON.parse(line) as { round: RoundRecord }).round);
      },
      16 * 2 ** 20,
    );
    p.child.stdout!.on('data', (d: Buffer) => lines.write(d));
    void p.exit.then((code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
}

/** The file in a job directory that records what the job was started with. */
export const JOB_SETTINGS_FILE = 'job.json';

/**
 * What a job directory's checkpoint depends on, apart from the number of rounds: a directory whose
 * server checkpoint is resumed (the server picks up its last whole round) must have been started
 * with the same settings, or the resumed rounds would silently continue a different job.
 */
function jobSettings(o: FederatedJobOptions, task: string): Record<string, unknown> {
  const { sites, fit, policy, mode, classesPerSite, dataset, trainExamples, trainIndices, testExamples, fractions, seed, minSites, fractionFit, delta } = o;
  return {
    task,
    sites,
    fit,
    policy: policy ?? null,
    mode: mode ?? 'iid',
    classesPerSite: classesPerSite ?? null,
    dataset: dataset ?? 'mnist',
    trainExamples: trainExamples ?? null,
    trainIndices: trainIndices === undefined ? null : [...trainIndices],
    testExamples: testExamples ?? null,
    fractions: fractions ?? null,
    seed: seed ?? 0,
    minSites: minSites ?? 1,
    fractionFit: fractionFit ?? 1,
    delta: delta ?? null,
    // Only when given, so directories of jobs started before this option resume as they were.
    ...(o.initialWeights ? { initialWeights: weightsDigest(o.initialWeights) } : {}),
  };
}

/** SHA-256 of the tensors' names, shapes and float bytes: equal exactly when the weights are. */
function weightsDigest(w: Weights): string {
  const h = createHash('sha256');
  w.specs.forEach((s, i) => {
    h.update(`${s.name}:${s.shape.join('x')};`);
    const v = w.values[i];
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  });
  return h.digest('hex');
}

/** JSON with every object's keys sorted, so equal settings give equal text whatever order they were built in. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/**
 * Write the job's settings, or check them against those of the job the directory already holds.
 * A directory with a checkpoint but no settings file (written before the file existed) is
 * adopted with a warning: its settings are taken on trust, once.
 */
function claimJobDir(dir: string, settings: Record<string, unknown>, log: (line: string) => void): void {
  const file = path.join(dir, JOB_SETTINGS_FILE);
  if (fs.existsSync(file)) {
    let was: Record<string, unknown>;
    try {
      was = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new RangeError(`${file}: not the JSON of a job's settings (${(e as Error).message})`);
    }
    const differ = Object.keys({ ...was, ...settings }).filter((k) => canonicalJson(was[k]) !== canonicalJson(settings[k]));
    if (differ.length)
      throw new RangeError(`${dir} holds a federated job started with other settings (${differ.join(', ')}); give a fresh directory to start anew`);
    return;
  }
  if (fs.existsSync(path.join(dir, 'server.ckpt')))
    log(`warning: ${dir} holds a server checkpoint without ${JOB_SETTINGS_FILE}; resuming it on trust that it was started with these settings`);
  writeFileAtomic(file, canonicalJson(settings) + '\n');
}

export async function runFederated(o: FederatedJobOptions): Promise<FederatedJobResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => undefined);
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'privlab-fl-'));
  fs.mkdirSync(dir, { recursive: true });
  const task = o.task ?? 'mlp-mnist';
  claimJobDir(dir, jobSettings(o, task), log);
  const ids = prepareShards(dir, o);
  const tokens = newTokens(ids);
  const sitesFile = path.join(dir, 'sites.json');
  writeTokens(sitesFile, tokens);
  const checkpoint = path.join(dir, 'server.ckpt');
  // The server takes a round-0 checkpoint as its start (and checks its tensors against the task's).
  if (o.initialWeights && !fs.existsSync(checkpoint)) saveCheckpoint(checkpoint, { task, round: 0, history: [], weights: o.initialWeights });
  const procs: Proc[] = [];
  // Ctrl-C, SIGTERM or a kernel interrupt: stop waiting and end the server and sites (below); the
  // server's checkpoint holds the last whole round, from which the job can be run again.
  const scope = interruptScope();
  const stopped = `federated job in ${dir}`;
  try {
    const server = start(
      'server',
      [
        'fl',
        'server',
        '--task',
        task,
        '--rounds',
        String(o.rounds),
        '--sites-file',
        sitesFile,
        '--checkpoint',
        checkpoint,
        '--config',
        JSON.stringify(o.fit),
        '--policy',
        o.policy?.name ?? 'none',
        '--policy-params',
        JSON.stringify(o.policy?.params ?? {}),
        '--seed',
        String(o.seed ?? 0),
        '--round-timeout',
        String(o.roundTimeoutSeconds ?? 120),
        '--min-sites',
        String(o.minSites ?? 1),
        '--fraction-fit',
        String(o.fractionFit ?? 1),
        ...(o.delta === undefined ? [] : ['--delta', String(o.delta)]),
      ],
      {},
      path.join(dir, 'server.log'),
      log,
    );
    procs.push(server);
    const keeps = (round: number): boolean => (Array.isArray(o.keepRounds) ? o.keepRounds.includes(round) : o.keepRounds === true);
    if (o.keepRounds) fs.mkdirSync(path.dirname(roundCheckpointPath(dir, 1)), { recursive: true });
    const onRound = (r: RoundRecord): void => {
      // The server prints a round's line after it has saved that round's checkpoint (atomically), and
      // the next save is a whole round away: the copy is of this round.
      if (keeps(r.round)) fs.copyFileSync(checkpoint, roundCheckpointPath(dir, r.round));
      o.onRound?.(r);
    };
    const url = await scope.race(serverOutput(server, onRound), stopped);
    for (const id of ids) {
      procs.push(
        start(
          id,
          ['fl', 'site', '--server', url, '--site', id, '--shard', siteDir(dir, id), '--task', task],
          { [TOKEN_ENV]: tokens.get(id) },
          path.join(dir, `${id}.log`),
          log,
        ),
      );
    }
    const code = await scope.race(server.exit, stopped);
    if (code !== 0) throw new Error(`the server exited with ${code}; see ${path.join(dir, 'server.log')}`);
    // Sites leave once told the job is over; one that does not is stopped below.
    let timer: NodeJS.Timeout | undefined;
    const codes = await Promise.race([
      Promise.all(procs.slice(1).map((p) => p.exit)),
      new Promise<null>((r) => (timer = setTimeout(() => r(null), SITE_EXIT_MS))),
    ]);
    clearTimeout(timer);
    (codes ?? []).forEach((c, i) => {
      if (c !== 0) log(`${ids[i]} exited with ${c}; see ${path.join(dir, `${ids[i]}.log`)}`);
    });
    const state = loadCheckpoint(checkpoint, task);
    if (!state) throw new CheckpointError(checkpoint, 'the server finished without writing its checkpoint');
    return { dir, checkpoint, state, seconds: (performance.now() - t0) / 1000 };
  } finally {
    scope.dispose();
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
}
