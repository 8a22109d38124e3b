/**
 * What a federated job trains: a task makes the model, trains it on one site's data for a
 * round, and evaluates it. The server uses only `init` (the first global weights); sites
 * use the rest. Tasks are found by name (src/fl/tasks/index.ts), so a server and its sites
 * agree on a model by naming the same task.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/dataset';
import { Config, Metrics } from '../strategy';
import type { DpRandomness } from './dp-local-training';

/** A live model: its variables in a fixed order, with stable names. */
export interface TaskModel {
  readonly variables: tf.Variable[];
  readonly names: string[];
  dispose(): void;
}

export interface FlTask {
  readonly name: string;
  readonly description: string;
  /** The dataset a job's shards are cut from unless told otherwise (`privlab fl run`). Default 'mnist'. */
  readonly dataset?: 'mnist' | 'fashion';
  /**
   * How many times one DP-SGD step releases a noisy gradient of the same Poisson batch
   * (Pix2Pix: D's and G's, both read the examples). The server's accountant composes that many
   * sampled Gaussian mechanisms per step; the task says it, not the site's answer. Default 1.
   */
  readonly dpReleasesPerStep?: number;
  /** A freshly initialised model (seeded: the server's seed fixes the first global weights). */
  createModel(seed: number): TaskModel;
  /**
   * Train `model` in place on a site's data as `config` says; returns the round's metrics.
   * `dp`: DP-SGD's batch sampling and noise (default node:crypto; seeded only in tests).
   */
  trainLocal(model: TaskModel, data: ImageDataset, config: Config, seed: number, dp?: DpRandomness): Promise<Metrics>;
  /** Loss and accuracy (or the task's own metrics) of `model` on `data`. */
  evaluate(model: TaskModel, data: ImageDataset): Metrics;
}

/** A config value, checked: the error names the key and what it should be. */
export function configNumber(config: Config, key: string, fallback: number | undefined, ok: (n: number) => boolean, what: string): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !ok(v)) throw new RangeError(`config "${key}" must be ${what}, got ${JSON.stringify(config[key])}`);
  return v;
}

export function configChoice<T extends string>(config: Config, key: string, fallback: T, choices: readonly T[]): T {
  const v = config[key] ?? fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v))
    throw new RangeError(`config "${key}" must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

export function configBoolean(config: Config, key: string, fallback: boolean): boolean {
  const v = config[key] ?? fallback;
  if (typeof v !== 'boolean') throw new TypeError(`config "${key}" must be true or false, got ${JSON.stringify(v)}`);
  return v;
}
