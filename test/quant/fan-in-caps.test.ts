/**
 * Fan-in caps in classifier training (quant/classifiers/qat-training.ts) and the LeNet
 * shape of the QAT CNN (5x5 kernels, per-convolution strides, hidden dense layers, 2x2
 * average or max pooling): the counts are checked against the analytic shapes and by
 * counting non-zero weights; the exported integer model (poolings folded / as comparison
 * layers) against the trained network's own quantized forward pass (tf.avgPool / tf.maxPool).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { trainCnn } from '../../src/quant/classifiers/cnn';
import { capFanIns } from '../../src/quant/classifiers/qat-training';
import { checkQuantizedModel } from '../../src/quant';
import { MaskedVariables } from '../../src/prune/masked-variables';
import { SeededRng } from '../../src/util/rng';
import { maxFanIn } from '../../src/prune/accumulator';
import { mnistSplitHeads } from '../support/mnist';

/** Non-zero entries of each column of a [rows × cols] row-major array. */
function columnCounts(w: Float32Array, rows: number, cols: number): number[] {
  return Array.from({ length: cols }, (_, c) => {
    let k = 0;
    for (let r = 0; r < rows; r++) if (w[r * cols + c] !== 0) k++;
    return k;
  });
}

test('capFanIns tightens geometrically: full fan-in 100, cap 4 → 20 at half way, 4 at the end, masks nested', async () => {
  await selectBackend({ quiet: true });
  const rng = new SeededRng(3);
  const w = tf.variable(
    tf.tensor2d(
      Float32Array.from({ length: 100 * 6 }, () => rng.next() - 0.5),
      [100, 6],
    ),
  );
  const bias = tf.variable(tf.zeros([6]));
  const masked = new MaskedVariables();
  capFanIns([w, bias], [4], masked, 0.5);
  const half = w.dataSync() as Float32Array;
  assert.deepEqual(columnCounts(half, 100, 6), [20, 20, 20, 20, 20, 20]);
  capFanIns([w, bias], [4], masked, 1);
  const end = Float32Array.from(w.dataSync());
  assert.deepEqual(columnCounts(end, 100, 6), [4, 4, 4, 4, 4, 4]);
  // each column keeps its 4 largest magnitudes among the 20 it kept half way
  for (let c = 0; c < 6; c++) {
    const kept = Array.from({ length: 100 }, (_, r) => half[r * 6 + c])
      .filter((v) => v !== 0)
      .map(Math.abs)
      .sort((a, b) => b - a);
    const endKept = Array.from({ length: 100 }, (_, r) => end[r * 6 + c])
      .filter((v) => v !== 0)
      .map(Math.abs)
      .sort((a, b) => b - a);
    assert.deepEqual(endKept, kept.slice(0, 4));
  }
  // a cap at or above the fan-in leaves the layer alone; bad caps are RangeErrors
  const before = Float32Array.from(w.dataSync());
  capFanIns([w, bias], [0], masked);
  assert.deepEqual(Float32Array.from(w.dataSync()), before);
  assert.throws(() => capFanIns([w, bias], [4, 4], masked), RangeError);
  assert.throws(() => capFanIns([w, bias], [1.5], masked), RangeError);
  masked.dispose();
  tf.dispose([w, bias]);
});

test('a LeNet-shaped QAT CNN (5x5 stride-2 convolutions, dense 16 → 12 → 10) with fan-in caps exports what it trained', async () => {
  await selectBackend({ quiet: true });
  const caps = [0, 40, 32, 10, 8];
  const t = await trainCnn({
    ...mnistSplitHeads(2000, 200),
    filters: [4, 8],
    kernelSize: 5,
    strides: [2, 2],
    dense: [16, 12],
    weightBits: 2,
    activationBits: 2,
    fanInCaps: caps,
    pruneEpochs: 2,
    learningRateSchedule: 'cosine',
    floatEpochs: 2,
    qatEpochs: 2,
    learningRate: 3e-3,
    seed: 2,
  });
  const m = checkQuantizedModel(t.model);
  // (28 − 5) / 2 + 1 = 12, (12 − 5) / 2 + 1 = 4
  assert.deepEqual(
    m.layers.map((l) => [l.inputs, l.outputs]),
    [
      [784, 12 * 12 * 4],
      [12 * 12 * 4, 4 * 4 * 8],
      [4 * 4 * 8, 16],
      [16, 12],
      [12, 10],
    ],
  );
  assert.deepEqual(
    m.layers.map((l) => l.activation),
    ['relu', 'relu', 'relu', 'relu', 'linear'],
  );
  // every neuron has at most its layer's cap of non-zero weights (conv 1: its 5·5 window)
  const limits = [25, 40, 32, 10, 8];
  m.layers.forEach((l, k) => {
    const counts: number[] = [];
    for (let o = 0; o < l.outputs; o++) {
      let n = 0;
      for (let i = 0; i < l.inputs; i++) if (l.weights[o * l.inputs + i] !== 0) n++;
      counts.push(n);
    }
    assert.ok(Math.max(...counts) <= limits[k], `layer ${k}: fan-in ${Math.max(...counts)} > ${limits[k]}`);
  });
  assert.equal(m.meta?.architecture, 'conv5x5/2(4) → conv5x5/2(8) → dense(16) → dense(12) → dense(10)');
  assert.ok(t.qatAccuracy > 0.3, `QAT accuracy ${t.qatAccuracy}`);
  assert.ok(Math.abs(t.quantizedAccuracy - t.qatAccuracy) <= 0.02, `integer ${t.quantizedAccuracy} vs QAT forward ${t.qatAccuracy}`);
});

