/**
 * A stopped feature-classifier training (trainFeatureClassifier), saved so that `resume`
 * finishes it bit-identically to a run that was never stopped: the LeNet's weights, Adam's
 * moments, step count and bias-correction products, and where the run was — the epoch, the
 * batches done in it, their loss so far, and the batch-order generator's state at the epoch's
 * start (the resumed run draws the same permutation and skips the batches done).
 *
 * The bytes are a src/util/tensor-frame.ts 'checkpoint' frame (tensors + JSON meta): that
 * format already checks every length against the bytes present before allocating and
 * refuses non-finite values, so this file adds no parser of its own.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/files';
import { Weights, WeightsError } from '../util/named-tensors';
import { TensorFrameError, decodeTensorFrame, encodeTensorFrame, tensorFrameLimit } from '../util/tensor-frame';

export const CLASSIFIER_CHECKPOINT_FORMAT = 'privlab.classifier-checkpoint';

/** Where a stopped run was, and what it was asked to do. */
export interface ClassifierProgress {
  seed: number;
  epochs: number;
  batchSize: number;
  /** `${name} (${count})` of the training set: a resumed run must train on the same images. */
  train: string;
  /** The epoch in progress (0-based) and the batches done in it. */
  epoch: number;
  batch: number;
  /** Sum of those batches' losses (the epoch's mean loss is reported at its end). */
  lossSum: number;
  /** The batch-order generator's state before this epoch's permutation. */
  epochRng: number[];
}

/** A checkpoint that cannot be used; the message names the file. */
export class ClassifierCheckpointError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`classifier checkpoint ${file}: ${problem}`);
    this.name = 'ClassifierCheckpointError';
  }
}

/** tfjs's Adam keeps β^t products in two private scalars; setWeights recomputes them with pow(), which is not the same float. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function adamInternals(opt: tf.Optimizer): AdamInternals {
  const a = opt as unknown as Partial<AdamInternals>;
  if (!(opt instanceof tf.AdamOptimizer) || !(a.accBeta1 instanceof tf.Variable) || !(a.accBeta2 instanceof tf.Variable))
    throw new TypeError('classifier checkpoints hold the state of tfjs 4 Adam only');
  return a as AdamInternals;
}

/** Write the model, its Adam state and `progress` to `file` atomically. */
export async function saveClassifierCheckpoint(file: string, model: tf.LayersModel, progress: ClassifierProgress): Promise<void> {
  const opt = model.optimizer;
  const adam = adamInternals(opt);
  const [iter, ...moments] = await opt.getWeights();
  const tensors = [...model.getWeights().map((t, i) => ({ name: `model/${i}`, t })), ...moments.map((m, i) => ({ name: `adam/${i}`, t: m.tensor }))];
  const w: Weights = {
    specs: tensors.map(({ name, t }) => ({ name, shape: [...t.shape] })),
    values: tensors.map(({ t }) => Float32Array.from(t.dataSync() as Float32Array)),
  };
  const meta = {
    format: CLASSIFIER_CHECKPOINT_FORMAT,
    progress,
    adam: { iterations: (await iter.tensor.data())[0], accBeta1: adam.accBeta1.dataSync()[0], accBeta2: adam.accBeta2.dataSync()[0] },
  };
  iter.tensor.dispose();
  writeFileAtomic(file, encodeTensorFrame('checkpoint', meta, w));
}

/**
 * Restore a checkpoint into `model` (a freshly built LeNet of the same architecture, compiled
 * with Adam): weights, Adam state, and the progress to continue from.
 */
export async function loadClassifierCheckpoint(file: string, model: tf.LayersModel): Promise<ClassifierProgress> {
  const adam = adamInternals(model.optimizer);
  const weights = model.getWeights();
  const trainable = model.trainableWeights.map((v) => v.shape as number[]);
  const specs = [
    ...weights.map((t, i) => ({ name: `model/${i}`, shape: [...t.shape] })),
    ...[...trainable, ...trainable].map((shape, i) => ({ name: `adam/${i}`, shape })),
  ];
  // The model's frame is the largest a checkpoint can be: checked before the file is read.
  const maxBytes = tensorFrameLimit(specs);
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > maxBytes) throw new ClassifierCheckpointError(file, `${size} bytes is more than this model's checkpoint can be (${maxBytes})`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof ClassifierCheckpointError) throw e;
    throw new ClassifierCheckpointError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let frame;
  try {
    frame = decodeTensorFrame(bytes, { kind: 'checkpoint', maxBytes, expect: specs });
  } catch (e) {
    if (e instanceof TensorFrameError || e instanceof WeightsError) throw new ClassifierCheckpointError(file, e.message);
    throw e;
  }
  const meta = frame.meta as {
    format?: unknown;
    progress?: Partial<ClassifierProgress>;
    adam?: { iterations?: unknown; accBeta1?: unknown; accBeta2?: unknown };
  };
  if (meta.format !== CLASSIFIER_CHECKPOINT_FORMAT)
    throw new ClassifierCheckpointError(file, `not a classifier checkpoint (format ${JSON.stringify(meta.format)})`);
  const p = meta.progress ?? {};
  const a = meta.adam ?? {};
  const int = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;
  const unit = (v: unknown): boolean => typeof v === 'number' && v > 0 && v < 1;
  if (
    !int(p.seed, -(2 ** 31)) ||
    !int(p.epochs, 1) ||
    !int(p.batchSize, 1) ||
    typeof p.train !== 'string' ||
    !int(p.epoch, 0) ||
    (p.epoch as number) >= (p.epochs as number) ||
    !int(p.batch, 0) ||
    typeof p.lossSum !== 'number' ||
    !Number.isFinite(p.lossSum) ||
    !Array.isArray(p.epochRng) ||
    p.epochRng.length !== 4 ||
    !p.epochRng.every((v) => int(v, 0) && v <= 0xffffffff) ||
    !int(a.iterations, 0) ||
    !unit(a.accBeta1) ||
    !unit(a.accBeta2)
  )
    throw new ClassifierCheckpointError(file, 'its progress or Adam fields are missing or out of range');
  // decodeTensorFrame checked every tensor's name and shape against `specs`
  const tensors = frame.weights.values.map((v, i) => tf.tensor(v, specs[i].shape));
  const restored = [tf.scalar(a.iterations as number, 'int32'), tf.scalar(a.accBeta1 as number), tf.scalar(a.accBeta2 as number), ...tensors];
  try {
    model.setWeights(tensors.slice(0, weights.length));
    await model.optimizer.setWeights([
      { name: 'iter', tensor: restored[0] },
      ...tensors.slice(weights.length).map((tensor, i) => ({ name: `adam/${i}`, tensor })),
    ]);
    adam.accBeta1.assign(restored[1]);
    adam.accBeta2.assign(restored[2]);
  } finally {
    tf.dispose(restored);
  }
  return p as ClassifierProgress;
}
