/**
 * Distillation and the pruning schedule of classifier QAT (quant/classifiers/qat-training.ts):
 * a teacher whose logits all say "class 3" must pull a distilled network (weight 1: soft
 * targets only) to class 3 whatever the labels say, while the same training on labels alone
 * does not; and bad options are RangeErrors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/backend';
import { trainFcnn } from '../../src/quant/classifiers/fcnn';
import { quantizeInputs, runQuantized } from '../../src/quant/quantized-eval';
import { pixels01 } from '../../src/quant/classifiers/qat-training';
import { argmax } from '../../src/nn/classify';
import { mnistSplitHeads } from '../support/mnist';

test('distillation with weight 1 follows the teacher, not the labels', async () => {
  await selectBackend({ quiet: true });
  const { train, test } = mnistSplitHeads(600, 200);
  const teacher = new Float32Array(train.count * 10);
  for (let s = 0; s < train.count; s++) teacher[s * 10 + 3] = 8;
  const shareOf3 = async (distill: boolean): Promise<number> => {
    const t = await trainFcnn({
      train,
      test,
      hidden: [16, 16],
      floatEpochs: 1,
      qatEpochs: 2,
      learningRate: 3e-3,
      seed: 1,
      ...(distill ? { distill: { weight: 1, temperature: 2, teacher } } : {}),
    });
    const run = runQuantized(t.model, quantizeInputs(t.model, pixels01(test)), test.count);
    const pred = argmax(run.values, 10);
    return pred.filter((c) => c === 3).length / pred.length;
  };
  const labelsOnly = await shareOf3(false);
  const distilled = await shareOf3(true);
  // about a tenth of the test digits are 3s; the distilled network calls nearly all of them 3
  assert.ok(labelsOnly < 0.3, `labels only: ${labelsOnly} called 3`);
  assert.ok(distilled > 0.9, `distilled: ${distilled} called 3`);
});

test('bad distillation and pruning-schedule options are RangeErrors', async () => {
  await selectBackend({ quiet: true });
  const base = { ...mnistSplitHeads(64, 16), hidden: [4, 4], floatEpochs: 1, qatEpochs: 1 };
  await assert.rejects(trainFcnn({ ...base, distill: { weight: 0 } }), /distill.weight must be in \(0, 1\], got 0/);
  await assert.rejects(trainFcnn({ ...base, distill: { weight: 0.5, temperature: 0.5 } }), /temperature must be ≥ 1, got 0.5/);
  await assert.rejects(trainFcnn({ ...base, distill: { weight: 0.5, teacher: new Float32Array(7) } }), /needs 640 logits .* got 7/);
  await assert.rejects(trainFcnn({ ...base, floatEpochs: 0, distill: { weight: 0.5 } }), /needs dense float epochs/);
  await assert.rejects(trainFcnn({ ...base, pruneStart: 2, fanInCaps: [2, 2, 2] }), /pruneStart must be an integer from 0 to floatEpochs \(1\), got 2/);
});
