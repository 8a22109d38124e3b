/**
 * The FID classifier's training stopped by an interrupt saves a checkpoint, and resuming it
 * finishes bit-identically to a run that was never stopped: the same weights to the last
 * bit, the same test accuracy. A resume that contradicts the checkpoint's settings, or a
 * damaged checkpoint, is refused with a named error.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { trainFeatureClassifier } from '../../src/metrics/feature-model';
import { ClassifierCheckpointError } from '../../src/metrics/classifier-checkpoint';
import { InterruptedError, openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';
import { mnistSlice } from '../support/mnist';
import { tmpDir } from '../support/tmp';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const dir = tmpDir('privlab-cls-resume-');
const data = { train: mnistSlice(0, 80), test: mnistSlice(80, 40) };
const settings = { ...data, epochs: 3, batchSize: 16, seed: 7 };

function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array));
}

test('train-classifier: interrupted in epoch 2 with a checkpoint, resumed, bit-identical to the uninterrupted run', async () => {
  const wholeLosses: number[] = [];
  const whole = await trainFeatureClassifier({ ...settings, onEpoch: (e, loss) => wholeLosses.push(e, loss) });
  const expected = weightsOf(whole.model);
  whole.model.dispose();

  const ckpt = path.join(dir, 'stopped.ckpt');
  const losses: number[] = [];
  await assert.rejects(
    trainFeatureClassifier({
      ...settings,
      checkpoint: ckpt,
      onEpoch: (e, loss) => {
        losses.push(loss);
        if (e === 1) setImmediate(() => requestInterrupt('SIGINT'));
      },
    }),
    (e: unknown) =>
      e instanceof InterruptedError &&
      /^classifier training \(epoch 2, batch \d; saved to .*stopped\.ckpt for --resume\) interrupted \(SIGINT\)$/.test(e.message),
  );
  assert.equal(openInterruptScopes(), 0);
  assert.ok(fs.existsSync(ckpt));

  const resumedLosses: number[] = [];
  const resumed = await trainFeatureClassifier({ ...data, resume: ckpt, onEpoch: (e, loss) => resumedLosses.push(e, loss) });
  try {
    assert.deepEqual([resumed.epochs, resumed.seed], [3, 7], 'the settings come from the checkpoint');
    assert.deepEqual(resumedLosses, wholeLosses.slice(2), 'continues in epoch 2, with its loss so far: the same epoch losses');
    const got = weightsOf(resumed.model);
    assert.equal(got.length, expected.length);
    for (let i = 0; i < got.length; i++)
      assert.ok(Buffer.from(got[i].buffer).equals(Buffer.from(expected[i].buffer)), `weight tensor ${i} differs from the uninterrupted run's`);
    assert.equal(resumed.testAccuracy, whole.testAccuracy);
  } finally {
    resumed.model.dispose();
  }

  // settings that contradict the checkpoint, and a damaged checkpoint
  await assert.rejects(trainFeatureClassifier({ ...data, resume: ckpt, batchSize: 32 }), /the stopped run had batchSize 16, not 32/);
  await assert.rejects(trainFeatureClassifier({ train: mnistSlice(0, 40), test: data.test, resume: ckpt }), /the stopped run had train "mnist\[0:80\] \(80\)"/);
  const damaged = path.join(dir, 'damaged.ckpt');
  fs.writeFileSync(damaged, fs.readFileSync(ckpt).subarray(0, 5000));
  await assert.rejects(
    trainFeatureClassifier({ ...data, resume: damaged }),
    (e: unknown) => e instanceof ClassifierCheckpointError && /damaged\.ckpt: .*truncated/.test((e as Error).message),
  );
});
