/**
 * A federated site: pulls each task from the server and, when the task's sample includes
 * it, loads the global weights into its own copy of the model, trains on its own shard
 * (or evaluates), and pushes back its
 * update (local − global weights, through the update policy's site transform), its
 * example count and metrics. The site never holds anything but its shard and the weights
 * the server sent. Before training it evaluates the received global weights on its
 * held-out images, which gives the per-site accuracy curve across rounds.
 */
import { SiteShard } from '../data/site-shards';
import { FlTask, TaskModel, configNumber } from './tasks/task';
import { subset } from '../data/dataset';
import { Metrics } from './strategy';
import { makeUpdatePolicy } from './policy';
import { TaskMessage, UpdateMessage } from './messages';
import { SiteTransport, TaskRef } from './transport/transport';
import { assignWeights, subtractWeights, weightsFromVariables } from './weights';

export interface SiteOptions {
  /** This site's id (as the server knows it). */
  site: string;
  task: FlTask;
  shard: SiteShard;
  transport: SiteTransport;
  log?: (line: string) => void;
}

/** A 32-bit mix of the round's seed and the site's id, so sites draw different batches. */
export function siteSeed(roundSeed: number, site: string): number {
  let h = 0x811c9dc5 ^ (roundSeed >>> 0);
  for (let i = 0; i < site.length; i++) h = Math.imul(h ^ site.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface SiteSummary {
  /** Tasks answered, and how many of the answers the server accepted. */
  answered: number;
  accepted: number;
}

/**
 * Fault injection for tests: PRIVLAB_FL_DIE_AT_ROUND=R makes the site process die abruptly
 * (SIGKILL, no cleanup) once it holds round R's task: a crash in the middle of a round at a
 * deterministic point, which a kill from outside cannot hit on a loaded machine.
 */
function dieIfAskedTo(round: number): void {
  if (process.env.PRIVLAB_FL_DIE_AT_ROUND === String(round)) process.kill(process.pid, 'SIGKILL');
}

export async function runSite(o: SiteOptions): Promise<SiteSummary> {
  const log = o.log ?? (() => undefined);
  const model = o.task.createModel(0);
  const summary: SiteSummary = { answered: 0, accepted: 0 };
  let seen: TaskRef | null = null;
  let cpuMark = process.cpuUsage();
  try {
    for (;;) {
      const task = await o.transport.nextTask(seen);
      if (!task) break;
      seen = { job: task.job, round: task.round };
      if (task.task !== o.task.name) throw new RangeError(`the server runs task "${task.task}", this site was started for "${o.task.name}"`);
      if (!task.sites.includes(o.site)) {
        log(`round ${task.round} ${task.mode}: not in this round's sample`);
        continue;
      }
      dieIfAskedTo(task.round);
      const t0 = performance.now();
      const result = await answer(o, model, task, cpuMark);
      // The upload's CPU time counts toward the next answer (steady state: one download, one upload each).
      cpuMark = process.cpuUsage();
      const verdict = await o.transport.pushResult(result);
      summary.answered++;
      if (verdict.accepted) summary.accepted++;
      log(
        `round ${task.round} ${task.mode} (${((performance.now() - t0) / 1000).toFixed(2)} s) → ${verdict.accepted ? 'accepted' : `${verdict.kind}: ${verdict.reason}`}`,
      );
    }
  } finally {
    model.dispose();
  }
  log(`the job is over (${summary.accepted}/${summary.answered} answers accepted)`);
  return summary;
}

/** CPU seconds (user + system, all threads) this process used since `from`. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

async function answer(o: SiteOptions, model: TaskModel, task: TaskMessage, cpuMark: NodeJS.CpuUsage): Promise<UpdateMessage> {
  assignWeights(model.variables, model.names, task.weights);
  const base = { job: task.job, round: task.round, site: o.site };
  const held = o.shard.test;
  if (task.mode === 'evaluate') {
    const data = held ?? o.shard.train;
    return { ...base, numExamples: data.count, metrics: o.task.evaluate(model, data), update: { specs: [], values: [] } };
  }
  const metrics: Metrics = {};
  // The per-round look at the global model costs a forward pass over held-out images, so it
  // uses at most config.globalEvalExamples of them (default 500; the final evaluation uses
  // all); config.evaluateGlobal: false skips it.
  if (held && task.config.evaluateGlobal !== false) {
    const t0 = performance.now();
    const n = configNumber(task.config, 'globalEvalExamples', 500, (x) => Number.isInteger(x) && x >= 1, 'a positive integer');
    const sample =
      n >= held.count
        ? held
        : subset(
            held,
            Array.from({ length: n }, (_, i) => i),
          );
    for (const [k, v] of Object.entries(o.task.evaluate(model, sample))) metrics[`global_${k}`] = v;
    metrics.global_eval_seconds = (performance.now() - t0) / 1000;
  }
  Object.assign(metrics, await o.task.trainLocal(model, o.shard.train, task.config, siteSeed(Number(task.config.seed ?? 0), o.site)));
  const update = subtractWeights(weightsFromVariables(model.variables, model.names), task.weights);
  const policy = makeUpdatePolicy(task.policy);
  const values = policy.siteUpdate(update.values, { round: task.round, site: o.site });
  // CPU time since the last upload (task download, evaluation, training, update): robust to other load, unlike wall time.
  metrics.cpu_seconds = cpuSince(cpuMark);
  return { ...base, numExamples: o.shard.train.count, metrics, update: { specs: update.specs, values } };
}
