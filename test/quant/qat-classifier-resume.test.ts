/**
 * The QAT classifier training (trainQuantizedClassifier, through trainFcnn and trainCnn)
 * stopped by an interrupt with `checkpoint` saves the run; `resume` finishes it
 * bit-identically to a run never stopped — the same integer model file, the same float,
 * QAT and integer accuracies — whether it stopped in a float epoch, in the first QAT epoch
 * (fan-in masks half tightened) or later under the cosine learning rate. Resuming with
 * other settings, or from a damaged file, is refused by name.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../../src/backend';
import { trainFcnn, FcnnTrainOptions } from '../../src/quant/classifiers/fcnn';
import { trainCnn } from '../../src/quant/classifiers/cnn';
import { TrainedClassifier } from '../../src/quant/classifiers/qat-training';
import { saveQuantizedModel } from '../../src/quant/quantized-model';
import * as tf from '@tensorflow/tfjs';
import { readTrainingCheckpoint, TrainingCheckpointError, writeTrainingCheckpoint } from '../../src/nn/training-checkpoint';
import { QAT_CHECKPOINT_FORMAT } from '../../src/quant/classifiers/qat-checkpoint';
import { InterruptedError, openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';
import { mnistSlice } from '../support/mnist';
import { tmpDir } from '../support/tmp';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const dir = tmpDir('privlab-qat-resume-');
// 256 digits in batches of 64: 4 batches per epoch; 1 float epoch, 3 QAT epochs, fan-in caps tightened over 2 epochs.
// 8-bit weights: at 2 bits a pruned weight that was not held at zero would still quantize to 0, and a lost mask go unseen.
const FCNN: FcnnTrainOptions = {
  weightBits: 8,
  train: mnistSlice(0, 256),
  test: mnistSlice(256, 64),
  hidden: [16, 12],
  floatEpochs: 1,
  qatEpochs: 3,
  batchSize: 64,
  seed: 9,
  fanInCaps: [40, 8, 6],
  pruneEpochs: 2,
  learningRateSchedule: 'cosine',
};

function summary(r: TrainedClassifier, name: string): { model: Buffer; accuracies: number[] } {
  const file = path.join(dir, `${name}.json`);
  saveQuantizedModel(file, r.model);
  return { model: fs.readFileSync(file), accuracies: [r.floatAccuracy, r.qatAccuracy, r.quantizedAccuracy] };
}

/**
 * Train once without a stop; then again, requesting an interrupt (synchronously, so the loop stops after the
 * first batch of the next epoch) when epoch `after` ends; resume from the checkpoint and compare.
 */
async function stopAndResume(train: (o: FcnnTrainOptions) => Promise<TrainedClassifier>, o: FcnnTrainOptions, after: number, name: string): Promise<void> {
  const whole = summary(await train(o), `${name}-whole`);
  const ckpt = path.join(dir, `${name}.ckpt`);
  const tensors = tf.memory().numTensors;
  await assert.rejects(
    train({
      ...o,
      checkpoint: ckpt,
      onEpoch: (e) => {
        if (e.epoch === after) requestInterrupt('SIGINT');
      },
    }),
    (e: unknown) =>
      e instanceof InterruptedError &&
      new RegExp(`^classifier training \\(epoch ${after + 1}, batch 1; saved to .*${name}\\.ckpt for resume\\) interrupted \\(SIGINT\\)$`).test(
        (e as Error).message,
      ),
  );
  assert.equal(openInterruptScopes(), 0);
  // the stopped run, checkpoint written, leaves no tensor behind
  assert.equal(tf.memory().numTensors - tensors, 0, 'tensors left by the stopped run');
  const resumed = summary(await train({ ...o, resume: ckpt }), `${name}-resumed`);
  assert.ok(resumed.model.equals(whole.model), 'the integer model file equals the uninterrupted run’s, byte for byte');
  assert.deepEqual(resumed.accuracies, whole.accuracies);
}

test('FCNN QAT: stopped in the first QAT epoch (masks half tightened), resumed: bit-identical', async () => {
  await stopAndResume(trainFcnn, FCNN, 1, 'fcnn-qat');
});

test('FCNN QAT: stopped in the last QAT epoch (cosine learning rate), resumed: bit-identical', async () => {
  await stopAndResume(trainFcnn, FCNN, 3, 'fcnn-late');
});

