/**
 * `privlab bench fl-overhead`: what federation costs. The same local training (mlp-mnist,
 * S Adam steps of batch 32 per site and round) run centrally in this process, and as a
 * federated job (server + site processes over HTTP, each round: task download, the site's
 * evaluation of the global model, training, upload, validation, averaging, checkpoint).
 * Compares the median federated round (wall time between consecutive completed rounds, so
 * after the first, which includes process start-up) with the same number of steps run
 * centrally: sites × S steps (central rounds are timed before and after each federated job).
 * Target ≤ 1.2. Wall-clock times move with other load on a shared machine; the CPU-time
 * ratio (all server and site processes against this one) does not.
 */
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend';
import { loadSiteShard } from '../src/data/site-shards';
import { intOption, intListOption } from '../src/cli/command';
import { mlpMnist, prepareShards, runFederated, siteDir } from '../src/fl';
import { tmpDir } from './tmp';
import { median, round } from './stats';
import type { NamedBenchmark } from './benchmark';

interface CentralRound {
  wall: number;
  cpu: number;
}

/** Wall and CPU seconds of `steps` local steps in this process, one sample per round (after one warm-up). */
async function centralRounds(steps: number, rounds: number, examples: number, log: (l: string) => void): Promise<CentralRound[]> {
  const dir = tmpDir();
  prepareShards(dir, { sites: 1, trainExamples: examples });
  const shard = loadSiteShard(siteDir(dir, 'site-1'));
  const model = mlpMnist.createModel(0);
  const times: CentralRound[] = [];
  for (let r = 0; r <= rounds; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await mlpMnist.trainLocal(model, shard.train, { localSteps: steps, batchSize: 32, optimizer: 'adam', learningRate: 1e-3 }, r);
    const c = process.cpuUsage(c0);
    if (r > 0) times.push({ wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 });
  }
  model.dispose();
  log(`central: ${steps} steps in ${median(times.map((t) => t.wall)).toFixed(3)} s (median)`);
  return times;
}

export const flOverheadBenchmark: NamedBenchmark = {
  name: 'fl-overhead',
  usage: `fl-overhead [--sites 1,3] [--steps S] [--rounds R]
      A federated round (server + site processes, mlp-mnist, S local Adam steps per site,
      default 50) against sites × S steps run centrally: median seconds and the ratio
      (target ≤ 1.2).`,
  async run(argv, log) {
    const { values } = parseArgs({ args: argv, options: { sites: { type: 'string' }, steps: { type: 'string' }, rounds: { type: 'string' } } });
    const siteCounts = intListOption('sites', values.sites ?? '1,3', 1) as number[];
    const steps = intOption('steps', values.steps, 1) ?? 50;
    const rounds = intOption('rounds', values.rounds, 3) ?? 5;
    await selectBackend({ quiet: true, blasThreads: 1 });
    const examples = 6000;
    // Central rounds before and after each federated job, so both see the machine's load alike.
    const central = await centralRounds(steps, rounds, examples, log);
    const federated = [];
    for (const sites of siteCounts) {
      // A round's cost: wall time between consecutive completed rounds as this process sees
      // them (publish, site work, upload, validation, averaging, checkpoint and report).
      const done: number[] = [];
      const job = await runFederated({
        sites,
        rounds,
        fit: { localSteps: steps, batchSize: 32, optimizer: 'adam', learningRate: 1e-3 },
        trainExamples: examples,
        dir: tmpDir(),
        log,
        onRound: () => done.push(performance.now()),
      });
      const later = job.state.history.slice(1);
      const roundS = median(done.slice(1).map((t, i) => (t - done[i]) / 1000));
      const evalS = median(later.map((h) => h.metrics.global_eval_seconds));
      central.push(...(await centralRounds(steps, rounds, examples, log)));
      const centralS = median(central.map((c) => c.wall)) * sites;
      // CPU time, all processes: what the round consumed, whatever else runs on the machine.
      const roundCpu = median(later.map((h) => h.serverCpuSeconds + h.accepted.reduce((s, a) => s + a.metrics.cpu_seconds, 0)));
      const centralCpu = median(central.map((c) => c.cpu)) * sites;
      federated.push({
        sites,
        round_s: round(roundS),
        central_same_steps_s: round(centralS),
        ratio: round(roundS / centralS),
        // each round the sites also evaluate the global model on their held-out images (config evaluateGlobal)
        site_global_eval_s: round(evalS),
        ratio_without_global_eval: round((roundS - evalS) / centralS),
        round_cpu_s: round(roundCpu),
        central_same_steps_cpu_s: round(centralCpu),
        cpu_ratio: round(roundCpu / centralCpu),
        site_train_s: round(median(later.map((h) => h.metrics.train_seconds))),
      });
    }
    return {
      task: 'mlp-mnist',
      steps_per_round: steps,
      batch: 32,
      rounds,
      central_step_ms: round((median(central.map((c) => c.wall)) / steps) * 1000),
      federated,
      target_ratio: 1.2,
    };
  },
};
