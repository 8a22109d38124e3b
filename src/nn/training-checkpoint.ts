/**
 * Resumable training state on disk: named tensors (weights, optimiser moments, pruning
 * masks) and a JSON meta (step counts, random-stream states, quantizer ranges, where the
 * run stopped) in one src/util/tensor-frame.ts 'checkpoint' frame, written atomically.
 * The meta's `format` says whose checkpoint it is.
 *
 * Reading treats the file as untrusted: its size is checked before it is read, the frame's
 * own checks bound every allocation by the bytes present and refuse non-finite values, and
 * the fields below check the meta, so a damaged or crafted file ends in a
 * TrainingCheckpointError naming the file and the problem, never in an internal error.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/files';
import { checkWeights, TensorSpec, Weights, WeightsError } from '../util/named-tensors';
import { TensorFrameError, decodeTensorFrame, encodeTensorFrame } from '../util/tensor-frame';
import { Adam } from './adam';

/** Largest resumable checkpoint read (the reference GAN with both Adams' moments is 35 MB). */
export const MAX_TRAINING_CHECKPOINT_BYTES = 1024 * 1024 * 1024;

/** A resume checkpoint that cannot be used; the message names the file and what is wrong. */
export class TrainingCheckpointError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`resume checkpoint ${file}: ${problem}`);
    this.name = 'TrainingCheckpointError';
  }
}

export type NamedTensor = readonly [name: string, tensor: tf.Tensor];

/** Write `tensors` (copied out in order) and `meta` (with `format`) to `file` atomically. */
export function writeTrainingCheckpoint(file: string, format: string, meta: Record<string, unknown>, tensors: readonly NamedTensor[]): void {
  const w: Weights = {
    specs: tensors.map(([name, t]) => ({ name, shape: [...t.shape] })),
    values: tensors.map(([, t]) => Float32Array.from(t.dataSync() as Float32Array)),
  };
  writeFileAtomic(file, encodeTensorFrame('checkpoint', { ...meta, format }, w));
}

/**
 * Read a checkpoint of `format`: the file's size first (≤ `maxBytes`), then the frame. The
 * tensors are whatever the file holds (their sizes bounded by its bytes); check them
 * against the model with `assignTensors`.
 */
export function readTrainingCheckpoint(
  file: string,
  format: string,
  maxBytes = MAX_TRAINING_CHECKPOINT_BYTES,
): { meta: Record<string, unknown>; weights: Weights } {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > maxBytes) throw new TrainingCheckpointError(file, `${size} bytes is more than the limit of ${maxBytes}`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof TrainingCheckpointError) throw e;
    throw new TrainingCheckpointError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let frame;
  try {
    frame = decodeTensorFrame(bytes, { kind: 'checkpoint', maxBytes });
  } catch (e) {
    if (e instanceof TensorFrameError || e instanceof WeightsError) throw new TrainingCheckpointError(file, e.message);
    throw e;
  }
  if (frame.meta.format !== format)
    throw new TrainingCheckpointError(file, `not a ${format} file (its format is ${JSON.stringify(frame.meta.format)?.slice(0, 80)})`);
  return { meta: frame.meta, weights: frame.weights };
}

/** Check that `weights` hold exactly the `expected` tensors (names, order, shapes; finite values were checked on decoding). */
export function checkTensors(file: string, weights: Weights, expected: readonly TensorSpec[]): void {
  try {
    checkWeights(weights, expected, 'tensors');
  } catch (e) {
    if (e instanceof WeightsError) throw new TrainingCheckpointError(file, e.message);
    throw e;
  }
}

/** checkTensors against `targets`, then assign them. Nothing is assigned when any differs. */
export function assignTensors(file: string, weights: Weights, targets: ReadonlyArray<readonly [string, tf.Variable]>): void {
  checkTensors(
    file,
    weights,
    targets.map(([name, v]) => ({ name, shape: v.shape })),
  );
  targets.forEach(([, v], i) => {
    const t = tf.tensor(weights.values[i], v.shape, 'float32');
    v.assign(t);
    t.dispose();
  });
}

