import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  applyMask,
  calibratedAccumulator,
  fanInCapMask,
  globalL1Masks,
  isPruningStep,
  l1Mask,
  maxFanIn,
  signedBits,
  sparsity,
  sparsityAt,
  worstCaseAccumulator,
} from '../../src/prune';
import { MaskedVariables } from '../../src/prune/masked-variables';
import { SeededRng } from '../../src/util/rng';

test('per-layer L1 mask removes exactly the smallest magnitudes', () => {
  const w = [0.5, -0.1, 2, -3, 0.05, 1];
  assert.deepEqual(Array.from(l1Mask(w, 0.5)), [0, 0, 1, 1, 0, 1]);
  assert.deepEqual(Array.from(l1Mask(w, 0)), [1, 1, 1, 1, 1, 1]);
  for (const f of [0.2, 0.5, 0.7, 0.8]) {
    const big = Float32Array.from({ length: 1000 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
    const m = l1Mask(big, f);
    assert.equal(sparsity(m), f);
    let keptMin = Infinity,
      prunedMax = 0;
    m.forEach((k, i) => (k ? (keptMin = Math.min(keptMin, Math.abs(big[i]))) : (prunedMax = Math.max(prunedMax, Math.abs(big[i])))));
    assert.ok(prunedMax <= keptMin, 'every pruned weight is no larger than every kept one');
  }
  assert.throws(() => l1Mask(w, 1), /\[0, 1\)/);
});

test('global L1 prunes across layers against one threshold', () => {
  const small = [0.01, 0.02, 0.03, 0.04];
  const large = [1, 2, 3, 4];
  const [a, b] = globalL1Masks([small, large], 0.5);
  assert.deepEqual(Array.from(a), [0, 0, 0, 0], 'the small layer goes first');
  assert.deepEqual(Array.from(b), [1, 1, 1, 1]);
});

test('fan-in cap keeps the k largest inputs of each neuron (dense kernel [in x out])', () => {
  // 4 inputs x 2 outputs.
  const w = [0.1, -5, -0.9, 1, 0.5, 0.2, 0.7, -3];
  const m = fanInCapMask(w, 4, 2, 0, 2);
  assert.deepEqual(Array.from(m), [0, 1, 1, 0, 0, 0, 1, 1]);
  const layer = { weights: Array.from(applyMask(w, m)).map((v) => Math.round(v * 10)), outputs: 2, inputs: 4 };
  // maxFanIn expects [out x in]: transpose.
  const t = [0, 2, 4, 6, 1, 3, 5, 7].map((i) => layer.weights[i]);
  assert.equal(maxFanIn({ weights: t, outputs: 2, inputs: 4 }), 2);
  const capped = fanInCapMask(w, 4, 2, 0, 1, m);
  assert.deepEqual(Array.from(capped), [0, 1, 1, 0, 0, 0, 0, 0], 'caps on top of an existing mask');
});

test('gradual schedule: cubic from initial to final, pruning every frequency steps', () => {
  const s = { initial: 0, final: 0.8, startStep: 100, endStep: 1100, frequency: 100 };
  assert.equal(sparsityAt(s, 0), 0);
  assert.equal(sparsityAt(s, 2000), 0.8);
  assert.ok(Math.abs(sparsityAt(s, 600) - 0.8 * (1 - 0.125)) < 1e-12);
  assert.ok(sparsityAt(s, 300) > 0.8 * 0.2 * 2, 'front-loaded');
  assert.deepEqual(
    [100, 150, 200, 1100, 1200].map((t) => isPruningStep(s, t)),
    [true, false, true, true, false],
  );
});

test('accumulator bit-widths: worst case equals brute force over every input; calibrated matches the observed set', () => {
  const rng = new SeededRng(9);
  for (let trial = 0; trial < 20; trial++) {
    const inputs = 3,
      outputs = 2,
      inMin = trial % 2 ? -2 : 0,
      inMax = 3;
    const weights = Array.from({ length: outputs * inputs }, () => rng.nextInt(15) - 7);
    const bias = [rng.nextInt(9) - 4, rng.nextInt(9) - 4];
    const layer = { weights, outputs, inputs, bias };
    const worst = worstCaseAccumulator(layer, inMin, inMax);
    // Brute force over every input vector.
    const all: number[] = [];
    for (let a = inMin; a <= inMax; a++) for (let b = inMin; b <= inMax; b++) for (let c = inMin; c <= inMax; c++) all.push(a, b, c);
    const brute = calibratedAccumulator(layer, all, all.length / 3);
    assert.deepEqual(Array.from(worst.min), Array.from(brute.min));
    assert.deepEqual(Array.from(worst.max), Array.from(brute.max));
    assert.equal(worst.bits, brute.bits);
    let lo = 0,
      hi = 0;
    brute.min.forEach((v) => (lo = Math.min(lo, v)));
    brute.max.forEach((v) => (hi = Math.max(hi, v)));
    assert.ok(-(2 ** (worst.bits - 1)) <= lo && hi <= 2 ** (worst.bits - 1) - 1);
    assert.ok(worst.bits === 1 || -(2 ** (worst.bits - 2)) > lo || 2 ** (worst.bits - 2) - 1 < hi, 'and is the smallest such width');
  }
  assert.deepEqual([signedBits(0, 0), signedBits(-1, 0), signedBits(0, 1), signedBits(-128, 127), signedBits(0, 128)], [1, 1, 2, 8, 9]);
});

test('masks hold through training: pruned weights stay exactly zero after optimizer steps', async () => {
  await tf.setBackend('cpu');
  const w = tf.variable(tf.randomNormal([8, 4], 0, 1, 'float32', 5));
  const x = tf.randomNormal([32, 8], 0, 1, 'float32', 6);
  const y = tf.randomNormal([32, 4], 0, 1, 'float32', 7);
  const mask = l1Mask(w.dataSync(), 0.5);
  const masked = new MaskedVariables();
  masked.setMask(w, mask);
  const opt = tf.train.adam(0.05);
  const before = tf.memory().numTensors;
  for (let step = 0; step < 20; step++) {
    opt.minimize(() => tf.losses.meanSquaredError(y, x.matMul(w)) as tf.Scalar, false, [w]);
    masked.apply();
  }
  const after = w.dataSync();
  mask.forEach((k, i) => {
    if (!k) assert.ok(after[i] === 0, `weight ${i} is ${after[i]}`);
  }); // -0 is zero too
  assert.ok(Array.from(after).filter((v, i) => mask[i] && v !== 0).length === 16, 'kept weights train');
  assert.ok(tf.memory().numTensors <= before + 2, 'no per-step leak (Adam creates its slots once)');
  masked.dispose();
  tf.dispose([w, x, y]);
  opt.dispose();
});

test('accumulator report of a quantized model: calibrated ≤ worst case; pruning shrinks fan-in and bits', async () => {
  const { quantizeLayers } = await import('../../src/quant');
  type FloatDense = import('../../src/quant').FloatDense;
  const { accumulatorReport } = await import('../../src/prune');
  const rng = new SeededRng(21);
  const mk = (inp: number, out: number, act: 'relu' | 'linear'): FloatDense => ({
    inputs: inp,
    outputs: out,
    activation: act,
    kernel: Float32Array.from({ length: inp * out }, () => rng.next() * 2 - 1),
    bias: Float32Array.from({ length: out }, () => rng.next() - 0.5),
  });
  const layers = [mk(64, 32, 'relu'), mk(32, 8, 'linear')];
  const x = Float32Array.from({ length: 200 * 64 }, () => rng.next());
  const dense = quantizeLayers(layers, x, 200, { weightBits: 4, activationBits: 4, inputRange: { min: 0, max: 1 } });
  const full = accumulatorReport(dense, x, 200);
  for (const r of full) {
    assert.ok(r.calibratedBits <= r.worstCaseBits, JSON.stringify(r));
    assert.ok(r.calibratedMin >= -(2 ** (r.calibratedBits - 1)) && r.calibratedMax <= 2 ** (r.calibratedBits - 1) - 1);
  }
  // Small weights may round to 0 at 4 bits: fan-in counts the integer weights that are not.
  const l0 = dense.layers[0];
  const fanIns = Array.from({ length: l0.outputs }, (_, o) => l0.weights.slice(o * l0.inputs, (o + 1) * l0.inputs).filter((w) => w !== 0).length);
  assert.equal(full[0].maxFanIn, Math.max(...fanIns));
  assert.ok(full[0].maxFanIn > 56);
  // Prune 80 % of the first layer (in the [in x out] kernel) and requantize.
  layers[0].kernel = applyMask(layers[0].kernel, l1Mask(layers[0].kernel, 0.8));
  const pruned = accumulatorReport(quantizeLayers(layers, x, 200, { weightBits: 4, activationBits: 4, inputRange: { min: 0, max: 1 } }), x, 200);
  assert.ok(pruned[0].sparsity >= Math.round(0.8 * 64 * 32) / (64 * 32), `sparsity ${pruned[0].sparsity}`);
  assert.ok(pruned[0].maxFanIn < 64);
  assert.ok(pruned[0].worstCaseBits < full[0].worstCaseBits, `${pruned[0].worstCaseBits} < ${full[0].worstCaseBits}`);
});