for (const pool of ['avg', 'max'] as const) {
  test(`LeNet with 2x2 ${pool} pooling (stride-1 5x5 convolutions): the integer model with its poolings classifies as the QAT forward pass`, async () => {
    await selectBackend({ quiet: true });
    const t = await trainCnn({
      ...mnistSplitHeads(1500, 300),
      filters: [4, 8],
      kernelSize: 5,
      strides: [1, 1],
      pools: [2, 2],
      pool,
      dense: [16],
      weightBits: 2,
      activationBits: 2,
      fanInCaps: [0, 30, 24, 8],
      pruneEpochs: 1,
      learningRateSchedule: 'cosine',
      floatEpochs: 2,
      qatEpochs: 2,
      learningRate: 3e-3,
      seed: 4,
    });
    const m = checkQuantizedModel(t.model);
    assert.deepEqual([m.meta?.pools, m.meta?.pool], [[2, 2], pool], 'the model file records its poolings');
    // 28 − 5 + 1 = 24 → pooled 12; 12 − 5 + 1 = 8 → pooled 4
    const shapes =
      pool === 'avg'
        ? // each pooled read becomes 4 reads of the unpooled map
          [
            [784, 24 * 24 * 4],
            [24 * 24 * 4, 8 * 8 * 8],
            [8 * 8 * 8, 16],
            [16, 10],
          ]
        : // a max pool is 3 layers: 4, 2, 1 values per pooled output
          [
            [784, 24 * 24 * 4],
            [24 * 24 * 4, 4 * 12 * 12 * 4],
            [4 * 12 * 12 * 4, 2 * 12 * 12 * 4],
            [2 * 12 * 12 * 4, 12 * 12 * 4],
            [12 * 12 * 4, 8 * 8 * 8],
            [8 * 8 * 8, 4 * 4 * 4 * 8],
            [4 * 4 * 4 * 8, 2 * 4 * 4 * 8],
            [2 * 4 * 4 * 8, 4 * 4 * 8],
            [4 * 4 * 8, 16],
            [16, 10],
          ];
    assert.deepEqual(
      m.layers.map((l) => [l.inputs, l.outputs]),
      shapes,
    );
    if (pool === 'avg') {
      // the folded layer repeats each weight over its 2x2 cell: fan-in 4 × the cap
      const fanIns = m.layers.map((l) => maxFanIn(l));
      assert.ok(fanIns[1] <= 4 * 30 && fanIns[1] % 4 === 0, `conv 2 fan-in ${fanIns[1]}`);
      assert.ok(fanIns[2] <= 4 * 24 && fanIns[2] % 4 === 0, `dense fan-in ${fanIns[2]}`);
    } else {
      assert.deepEqual(
        m.layers.filter((l) => l.role).map((l) => l.role),
        ['max-pool 1/3', 'max-pool 2/3', 'max-pool 3/3', 'max-pool 1/3', 'max-pool 2/3', 'max-pool 3/3'],
      );
    }
    assert.equal(m.meta?.architecture, `conv5x5/1(4) → ${pool}pool2x2 → conv5x5/1(8) → ${pool}pool2x2 → dense(16) → dense(10)`);
    assert.ok(t.qatAccuracy > 0.25, `QAT accuracy ${t.qatAccuracy} (chance: 0.1)`);
    // the same network two ways: tfjs pooling on fake-quantized maps, and the integer layers
    assert.ok(Math.abs(t.quantizedAccuracy - t.qatAccuracy) <= 0.01, `integer ${t.quantizedAccuracy} vs QAT forward ${t.qatAccuracy}`);
  });
}
