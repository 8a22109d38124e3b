/**
 * The federated server's round loop. Each round it publishes a task (global weights +
 * the strategy's config) through the transport, collects what the sites send until every
 * site has answered or the round's deadline passes, rejects bad answers with a logged
 * reason, aggregates the accepted ones with the strategy, and checkpoints atomically. A
 * round with fewer accepted updates than the strategy's minimum is not aggregated: it is
 * run again (up to maxAttempts), so garbage or silence never reaches the global weights.
 * Started again on the same checkpoint, it resumes after the last completed round.
 */
import { randomBytes } from 'node:crypto';
import { FlTask } from './tasks/task';
import { Config, Strategy } from './strategy';
import { TaskMode, decodeUpdate, encodeTask, UpdateMessage } from './messages';
import { ServerTransport, TaskRef, TransportFault, Verdict } from './transport/transport';
import { TensorSpec, Weights, weightsFromVariables } from './weights';
import { frameLimit } from './wire';
import { CheckpointError, RoundRecord, ServerState, SiteAnswer, loadCheckpoint, removeStaleTemps, saveCheckpoint } from './checkpoint';
import { PrivacyLedger } from './privacy-accounting';
import { interruptScope, InterruptScope } from '../util/interrupt';
import { requirePositiveInteger } from '../util/checks';

export interface ServerOptions {
  task: FlTask;
  strategy: Strategy;
  /** Total rounds of the job (a resumed job runs the ones still missing). */
  rounds: number;
  transport: ServerTransport;
  /** Checkpoint file: read at start if present, replaced after every completed round. */
  checkpoint: string;
  /** How long a round waits for the sites' answers. */
  roundTimeoutSeconds: number;
  /** Attempts of a round before the job fails. Default 3. */
  maxAttempts?: number;
  /** Ask the sites to evaluate the final weights. Default true. */
  evaluate?: boolean;
  /**
   * Before its first round, the server waits up to this long for every site to connect, so
   * that round deadlines do not count the sites' start-up. Default: the round timeout.
   */
  joinTimeoutSeconds?: number;
  /** Seed of the initial global weights. Default 0. */
  seed?: number;
  /** The δ of the ε recorded each round under dp-sgd and dp-fedavg. Default DEFAULT_DELTA (1e-5). */
  delta?: number;
  log?: (line: string) => void;
  /** Called with each completed round's record, once it is checkpointed (live progress). */
  onRound?: (record: RoundRecord) => void;
}

/** A round that could not be completed. */
export class RoundFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoundFailedError';
  }
}

interface Collected {
  answers: UpdateMessage[];
  rejected: { site: string; reason: string }[];
  missing: string[];
}

interface FitRound {
  got: Collected;
  sampled: string[];
  attempts: number;
  seconds: number;
}

/** The model's tensors and freshly initialised weights. */
export function initialWeights(task: FlTask, seed: number): Weights {
  const model = task.createModel(seed);
  try {
    return weightsFromVariables(model.variables, model.names);
  } finally {
    model.dispose();
  }
}

export class FlServer {
  /** Identifies this server process's tasks: answers to a previous run's tasks are stale. */
  private readonly runId = randomBytes(6).toString('hex');
  private readonly log: (line: string) => void;
  private cpuMark = process.cpuUsage();
  /** What each round spends under the job's DP mode (built here, so a bad mode fails before any round). */
  private readonly privacy: PrivacyLedger;

  constructor(private readonly o: ServerOptions) {
    requirePositiveInteger(o.rounds, 'rounds');
    if (!(o.roundTimeoutSeconds > 0)) throw new RangeError(`the round timeout must be positive, got ${o.roundTimeoutSeconds}`);
    if (o.strategy.minFitSites > o.transport.sites.length)
      throw new RangeError(`the strategy needs ${o.strategy.minFitSites} sites per round, only ${o.transport.sites.length} are registered`);
    this.log = o.log ?? (() => undefined);
    this.privacy = new PrivacyLedger({
      policy: o.strategy.policy.spec,
      fit: o.strategy.configureFit(1),
      totalSites: o.transport.sites.length,
      delta: o.delta,
      releasesPerStep: o.task.dpReleasesPerStep,
    });
  }

