/**
 * The checkpoints a job keeps after every round (`runFederated({ keepRounds: true })`), and the
 * mean of the global weights over some of them: averaging a model's iterates over the last rounds
 * (Polyak averaging, as SWA and the generator EMA of GAN practice do across steps) gives a model
 * that the oscillation of adversarial training moves less than any single round's. It is
 * computed from weights the server already holds, so it costs the sites nothing and releases
 * nothing new about them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from './checkpoint';
import { Weights, WeightsError } from './weights';

/** Where a job directory keeps the checkpoint of round `round`. */
export function roundCheckpointPath(jobDir: string, round: number): string {
  return path.join(jobDir, 'rounds', `round-${round}.ckpt`);
}

/**
 * The element-wise mean of the global weights after each of `rounds` (read from the job's kept
 * round checkpoints). Tensors `average(name)` rejects are taken from the last round listed.
 * Sums run in float64.
 */
export function averageRoundWeights(jobDir: string, task: string, rounds: readonly number[], average: (name: string) => boolean = () => true): Weights {
  if (rounds.length === 0) throw new RangeError('averageRoundWeights: no rounds given');
  const missing = rounds.filter((r) => !fs.existsSync(roundCheckpointPath(jobDir, r)));
  if (missing.length) throw new RangeError(`${jobDir} keeps no checkpoint of round ${missing.join(', ')} (the job must run those rounds with keepRounds)`);
  // Each file is read once: the first fixes the tensors every later round must match, the last
  // gives the tensors that are not averaged.
  let last: Weights | undefined;
  let sums: (Float64Array | undefined)[] = [];
  for (const r of rounds) {
    const file = roundCheckpointPath(jobDir, r);
    const state = loadCheckpoint(file, task, last?.specs);
    if (!state || state.round !== r) throw new WeightsError(`${file} holds round ${state?.round}, not ${r}`);
    if (!last) sums = state.weights.specs.map((s, i) => (average(s.name) ? new Float64Array(state.weights.values[i].length) : undefined));
    state.weights.values.forEach((v, i) => {
      const sum = sums[i];
      if (sum) for (let k = 0; k < v.length; k++) sum[k] += v[k];
    });
    last = state.weights;
  }
  const final = last!;
  return { specs: final.specs, values: final.values.map((v, i) => (sums[i] ? Float32Array.from(sums[i]!, (x) => x / rounds.length) : v)) };
}
