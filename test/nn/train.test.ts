import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { loadMnist, subset } from '../../src/data';
import { batchesPerEpoch, defaultSampleEpochs, epochBatches, trainGan } from '../../src/nn';
import { SeededRng } from '../../src/util/rng';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const SMALL = { latentDim: 16, generatorHidden: [64], discriminatorHidden: [64] };

function digits(n: number) {
  return subset(
    loadMnist(),
    Array.from({ length: n }, (_, i) => i),
    `mnist[0:${n}]`,
  );
}

test('epochBatches: a seeded permutation in batches, pixels scaled to [-1, 1]', () => {
  const ds = digits(70);
  const seen: number[] = [];
  const sizes: number[] = [];
  for (const b of epochBatches(ds, 32, new SeededRng(3))) {
    sizes.push(b.images.shape[0]);
    const v = b.images.dataSync();
    assert.ok(v.every((x) => x >= -1 && x <= 1));
    assert.ok(v.some((x) => x === -1) && v.some((x) => x === 1), 'background maps to -1 and full ink to 1');
    seen.push(...b.labels);
    b.images.dispose();
  }
  assert.deepEqual(sizes, [32, 32, 6]);
  assert.equal(batchesPerEpoch(70, 32), 3);
  // Every image once: the label multiset is the dataset's.
  assert.deepEqual([...seen].sort(), Array.from(ds.labels).sort());
});

test('trainGan: per-step and per-epoch history, samples at the chosen epochs, callbacks in order, no tensor leak', async () => {
  const ds = digits(256);
  const events: string[] = [];
  const r = await trainGan({
    dataset: ds,
    epochs: 3,
    batchSize: 64,
    seed: 4,
    config: SMALL,
    sampleEpochs: [1, 3],
    sampleCount: 8,
    onStep: (s) => {
      events.push(`s${s.epoch}.${s.stepInEpoch}`);
    },
    onEpoch: async (e) => {
      events.push(`e${e.epoch}`);
      await new Promise((res) => setImmediate(res));
    },
    onSample: (s) => {
      events.push(`x${s.epoch}`);
    },
  });
  assert.equal(r.history.steps.d.length, 12);
  assert.equal(r.history.epochs.length, 3);
  assert.deepEqual(events.slice(0, 6), ['s1.1', 's1.2', 's1.3', 's1.4', 'e1', 'x1']);
  assert.deepEqual(events.slice(-3), ['s3.4', 'e3', 'x3']);
  assert.deepEqual(
    r.samples.map((s) => s.epoch),
    [1, 3],
  );
  assert.equal(r.samples[0].pixels.length, 8 * 784);
  assert.ok(r.samples[1].pixels.every((v) => v >= -1 && v <= 1));
  assert.notDeepEqual(Array.from(r.samples[0].pixels), Array.from(r.samples[1].pixels), 'samples change as G trains');
  for (const e of r.history.epochs) {
    assert.ok(Number.isFinite(e.d) && Number.isFinite(e.g));
    assert.equal(e.steps, 4);
  }
  // Memory stays flat across epochs: same tensor count and bytes after each.
  const counts = new Set(r.history.epochs.map((e) => e.numTensors));
  const bytes = new Set(r.history.epochs.map((e) => e.numBytes));
  assert.equal(counts.size, 1, `tensors after each epoch: ${r.history.epochs.map((e) => e.numTensors)}`);
  assert.equal(bytes.size, 1);
  assert.equal(r.epoch, 3);
  const n = tf.memory().numTensors;
  r.gan.dispose();
  r.optimizers.generator.dispose();
  r.optimizers.discriminator.dispose();
  assert.ok(tf.memory().numTensors < n);
});

test('trainGan: the same seed gives the same run; resuming continues the epoch numbering', async () => {
  const ds = digits(128);
  const a = await trainGan({ dataset: ds, epochs: 2, seed: 9, config: SMALL, sampleEpochs: [] });
  const b = await trainGan({ dataset: ds, epochs: 2, seed: 9, config: SMALL, sampleEpochs: [] });
  assert.deepEqual(a.history.steps, b.history.steps);
  const c = await trainGan({ dataset: ds, epochs: 1, seed: 9, gan: a.gan, optimizers: a.optimizers, startEpoch: 2, sampleEpochs: [] });
  assert.equal(c.history.epochs[0].epoch, 3);
  assert.equal(c.optimizers.generator.step, 6);
  for (const r of [a, b]) {
    r.gan.dispose();
    r.optimizers.generator.dispose();
    r.optimizers.discriminator.dispose();
  }
});

test('trainGan: abort stops after the current step; bad options are errors', async () => {
  const ds = digits(256);
  const ctl = new AbortController();
  const r = await trainGan({
    dataset: ds,
    epochs: 5,
    config: SMALL,
    signal: ctl.signal,
    onStep: (s) => {
      if (s.globalStep === 6) ctl.abort();
    },
  });
  assert.ok(r.stoppedEarly);
  assert.equal(r.history.steps.d.length, 6);
  assert.equal(r.history.epochs.length, 1, 'only the completed epoch is recorded');
  r.gan.dispose();
  await assert.rejects(trainGan({ dataset: ds, epochs: -1 }), /epochs must be a non-negative integer/);
  await assert.rejects(trainGan({ dataset: ds, epochs: 1, config: { numClasses: 3 } }), /3 classes but mnist\[0:256\] has 10/);
});

test('defaultSampleEpochs: the source epochs 5, 30, 100, 200 within the run, plus the last', () => {
  assert.deepEqual(defaultSampleEpochs(0, 200), [5, 30, 100, 200]);
  assert.deepEqual(defaultSampleEpochs(0, 3), [3]);
  assert.deepEqual(defaultSampleEpochs(10, 50), [30, 50]);
});

test('trainGan selects the fast backend by itself when the program chose none', () => {
  // A fresh process: nothing has selected or started a tfjs backend there.
  const script = `
    const tf = require('@tensorflow/tfjs');
    const { trainGan } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'nn'))});
    const { loadMnist, subset } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'data'))});
    trainGan({ dataset: subset(loadMnist(), [0, 1, 2, 3]), epochs: 1, config: { latentDim: 4, generatorHidden: [8], discriminatorHidden: [8] }, sampleEpochs: [] })
      .then(() => console.log('backend=' + tf.getBackend()));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..', '..', '..'), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /backend=privlab-native/);
  assert.match(r.stderr, /privlab: tfjs backend privlab-native/, 'the choice is reported');
  assert.doesNotMatch(r.stderr, /install our node backend/, 'no tfjs-node banner');
});
