import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../../../src/backend';
import { loadMnist } from '../../../../src/data/mnist';
import { MNIST_SPLIT, trainTestSplit } from '../../../../src/data/splits';
import { subset } from '../../../../src/data/dataset';
import { trainCnn } from '../../../../src/quant/classifiers/cnn';
import { pixels01 } from '../../../../src/quant/classifiers/qat-training';
import { agreement, compile } from '../../../../src/fhe/tfhe/run';
import { checkQuantizedModel } from '../../../../src/quant';

test('the QAT CNN exports as dense layers that reproduce its quantized forward pass, and compiles', async () => {
  await selectBackend({ quiet: true });
  const split = trainTestSplit(loadMnist(), MNIST_SPLIT);
  const first = (n: number) => Array.from({ length: n }, (_, i) => i);
  const train = subset(split.train, first(1500));
  const test = subset(split.test, first(300));
  const t = await trainCnn({ train, test, filters: [4, 8], floatEpochs: 1, qatEpochs: 1, learningRate: 3e-3, seed: 1 });
  const m = checkQuantizedModel(t.model);
  assert.deepEqual(
    m.layers.map((l) => [l.inputs, l.outputs]),
    [
      [784, 13 * 13 * 4],
      [13 * 13 * 4, 6 * 6 * 8],
      [6 * 6 * 8, 10],
    ],
  );
  assert.deepEqual(
    m.layers.map((l) => l.weightBits),
    [3, 3, 3],
  );
  assert.ok(t.qatAccuracy > 0.5, `QAT accuracy ${t.qatAccuracy} after 2 short epochs`);
  // The integer model is the QAT network: accuracies agree up to float rounding at a step boundary.
  assert.ok(Math.abs(t.quantizedAccuracy - t.qatAccuracy) <= 0.01, `integer ${t.quantizedAccuracy} vs QAT forward ${t.qatAccuracy}`);
  const fhe = compile(m, pixels01(subset(train, first(1000))), { name: 'mnist-cnn' });
  // One table per output neuron (the logits' tables also write the output digits).
  assert.deepEqual(
    fhe.report.layers.map((l) => l.neurons),
    [13 * 13 * 4, 6 * 6 * 8, 10],
  );
  assert.ok(fhe.report.pbsCount >= 13 * 13 * 4 + 6 * 6 * 8 + 10);
  const x = pixels01(test);
  const clear = await fhe.predict(x, { fhe: 'disable' });
  const sim = await fhe.predict(x, { fhe: 'simulate' });
  // Lossless tables: simulation differs from the clear model only where an unseen input
  // leaves a neuron's calibrated window (plus margin).
  const a = agreement(sim, clear);
  assert.ok(a.outputs >= 0.98 && a.argmax >= 0.98, `simulate vs clear: ${JSON.stringify(a)}`);
  fhe.dispose();
});