test('FCNN QAT: stopped in a float epoch (before the float accuracy is measured), resumed: bit-identical', async () => {
  await stopAndResume(trainFcnn, { ...FCNN, floatEpochs: 2, qatEpochs: 1 }, 1, 'fcnn-float');
});

test('CNN QAT: stopped in the first QAT epoch, resumed: bit-identical', async () => {
  const o = { ...FCNN, filters: [2, 4], fanInCaps: undefined, pruneEpochs: undefined };
  await stopAndResume((x) => trainCnn({ ...x, filters: [2, 4] }), o, 1, 'cnn');
});

test('QAT resume: other settings, another network or a damaged file are refused by name', async () => {
  const ckpt = path.join(dir, 'fcnn-qat.ckpt');
  await assert.rejects(trainFcnn({ ...FCNN, qatEpochs: 4, resume: ckpt }), /the stopped run had qatEpochs 3, not 4/);
  await assert.rejects(trainFcnn({ ...FCNN, train: mnistSlice(0, 192), resume: ckpt }), /the stopped run had train "mnist\[0:256\] \(256\)"/);
  await assert.rejects(
    trainFcnn({ ...FCNN, hidden: [16, 10], resume: ckpt }),
    (e: unknown) => e instanceof TrainingCheckpointError && /variable\/2 has shape \[16,12\], expected \[16,10\]/.test((e as Error).message),
  );
  const damaged = path.join(dir, 'damaged.ckpt');
  fs.writeFileSync(damaged, fs.readFileSync(ckpt).subarray(0, 3000));
  await assert.rejects(
    trainFcnn({ ...FCNN, resume: damaged }),
    (e: unknown) => e instanceof TrainingCheckpointError && /damaged\.ckpt: malformed frame: /.test((e as Error).message),
  );
  // a checkpoint whose metadata was edited: the field is named
  const edited = (name: string, edit: (meta: Record<string, unknown>) => void): string => {
    const { meta, weights } = readTrainingCheckpoint(ckpt, QAT_CHECKPOINT_FORMAT);
    edit(meta);
    const file = path.join(dir, `${name}.ckpt`);
    const tensors = weights.specs.map((sp, i): [string, tf.Tensor] => [sp.name, tf.tensor(weights.values[i], [...sp.shape])]);
    writeTrainingCheckpoint(file, QAT_CHECKPOINT_FORMAT, meta, tensors);
    tf.dispose(tensors.map(([, t]) => t));
    return file;
  };
  const refusedAt = (file: string, field: RegExp) =>
    assert.rejects(trainFcnn({ ...FCNN, resume: file }), (e: unknown) => e instanceof TrainingCheckpointError && field.test((e as Error).message));
  await refusedAt(
    edited('qat-ranges', (m) => ((m.qat as { outputs: unknown[] }).outputs = [])),
    /: qat\.outputs must be a list of 3 ranges or nulls, got \[\]/,
  );
  await refusedAt(
    edited('mask-names', (m) => (m.masks = ['mask/99'])),
    /: masks must be a list of mask\/N names of the network’s variables, got \["mask\/99"\]/,
  );
  assert.equal(openInterruptScopes(), 0);
});

test('QAT resume with distillation from the float network: before the soft targets are taken, bit-identical; after, refused by name', async () => {
  const o: FcnnTrainOptions = { ...FCNN, floatEpochs: 2, qatEpochs: 2, distill: { weight: 0.5 } };
  await stopAndResume(trainFcnn, o, 1, 'fcnn-distill-float');
  const ckpt = path.join(dir, 'fcnn-distill-qat.ckpt');
  await assert.rejects(trainFcnn({ ...o, checkpoint: ckpt, onEpoch: (e) => (e.epoch === 2 ? void requestInterrupt('SIGINT') : undefined) }), InterruptedError);
  await assert.rejects(
    trainFcnn({ ...o, resume: ckpt }),
    /cannot resume a run distilled from its own float network past epoch 2 \(the checkpoint is at epoch 3\)/,
  );
  await assert.rejects(trainFcnn({ ...o, distill: { weight: 0.25 }, resume: ckpt }), /the stopped run had distill \{"weight":0.5,/);
  assert.equal(openInterruptScopes(), 0);
});
