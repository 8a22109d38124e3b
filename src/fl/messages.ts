/**
 * The two messages of a federated round, as typed values over src/fl/wire.ts frames:
 *   task   (server → site): job id, round, mode, task name, config, update policy, global weights;
 *   update (site → server): job id, round, site, example count, metrics, update tensors
 *                           (local − global; none for an evaluate task).
 * Decoding validates every metadata field and throws WireFormatError naming it.
 */
import { Config, Metrics } from './strategy';
import { PolicySpec } from './policy';
import { TensorSpec, Weights } from './weights';
import { WireFormatError, decodeFrame, encodeFrame } from './wire';

export type TaskMode = 'fit' | 'evaluate';

export interface TaskMessage {
  /** Identifies one server run; an update must echo it, so answers to a previous run's task are refused. */
  job: string;
  round: number;
  mode: TaskMode;
  /** The sites that are to answer this task (the round's sample); the others wait for the next. */
  sites: string[];
  /** Task name (src/fl/tasks registry). */
  task: string;
  config: Config;
  policy: PolicySpec;
  weights: Weights;
}

export interface UpdateMessage {
  job: string;
  round: number;
  site: string;
  numExamples: number;
  metrics: Metrics;
  update: Weights;
}

/** A meta field, checked: the error names the field and the message kind. */
export class MetaReader {
  constructor(
    private readonly meta: Record<string, unknown>,
    private readonly what: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new WireFormatError(`${this.what} field "${key}" must be ${expected}, got ${JSON.stringify(this.meta[key])?.slice(0, 80) ?? 'nothing'}`);
  }

  string(key: string, pattern = /^[\w.:-]{1,128}$/): string {
    const v = this.meta[key];
    return typeof v === 'string' && pattern.test(v) ? v : this.fail(key, `a string matching ${pattern.source}`);
  }

  strings(key: string, pattern = /^[\w.:-]{1,128}$/): string[] {
    const v = this.meta[key];
    return Array.isArray(v) && v.length <= 100000 && v.every((x) => typeof x === 'string' && pattern.test(x))
      ? (v as string[])
      : this.fail(key, `an array of strings matching ${pattern.source}`);
  }

  int(key: string, min: number): number {
    const v = this.meta[key];
    return Number.isSafeInteger(v) && (v as number) >= min ? (v as number) : this.fail(key, `an integer ≥ ${min}`);
  }

  record<T>(key: string, ok: (v: unknown) => boolean, expected: string): Record<string, T> {
    const v = this.meta[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.fail(key, 'an object');
    for (const [k, x] of Object.entries(v)) if (k.length > 128 || !ok(x)) this.fail(key, `an object of ${expected} (entry "${k.slice(0, 64)}")`);
    return v as Record<string, T>;
  }

  config(key: string): Config {
    return this.record(
      key,
      (x) => (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'boolean' || (typeof x === 'string' && x.length <= 1024),
      'finite numbers, booleans and strings',
    );
  }

  metrics(key: string): Metrics {
    return this.record(key, (x) => typeof x === 'number' && Number.isFinite(x), 'finite numbers');
  }
}

export function encodeTask(t: TaskMessage): Uint8Array {
  return encodeFrame('task', { job: t.job, round: t.round, mode: t.mode, sites: t.sites, task: t.task, config: t.config, policy: t.policy }, t.weights);
}

export function decodeTask(bytes: Uint8Array, maxBytes: number): TaskMessage {
  const { meta, weights } = decodeFrame(bytes, { kind: 'task', maxBytes });
  const r = new MetaReader(meta, 'task');
  const mode = r.string('mode', /^(fit|evaluate)$/) as TaskMode;
  const policy = new MetaReader((meta.policy ?? {}) as Record<string, unknown>, 'task policy');
  return {
    job: r.string('job'),
    round: r.int('round', 1),
    mode,
    sites: r.strings('sites'),
    task: r.string('task'),
    config: r.config('config'),
    policy: { name: policy.string('name'), params: policy.config('params') },
    weights,
  };
}

export function encodeUpdate(u: UpdateMessage): Uint8Array {
  return encodeFrame('update', { job: u.job, round: u.round, site: u.site, numExamples: u.numExamples, metrics: u.metrics }, u.update);
}

/** `expect`: the tensors the round's update must have (the model's for fit, none for evaluate). */
export function decodeUpdate(bytes: Uint8Array, maxBytes: number, expect: readonly TensorSpec[]): UpdateMessage {
  const { meta, weights } = decodeFrame(bytes, { kind: 'update', maxBytes, expect });
  const r = new MetaReader(meta, 'update');
  return {
    job: r.string('job'),
    round: r.int('round', 1),
    site: r.string('site'),
    numExamples: r.int('numExamples', 1),
    metrics: r.metrics('metrics'),
    update: weights,
  };
}
