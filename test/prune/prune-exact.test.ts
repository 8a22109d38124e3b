/**
 * Exact values where the broader prune tests only bound them (survivors of mutation testing,
 * scripts/mutation.sh prune): the accumulator report's calibrated range, sparsity and bits
 * against a brute-force integer computation; the schedule's validation and its pruning steps
 * against a hand enumeration; the masked variables' shape check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { accumulatorReport, isPruningStep, sparsityAt } from '../../src/prune';
import { MaskedVariables } from '../../src/prune/masked-variables';
import { quantizeLayers } from '../../src/quant';
import { SeededRng } from '../../src/util/rng';

/** Smallest b such that [lo, hi] fits a signed b-bit integer. */
function bitsByCount(lo: number, hi: number): number {
  let b = 1;
  while (-(2 ** (b - 1)) > lo || hi > 2 ** (b - 1) - 1) b++;
  return b;
}

test('accumulator report, first layer: calibrated range, sparsity and bits equal a brute-force integer computation', () => {
  const rng = new SeededRng(4);
  const inputs = 12,
    outputs = 5,
    count = 40;
  // mostly negative weights: the accumulators' minimum, not their maximum, sets the width
  const kernel = Float32Array.from({ length: inputs * outputs }, (_, i) => (i % 7 === 0 ? 0 : -rng.next() + 0.15));
  const bias = new Float32Array(outputs);
  const x = Float32Array.from({ length: count * inputs }, () => rng.next());
  const model = quantizeLayers([{ inputs, outputs, kernel, bias, activation: 'linear' }], x, count, {
    weightBits: 4,
    activationBits: 4,
    inputRange: { min: 0, max: 1 },
  });
  const l = model.layers[0];
  const q = model.input;
  const xq = Array.from(x, (v) => Math.min(q.qmax, Math.max(q.qmin, Math.round(v / q.scale) + q.zeroPoint)));
  let lo = Infinity;
  let hi = -Infinity;
  for (let s = 0; s < count; s++) {
    for (let o = 0; o < outputs; o++) {
      let acc = 0;
      for (let i = 0; i < inputs; i++) acc += l.weights[o * inputs + i] * xq[s * inputs + i];
      lo = Math.min(lo, acc);
      hi = Math.max(hi, acc);
    }
  }
  assert.ok(lo < -2 * Math.abs(hi), `a test whose minimum dominates (${lo}, ${hi})`);
  const zeros = l.weights.filter((w) => w === 0).length;
  const [r] = accumulatorReport(model, x, count);
  assert.equal(r.calibratedMin, lo);
  assert.equal(r.calibratedMax, hi);
  assert.equal(r.sparsity, zeros / (inputs * outputs));
  assert.ok(zeros > 0);
  assert.equal(r.calibratedBits, bitsByCount(Math.min(lo, 0), Math.max(hi, 0)));
  assert.equal(r.layer, 0);
  assert.deepEqual([r.inputs, r.outputs], [inputs, outputs]);
});

test('gradual schedule: invalid schedules are refused; pruning steps are exactly startStep + k·frequency up to endStep', () => {
  const ok = { initial: 0.1, final: 0.5, startStep: 3, endStep: 23, frequency: 5 };
  assert.throws(() => sparsityAt({ ...ok, final: 0.05 }, 10), /sparsity must rise within \[0, 1\): 0\.1 → 0\.05/);
  assert.throws(() => sparsityAt({ ...ok, initial: -0.1 }, 10), /sparsity must rise/);
  assert.throws(() => sparsityAt({ ...ok, final: 1 }, 10), /sparsity must rise/);
  assert.throws(() => sparsityAt({ ...ok, endStep: 3 }, 10), /endStep must be after startStep/);
  assert.equal(sparsityAt({ ...ok, final: 0.1 }, 10), 0.1, 'a constant schedule is valid');
  // Zhu & Gupta's cubic: s_t = s_f + (s_i − s_f)(1 − (t − t0)/(t1 − t0))³
  for (const t of [4, 8, 13, 22]) assert.ok(Math.abs(sparsityAt(ok, t) - (0.5 + (0.1 - 0.5) * (1 - (t - 3) / 20) ** 3)) < 1e-15);
  const expected = new Set([3, 8, 13, 18, 23]);
  for (let t = -12; t <= 40; t++) assert.equal(isPruningStep(ok, t), expected.has(t), `step ${t}`);
});

test('masked variables: a mask of the wrong size is refused, naming both sizes', () => {
  const v = tf.variable(tf.ones([2, 3]));
  const masked = new MaskedVariables();
  assert.throws(() => masked.setMask(v, new Uint8Array(5)), /mask of 5 for variable .* of 6 values/);
  masked.setMask(v, Uint8Array.from([1, 0, 1, 0, 1, 0]));
  assert.deepEqual(Array.from(v.dataSync()), [1, 0, 1, 0, 1, 0]);
  assert.equal(masked.size, 1);
  masked.dispose();
  assert.equal(masked.size, 0, 'dispose forgets the masks');
  v.dispose();
});
