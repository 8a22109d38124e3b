/**
 * Which shadow model trains on which example of the attacker's pool, and each example's
 * confidences under the models that did NOT train on it (what offline LiRA takes).
 *
 * As in Carlini et al.'s experiments, every example goes into exactly half of the models
 * (a random half, drawn per example), so each has the same number of OUT models and every
 * model trains on about half of the pool.
 */
import { SeededRng } from '../util/rng';

/** inModel[m][i]: model m trains on example i. */
export function shadowMemberships(examples: number, models: number, rng: SeededRng): boolean[][] {
  if (!Number.isInteger(examples) || examples < 1) throw new RangeError(`examples must be an integer ≥ 1, got ${examples}`);
  if (!Number.isInteger(models) || models < 2 || models % 2 !== 0)
    throw new RangeError(`models must be an even integer ≥ 2 (each example goes into half of them), got ${models}`);
  const inModel = Array.from({ length: models }, () => new Array<boolean>(examples).fill(false));
  for (let i = 0; i < examples; i++) {
    const order = rng.permutation(models);
    for (let k = 0; k < models / 2; k++) inModel[order[k]][i] = true;
  }
  return inModel;
}

/** The indices of the examples model m trains on. */
export function trainingIndices(inModel: boolean[][], m: number): number[] {
  const row = inModel[m];
  if (!row) throw new RangeError(`no model ${m} (there are ${inModel.length})`);
  return row.flatMap((isIn, i) => (isIn ? [i] : []));
}

/**
 * Per example, the confidences of the models not trained on it: confidences[m][i] is model
 * m's value for example i.
 */
export function outConfidences(confidences: ArrayLike<number>[], inModel: boolean[][]): number[][] {
  if (confidences.length !== inModel.length) throw new RangeError(`${confidences.length} models' confidences for ${inModel.length} models' memberships`);
  const examples = inModel[0]?.length ?? 0;
  confidences.forEach((c, m) => {
    if (c.length !== examples || inModel[m].length !== examples)
      throw new RangeError(`model ${m}: ${c.length} confidences and ${inModel[m].length} memberships for ${examples} examples`);
  });
  return Array.from({ length: examples }, (_, i) => confidences.flatMap((c, m) => (inModel[m][i] ? [] : [c[i]])));
}

export interface ShadowRun {
  /** Size of the attacker's pool (the candidates are indices into it). */
  examples: number;
  /** Number of shadow models (even). */
  models: number;
  /** Seeds the memberships. */
  seed: number;
  /**
   * Train shadow `model` on the pool examples at `indices` and return its logit-scaled
   * confidence φ for every pool example (length `examples`). Called once per model, in order.
   */
  trainAndScore(indices: number[], model: number): ArrayLike<number> | Promise<ArrayLike<number>>;
}

/** Train the shadows of offline LiRA one after another; per pool example, the φ of those not trained on it. */
export async function shadowOutConfidences(run: ShadowRun): Promise<{ inModel: boolean[][]; out: number[][] }> {
  const inModel = shadowMemberships(run.examples, run.models, new SeededRng(run.seed));
  const confidences: ArrayLike<number>[] = [];
  for (let m = 0; m < run.models; m++) confidences.push(await run.trainAndScore(trainingIndices(inModel, m), m));
  return { inModel, out: outConfidences(confidences, inModel) };
}