/** An Adam's moments under `prefix` (".../m/NAME", ".../v/NAME"), in the order assignTensors expects. */
export function adamTensors(prefix: string, adam: Adam, names: readonly string[]): Array<[string, tf.Variable]> {
  return [
    ...names.map((n, i): [string, tf.Variable] => [`${prefix}/m/${n}`, adam.m[i]]),
    ...names.map((n, i): [string, tf.Variable] => [`${prefix}/v/${n}`, adam.v[i]]),
  ];
}

/** Checks of meta fields read from a checkpoint: each failure is a TrainingCheckpointError naming the field. */
export class CheckpointFields {
  constructor(readonly file: string) {}

  fail(field: string, expected: string, got: unknown): never {
    throw new TrainingCheckpointError(this.file, `${field} must be ${expected}, got ${JSON.stringify(got)?.slice(0, 80) ?? 'nothing'}`);
  }

  int(field: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
    return Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : this.fail(field, `an integer in [${min}, ${max}]`, v);
  }

  finite(field: string, v: unknown): number {
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(field, 'a finite number', v);
  }

  string(field: string, v: unknown, maxLength = 4096): string {
    return typeof v === 'string' && v.length <= maxLength ? v : this.fail(field, `a string of at most ${maxLength} characters`, v);
  }

  object(field: string, v: unknown): Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : this.fail(field, 'an object', v);
  }

  /** A SeededRng state: four uint32s. */
  rngState(field: string, v: unknown): number[] {
    return Array.isArray(v) && v.length === 4 && v.every((u) => Number.isInteger(u) && u >= 0 && u <= 0xffffffff)
      ? (v as number[])
      : this.fail(field, 'four uint32s (a random-stream state)', v);
  }

  /** A quantizer's observed range: finite min ≤ max. */
  range(field: string, v: unknown): { min: number; max: number } {
    const r = v as { min?: unknown; max?: unknown } | null;
    const ok = typeof r === 'object' && r !== null && Number.isFinite(r.min) && Number.isFinite(r.max) && (r.min as number) <= (r.max as number);
    return ok ? { min: r.min as number, max: r.max as number } : this.fail(field, 'a range { min, max } of finite numbers, min ≤ max', v);
  }

  /** A pruning mask read as float32: only 0s and 1s. */
  mask(field: string, v: Float32Array): Uint8Array {
    const bad = v.findIndex((x) => x !== 0 && x !== 1);
    if (bad >= 0) this.fail(`${field}[${bad}]`, '0 or 1 (a pruning mask)', v[bad]);
    return Uint8Array.from(v);
  }

  /** QAT's observed ranges (src/quant/qat.ts `state()`): an optional input range and one range or null per layer. */
  quantizerRanges(field: string, v: unknown, layers: number): { input?: { min: number; max: number }; outputs: Array<{ min: number; max: number } | null> } {
    const s = this.object(field, v);
    if (!Array.isArray(s.outputs) || s.outputs.length !== layers) this.fail(`${field}.outputs`, `a list of ${layers} ranges or nulls`, s.outputs);
    const outputs = (s.outputs as unknown[]).map((r, i) => (r === null ? null : this.range(`${field}.outputs[${i}]`, r)));
    return s.input === undefined ? { outputs } : { input: this.range(`${field}.input`, s.input), outputs };
  }

  /**
   * An Adam's step count, as saved by `adamMeta`; its betas and epsilon must be `adam`'s
   * (the learning rate may follow a schedule, which the caller sets).
   */
  adam(field: string, v: unknown, adam: Adam): number {
    const a = this.object(field, v);
    for (const k of ['beta1', 'beta2', 'epsilon'] as const) if (a[k] !== adam.hyper[k]) this.fail(`${field}.${k}`, `${adam.hyper[k]} (this run's)`, a[k]);
    return this.int(`${field}.step`, a.step, 0);
  }
}

/** What `CheckpointFields.adam` reads back. */
export function adamMeta(adam: Adam): Record<string, number> {
  return { step: adam.step, ...adam.hyper };
}
