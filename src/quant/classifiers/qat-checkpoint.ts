/**
 * A stopped QAT classifier training (trainQuantizedClassifier: the FCNN and CNN of the
 * Zama / fhe-mnist experiments), saved so that `resume` finishes it bit-identically to a
 * run never stopped: the network's variables, Adam's moments and step count, the fan-in
 * pruning masks so far, the QAT quantizers' observed ranges, the float accuracy once
 * measured, and where the run was — the epoch, the batches done in it, their loss so far and
 * the batch-order generator's state at the epoch's start (the resumed run draws the same
 * permutation and skips the batches done).
 *
 * A resume checkpoint of src/nn/training-checkpoint.ts (a tensor frame), read as an untrusted
 * file: its size first, the frame's checks, then every field; the tensors must be exactly
 * the network's.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../nn/adam';
import {
  adamMeta,
  adamTensors,
  assignTensors,
  CheckpointFields,
  checkTensors,
  readTrainingCheckpoint,
  TrainingCheckpointError,
  writeTrainingCheckpoint,
} from '../../nn/training-checkpoint';
import { MaskedVariables } from '../../prune/masked-variables';
import { QatTransform } from '../qat';

export const QAT_CHECKPOINT_FORMAT = 'privlab.qat-classifier-checkpoint';

/** Where a stopped run was. */
export interface QatProgress {
  /** The epoch in progress (0-based) and the batches done in it. */
  epoch: number;
  batch: number;
  /** Sum of those batches' losses. */
  lossSum: number;
  /** The batch-order generator's state before this epoch's permutation. */
  epochRng: number[];
  /** Test accuracy after the float epochs, once measured (null before). */
  floatAccuracy: number | null;
}

/** What the training loop holds: its network's variables and QAT, its Adam, its pruning masks. */
export interface QatTrainingState {
  variables: tf.Variable[];
  qat: QatTransform;
  opt: Adam;
  masked: MaskedVariables;
}

function names(s: QatTrainingState): string[] {
  return s.variables.map((_, i) => `variable/${i}`);
}

/** Write the run to `file` atomically. `settings`: what the run was asked to do (a resumed run must agree). */
export function saveQatCheckpoint(file: string, s: QatTrainingState, settings: Record<string, unknown>, progress: QatProgress): void {
  const masks = s.variables.flatMap((v, i): Array<[string, tf.Tensor]> => {
    const m = s.masked.mask(v);
    return m ? [[`mask/${i}`, tf.tensor(Float32Array.from(m), v.shape)]] : [];
  });
  try {
    writeTrainingCheckpoint(
      file,
      QAT_CHECKPOINT_FORMAT,
      { settings, progress, qat: s.qat.state(), adam: adamMeta(s.opt), masks: masks.map(([name]) => name) },
      [...names(s).map((n, i): [string, tf.Tensor] => [n, s.variables[i]]), ...adamTensors('adam', s.opt, names(s)), ...masks],
    );
  } finally {
    tf.dispose(masks.map(([, t]) => t));
  }
}

/**
 * Restore a checkpoint into the loop's state (a network built as the stopped run's was):
 * variables, Adam's moments and step, masks, QAT ranges. Throws TrainingCheckpointError
 * naming the file and the field (also when `settings` differ from the stopped run's).
 */
export function loadQatCheckpoint(file: string, s: QatTrainingState, settings: Record<string, unknown>): QatProgress {
  const { meta, weights } = readTrainingCheckpoint(file, QAT_CHECKPOINT_FORMAT);
  const f = new CheckpointFields(file);
  const had = f.object('settings', meta.settings);
  for (const [k, v] of Object.entries(settings))
    if (JSON.stringify(had[k]) !== JSON.stringify(v))
      throw new TrainingCheckpointError(file, `the stopped run had ${k} ${JSON.stringify(had[k])?.slice(0, 200)}, not ${JSON.stringify(v)}`);
  const p = f.object('progress', meta.progress);
  const progress: QatProgress = {
    epoch: f.int('progress.epoch', p.epoch, 0),
    batch: f.int('progress.batch', p.batch, 0),
    lossSum: f.finite('progress.lossSum', p.lossSum),
    epochRng: f.rngState('progress.epochRng', p.epochRng),
    floatAccuracy: p.floatAccuracy === null ? null : f.finite('progress.floatAccuracy', p.floatAccuracy),
  };
  const qat = f.quantizerRanges('qat', meta.qat, s.qat.mlp.layers.length);
  const maskNames = meta.masks;
  const all = names(s);
  if (!Array.isArray(maskNames) || !maskNames.every((n) => typeof n === 'string' && /^mask\/\d+$/.test(n) && all.includes(n.replace(/^mask\//, 'variable/'))))
    f.fail('masks', 'a list of mask/N names of the network’s variables', maskNames);
  const masked = (maskNames as string[]).map((n) => s.variables[all.indexOf(n.replace(/^mask\//, 'variable/'))]);
  const targets = [...all.map((n, i): [string, tf.Variable] => [n, s.variables[i]]), ...adamTensors('adam', s.opt, all)];
  checkTensors(file, weights, [
    ...targets.map(([name, v]) => ({ name, shape: v.shape })),
    ...masked.map((v, i) => ({ name: (maskNames as string[])[i], shape: v.shape })),
  ]);
  const step = f.adam('adam', meta.adam, s.opt);
  const maskValues = weights.values.slice(targets.length).map((v, i) => f.mask(`tensor ${(maskNames as string[])[i]}`, v));
  // Everything checked: now change the state.
  assignTensors(file, { specs: weights.specs.slice(0, targets.length), values: weights.values.slice(0, targets.length) }, targets);
  s.opt.step = step;
  masked.forEach((v, i) => s.masked.setMask(v, maskValues[i]));
  s.qat.restore(qat);
  return progress;
}
