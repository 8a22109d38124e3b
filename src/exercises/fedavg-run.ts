/**
 * A three-site FedAvg run in one process, for exercise 02: the rounds the project's server and
 * site processes play over HTTP (src/fl/server.ts, site.ts), without the processes, so a
 * student's aggregation function can drive it and a check can replay it with the library's.
 * Each round every site starts from the global weights, trains the task's model a few local
 * steps on its own non-IID shard of the small MNIST set, and answers its update (local −
 * global) with its example count; the aggregate is added to the global weights, which are
 * then scored on held-out digits. Everything is seeded: the same options give the same run.
 */
import { loadMnist } from '../data/mnist';
import { concatDatasets, ImageDataset, subset } from '../data/dataset';
import { splitSites } from '../data/site-shards';
import { logregMnist } from '../fl/tasks/mlp-mnist';
import { FlTask } from '../fl/tasks/task';
import { addWeights, assignWeights, checkWeights, subtractWeights, weightsFromVariables, Weights } from '../fl/weights';
import { Config } from '../fl/strategy';
import { requirePositiveInteger } from '../util/checks';

/** What a site sends the server: its update (one Float32Array per parameter tensor) and how many examples it trained on. */
export interface SiteUpdate {
  update: Float32Array[];
  numExamples: number;
}

/** A FedAvg aggregation: the round's mean update from the sites' answers. */
export type FedAvgAggregate = (results: readonly SiteUpdate[]) => Float32Array[];

export interface FedAvgRunOptions {
  /** Default 10. */
  rounds?: number;
  /** Training examples of each site (the shards are non-IID, so sizes differ on purpose). Default [150, 500, 1200]. */
  siteExamples?: readonly number[];
  /** Classes per site's shard. Default 4. */
  classesPerSite?: number;
  /** Every site's local training (src/fl/tasks/local-training.ts). Default 20 SGD steps of 32 at learning rate 0.05. */
  fit?: Config;
  /** Default 0. */
  seed?: number;
}

export interface FedAvgRun {
  options: Required<FedAvgRunOptions>;
  /** Test accuracy of the global model before the first round (index 0) and after each round. */
  accuracy: number[];
}

export const FEDAVG_RUN_DEFAULTS: Readonly<Required<FedAvgRunOptions>> = Object.freeze({
  rounds: 10,
  siteExamples: Object.freeze([150, 500, 1200]),
  classesPerSite: 4,
  fit: Object.freeze({ localSteps: 20, batchSize: 32, optimizer: 'sgd', learningRate: 0.05 }),
  seed: 0,
});

const TASK: FlTask = logregMnist;

/**
 * The sites' training sets and the test set of a run. The small MNIST set is cut into non-IID
 * shards; each site trains on the first siteExamples[k] digits of its shard and holds out the
 * next half as many. The test set is all sites' held-out digits together: the population
 * FedAvg's weighted objective is about (each site counts by its size), not a balanced one.
 */
function runData(o: Required<FedAvgRunOptions>): { sites: ImageDataset[]; test: ImageDataset } {
  const shards = splitSites(loadMnist(), { sites: o.siteExamples.length, mode: 'non-iid', classesPerSite: o.classesPerSite, seed: o.seed });
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
  const held: ImageDataset[] = [];
  const sites = shards.map((s, k) => {
    const n = o.siteExamples[k];
    const m = Math.ceil(n / 2);
    if (!(Number.isInteger(n) && n >= 1 && n + m <= s.count))
      throw new RangeError(`site ${k}: ${n} training examples (+ ${m} held out) asked for, its shard has ${s.count}`);
    held.push(subset(s, range(n, n + m)));
    return subset(s, range(0, n), `site-${k}`);
  });
  return { sites, test: concatDatasets(held, 'held-out digits of all sites') };
}

/**
 * Run FedAvg with `aggregate` as the server's aggregation; `onRound(round, accuracy)` after
 * each round (round 0: the initial model). The aggregate must keep the model's tensors and
 * their sizes, and be finite: anything else stops the run with an error naming the round.
 */
export async function runFedAvg(
  aggregate: FedAvgAggregate,
  options: FedAvgRunOptions = {},
  onRound?: (round: number, accuracy: number) => void,
): Promise<FedAvgRun> {
  const o: Required<FedAvgRunOptions> = { ...FEDAVG_RUN_DEFAULTS, ...options };
  requirePositiveInteger(o.rounds, 'rounds');
  const { sites, test } = runData(o);
  const model = TASK.createModel(o.seed);
  try {
    let global: Weights = weightsFromVariables(model.variables, model.names);
    const accuracy = [TASK.evaluate(model, test).accuracy];
    onRound?.(0, accuracy[0]);
    for (let round = 1; round <= o.rounds; round++) {
      const results: SiteUpdate[] = [];
      for (const [k, shard] of sites.entries()) {
        assignWeights(model.variables, model.names, global);
        await TASK.trainLocal(model, shard, o.fit, o.seed * 1000 + round * 10 + k);
        results.push({ update: subtractWeights(weightsFromVariables(model.variables, model.names), global).values, numExamples: shard.count });
      }
      const mean = aggregate(results);
      // checkWeights counts the specs given with the values: say the count here, where it can differ.
      if (!Array.isArray(mean) || mean.length !== global.values.length) {
        throw new RangeError(
          `the aggregate of round ${round}: ${Array.isArray(mean) ? `${mean.length} tensors` : typeof mean}, the model has ${global.values.length} tensors`,
        );
      }
      checkWeights({ specs: global.specs, values: mean }, global.specs, `the aggregate of round ${round}`);
      global = addWeights(global, mean);
      assignWeights(model.variables, model.names, global);
      accuracy.push(TASK.evaluate(model, test).accuracy);
      onRound?.(round, accuracy[round]);
    }
    return { options: o, accuracy };
  } finally {
    model.dispose();
  }
}