  async run(): Promise<ServerState> {
    const { task } = this.o;
    const fresh = initialWeights(task, this.o.seed ?? 0);
    const specs = fresh.specs;
    for (const f of removeStaleTemps(this.o.checkpoint)) this.log(`removed ${f}, a checkpoint write cut short`);
    let state = loadCheckpoint(this.o.checkpoint, task.name, specs);
    if (state) {
      this.log(
        state.round === 0
          ? `starting from the weights in ${this.o.checkpoint}`
          : `resuming from ${this.o.checkpoint}: ${state.round} of ${this.o.rounds} rounds done`,
      );
      try {
        this.privacy.replay(state.history);
      } catch (e) {
        // The privacy records come from the file: a bad one is the checkpoint's problem, named as such.
        throw new CheckpointError(this.o.checkpoint, `cannot resume from it: ${(e as Error).message}`);
      }
    } else {
      state = { task: task.name, round: 0, history: [], weights: fresh };
      saveCheckpoint(this.o.checkpoint, state);
    }
    // Ctrl-C / SIGTERM / a kernel interrupt end the job between saves: the checkpoint holds the last whole round.
    const scope = interruptScope();
    try {
      return await this.rounds(state, specs, scope);
    } finally {
      scope.dispose();
    }
  }

  private async rounds(state: ServerState, specs: readonly TensorSpec[], scope: InterruptScope): Promise<ServerState> {
    const { strategy } = this.o;
    const stopped = (): string => `federated job (${this.o.checkpoint} holds round ${state.round}; run the server again to resume)`;
    if (state.round < this.o.rounds) await scope.race(this.waitForSites(), stopped());
    for (let round = state.round + 1; round <= this.o.rounds; round++) {
      state = this.completeRound(state, round, await scope.race(this.fitRound(state.weights, round, specs), stopped()));
      saveCheckpoint(this.o.checkpoint, state);
      this.log(`round ${round} done: ${state.history[round - 1].accepted.length} updates averaged; checkpoint saved`);
      this.o.onRound?.(state.history[round - 1]);
    }
    if ((this.o.evaluate ?? true) && !state.evaluation) {
      const t0 = performance.now();
      const got = await scope.race(
        this.collect(
          { job: `${this.runId}.eval`, round: state.round },
          'evaluate',
          this.o.transport.sites,
          state.weights,
          [],
          strategy.configureEvaluate(state.round),
        ),
        stopped(),
      );
      const sites = got.answers.map(answerOf);
      state = { ...state, evaluation: { round: state.round, sites, metrics: strategy.aggregateMetrics(sites) } };
      saveCheckpoint(this.o.checkpoint, state);
      this.log(`evaluation of round ${state.round}: ${JSON.stringify(state.evaluation!.metrics)} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
    }
    // Keep serving until the sites that answered last have heard that the job is over.
    const last = state.evaluation?.sites ?? state.history[state.history.length - 1]?.accepted ?? [];
    await this.o.transport.finish(last.map((a) => a.site));
    return state;
  }

  private async waitForSites(): Promise<void> {
    const { transport } = this.o;
    const deadline = performance.now() + 1000 * (this.o.joinTimeoutSeconds ?? this.o.roundTimeoutSeconds);
    while (transport.connected.size < transport.sites.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const absent = transport.sites.filter((s) => !transport.connected.has(s));
    this.log(absent.length ? `starting without ${absent.join(', ')} (not connected yet)` : `all ${transport.sites.length} sites connected`);
  }

  /** Run `round` until enough sites answer (or the attempts run out). */
  private async fitRound(global: Weights, round: number, specs: readonly TensorSpec[]): Promise<FitRound> {
    const maxAttempts = this.o.maxAttempts ?? 3;
    const t0 = performance.now();
    const sampled = this.o.strategy.sampleSites(round, this.o.transport.sites);
    for (let attempt = 1; ; attempt++) {
      const got = await this.collect({ job: `${this.runId}.${attempt}`, round }, 'fit', sampled, global, specs, this.o.strategy.configureFit(round));
      if (got.answers.length >= this.o.strategy.minFitSites) return { got, sampled, attempts: attempt, seconds: (performance.now() - t0) / 1000 };
      const why = `round ${round} attempt ${attempt}: ${got.answers.length} accepted updates, at least ${this.o.strategy.minFitSites} needed (rejected: ${got.rejected.map((r) => r.site).join(', ') || 'none'}; missing: ${got.missing.join(', ') || 'none'})`;
      if (attempt >= maxAttempts)
        throw new RoundFailedError(`${why}; giving up after ${maxAttempts} attempts — the last checkpoint (round ${round - 1}) is intact`);
      this.log(`${why}; running the round again`);
    }
  }

  private completeRound(state: ServerState, round: number, r: FitRound): ServerState {
    // In site order, so the average does not depend on who answered first.
    r.got.answers.sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
    const results = r.got.answers.map((a) => ({ site: a.site, update: a.update.values, numExamples: a.numExamples, metrics: a.metrics }));
    const weights = this.o.strategy.aggregateFit(round, state.weights, results);
    const accepted = r.got.answers.map(answerOf);
    // Since the previous round's record: that round's checkpoint, this round's serving, validation and averaging.
    const cpu = process.cpuUsage(this.cpuMark);
    this.cpuMark = process.cpuUsage();
    const record: RoundRecord = {
      round,
      attempts: r.attempts,
      seconds: r.seconds,
      serverCpuSeconds: (cpu.user + cpu.system) / 1e6,
      sampled: r.sampled,
      accepted,
      rejected: r.got.rejected,
      missing: r.got.missing,
      metrics: this.o.strategy.aggregateMetrics(accepted),
      privacy: this.privacy.completeRound(r.sampled, accepted),
    };
    // A job resumed with more rounds than it first ran: its evaluation was of the old final weights.
    return { task: state.task, round, weights, history: [...state.history, record] };
  }

  /** Publish one task and gather the answers until every site answered or the deadline. */
  private collect(ref: TaskRef, mode: TaskMode, sites: readonly string[], global: Weights, expect: readonly TensorSpec[], config: Config): Promise<Collected> {
    const { transport, strategy, task } = this.o;
    const pending = new Set(sites);
    const answers: UpdateMessage[] = [];
    const rejected: { site: string; reason: string }[] = [];
    const maxBytes = frameLimit(expect);
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        transport.onResult(() => ({ accepted: false, kind: 'stale', reason: `round ${ref.round} is closed` }));
        resolve({ answers, rejected, missing: [...pending] });
      };
      const reject = (site: string, reason: string): Verdict => {
        pending.delete(site);
        rejected.push({ site, reason });
        this.log(`round ${ref.round}: rejected ${mode} result from ${site}: ${reason}`);
        if (pending.size === 0) finish();
        return { accepted: false, kind: 'rejected', reason };
      };
      transport.onResult((site: string, payload: Uint8Array | TransportFault): Verdict => {
        if (!sites.includes(site)) return { accepted: false, kind: 'stale', reason: `${site} is not in the sample of round ${ref.round}` };
        if (!pending.has(site)) return { accepted: false, kind: 'stale', reason: `${site} already answered round ${ref.round}` };
        if (!(payload instanceof Uint8Array)) return reject(site, payload.fault);
        let msg: UpdateMessage;
        try {
          msg = decodeUpdate(payload, maxBytes, expect);
        } catch (e) {
          return reject(site, `${(e as Error).name}: ${(e as Error).message}`);
        }
        if (msg.job !== ref.job || msg.round !== ref.round)
          return reject(site, `the message is for job ${msg.job} round ${msg.round}, sent as an answer to job ${ref.job} round ${ref.round}`);
        if (msg.site !== site) return reject(site, `the message claims to come from "${msg.site}" but carries ${site}'s token`);
        const unaccountable = mode === 'fit' ? this.privacy.checkAnswer(msg.metrics) : undefined;
        if (unaccountable) return reject(site, unaccountable);
        pending.delete(site);
        answers.push(msg);
        if (pending.size === 0) finish();
        return { accepted: true };
      });
      const timer = setTimeout(() => {
        if (pending.size > 0) this.log(`round ${ref.round}: no ${mode} result within ${this.o.roundTimeoutSeconds} s from ${[...pending].join(', ')}`);
        finish();
      }, this.o.roundTimeoutSeconds * 1000);
      transport.publish(
        ref,
        encodeTask({ job: ref.job, round: ref.round, mode, sites: [...sites], task: task.name, config, policy: strategy.policy.spec, weights: global }),
      );
      this.log(`round ${ref.round}: ${mode} task published (job ${ref.job}) for ${sites.length} of ${transport.sites.length} sites`);
    });
  }
}

function answerOf(m: UpdateMessage): SiteAnswer {
  return { site: m.site, numExamples: m.numExamples, metrics: m.metrics };
}
