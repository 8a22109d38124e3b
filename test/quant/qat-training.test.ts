/**
 * The QAT classifier loop (trainQuantizedClassifier, through trainFcnn) against what its options promise,
 * computed here independently: the accuracy it reports is the share of argmax hits, counted by hand; the
 * cosine schedule's rate per epoch is the closed form of its doc comment; the float accuracy is the network's
 * when the float epochs end, so it equals the float accuracy of a run that stops there.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/backend';
import { classificationAccuracy, trainFcnn, FcnnTrainOptions } from '../../src/quant/classifiers/fcnn';
import { SeededRng } from '../../src/util/rng';
import { mnistSplitHeads } from '../support/mnist';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

// 256 digits of every class in batches of 64: four steps per epoch, so each epoch is cheap.
const TINY: FcnnTrainOptions = {
  ...mnistSplitHeads(256, 300),
  hidden: [12],
  weightBits: 4,
  activationBits: 4,
  batchSize: 64,
  learningRate: 5e-3,
  seed: 5,
};

test('classificationAccuracy is the share of rows whose largest score is at the label (counted by hand)', () => {
  const rng = new SeededRng(3);
  for (const [count, classes] of [
    [1, 2],
    [7, 3],
    [50, 10],
  ]) {
    const scores = Float32Array.from({ length: count * classes }, () => rng.next());
    const labels = Int32Array.from({ length: count }, () => rng.nextInt(classes));
    let hits = 0;
    for (let s = 0; s < count; s++) {
      const row = Array.from(scores.subarray(s * classes, (s + 1) * classes));
      if (row.indexOf(Math.max(...row)) === labels[s]) hits++;
    }
    assert.equal(classificationAccuracy(scores, labels, classes), hits / count, `${count} rows of ${classes}`);
  }
  // every row right, then every row wrong
  assert.equal(classificationAccuracy([0, 1, 1, 0], [1, 0], 2), 1);
  assert.equal(classificationAccuracy([0, 1, 1, 0], [0, 1], 2), 0);
});

test('pruneEpochs must be a positive integer', async () => {
  for (const bad of [0, -1, 1.5, NaN])
    await assert.rejects(trainFcnn({ ...TINY, pruneEpochs: bad }), new RegExp(`pruneEpochs must be a positive integer, got ${bad}`));
});

test('learning rate per epoch: constant in the float epochs; the cosine schedule falls from learningRate to a twentieth over the QAT epochs', async () => {
  const base = TINY.learningRate!;
  const floatEpochs = 2;
  const qatEpochs = 5;
  const seen = (schedule: 'constant' | 'cosine') => {
    const rates: Array<[string, number]> = [];
    return trainFcnn({
      ...TINY,
      floatEpochs,
      qatEpochs,
      learningRateSchedule: schedule,
      onEpoch: (e) => void rates.push([e.phase, e.learningRate]),
    }).then(() => rates);
  };
  const constant = await seen('constant');
  assert.deepEqual(
    constant,
    Array.from({ length: floatEpochs + qatEpochs }, (_, e) => [e < floatEpochs ? 'float' : 'qat', base]),
  );
  const cosine = await seen('cosine');
  // epoch k of the QAT epochs (0-based) of Q: base · (0.05 + 0.95 · (1 + cos(π k / (Q − 1))) / 2)
  const expected = [base, base, ...Array.from({ length: qatEpochs }, (_, k) => base * (0.05 + (0.95 * (1 + Math.cos((Math.PI * k) / (qatEpochs - 1)))) / 2))];
  assert.deepEqual(
    cosine.map(([phase]) => phase),
    ['float', 'float', 'qat', 'qat', 'qat', 'qat', 'qat'],
  );
  cosine.forEach(([, rate], e) => assert.ok(Math.abs(rate - expected[e]) <= 1e-12 * base, `epoch ${e + 1}: rate ${rate}, expected ${expected[e]}`));
  assert.ok(Math.abs(cosine[6][1] - base / 20) <= 1e-12, 'the last QAT epoch trains at a twentieth');
  // a single QAT epoch trains at the full rate
  const one: number[] = [];
  await trainFcnn({ ...TINY, floatEpochs: 1, qatEpochs: 1, learningRateSchedule: 'cosine', onEpoch: (e) => void one.push(e.learningRate) });
  assert.deepEqual(one, [base, base]);
});

test('the float accuracy reported is the network’s when the float epochs end: a run that goes on to QAT reports the same as one that stops there', async () => {
  const o = { ...TINY, floatEpochs: 2 };
  const stopped = await trainFcnn({ ...o, qatEpochs: 0 });
  const goneOn = await trainFcnn({ ...o, qatEpochs: 3 });
  assert.ok(stopped.floatAccuracy > 0.3, `float accuracy ${stopped.floatAccuracy} after 2 epochs`);
  assert.equal(goneOn.floatAccuracy, stopped.floatAccuracy);
  // and it is the accuracy before QAT: the QAT epochs changed the network
  assert.notEqual(goneOn.qatAccuracy, stopped.qatAccuracy);
});
