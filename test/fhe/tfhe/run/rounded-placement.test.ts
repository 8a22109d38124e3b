/**
 * Placement of a rounded layer (roundingThresholdBits), checked against its definition rather than
 * against the compiler's own numbers:
 *  - each neuron's factor a is odd and the largest that fits: its window a·u₀·span plus the noise
 *    guard fits in the N positions, a + 2 would not (u₀ = k/2^shift positions per accumulator
 *    value, k odd). A neuron made to read a single input has a window a fifth of the others' and
 *    must get a factor above 1;
 *  - the report calls a layer lossless only when every neuron reads at a whole number ≥ 1 of
 *    positions per value: a rounded layer reads at odd·odd/2^shift, never a whole number, so it is
 *    never lossless (and its formatted report says ROUNDED); the unrounded layers of the same model
 *    read at whole numbers and are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCircuit, formatCompileReport, readParameterSet } from '../../../../src/fhe/tfhe/compile';
import { calibrate } from '../../../../src/fhe/tfhe/compile/calibration';
import { resolveOptions } from '../../../../src/fhe/tfhe/compile/options';
import { placeLayer } from '../../../../src/fhe/tfhe/compile/placement';
import { defaultParameterSetName } from '../../../../src/fhe/tfhe/shortint';
import { smallModel } from './fixtures';

const SET_N1024 = defaultParameterSetName(3);

test('rounded layer: every factor is odd and the largest whose window fits the table', () => {
  for (const [bits, shift] of [
    [2, 1],
    [3, 2],
    [4, 3],
  ]) {
    const m = smallModel(8, [24, 16, 12, 5], ['relu', 'relu', 'linear'], { weight: bits, activation: bits });
    // neuron 0 of layer 1 reads one input with weight 1: its accumulator spans a few values where
    // the others span 10 to 300
    const l1 = m.model.layers[1];
    l1.weights.fill(0, 0, l1.inputs);
    l1.weights[0] = 1;
    const p = readParameterSet(SET_N1024);
    const n = p.polynomialSize;
    const o = resolveOptions(m.model, { parameterSet: SET_N1024 });
    const plan = placeLayer(m.model, calibrate(m.model, m.inputs), 1, p, o, shift);
    const what = `${bits}-bit model, shift ${shift}`;
    assert.equal(plan.shift, shift);
    // u₀ = k/2^shift for one odd k shared by the layer
    const k = (plan.u[1] / plan.factor[1]) * 2 ** shift;
    assert.ok(Number.isInteger(k) && k % 2 === 1, `${what}: k = ${k}`);
    for (let j = 0; j < plan.factor.length; j++) {
      const a = plan.factor[j];
      const span = plan.windowHi[j] - plan.windowLo[j];
      assert.equal(a % 2, 1, `${what}, neuron ${j}: factor ${a} is even`);
      assert.equal(plan.u[j], (a * k) / 2 ** shift, `${what}, neuron ${j}: u = a·k/2^shift`);
      const used = a * (k / 2 ** shift) * span + 2 * o.noiseGuard * plan.sigma[j] + 1;
      assert.ok(used <= n, `${what}, neuron ${j}: window ${used} > N = ${n}`);
      // a + 2: window × (a+2)/a; the read noise grows at most by the same factor (σ² = c + a²·s)
      const next = ((a + 2) / a) * (used - 1) + 1;
      assert.ok(next > n, `${what}, neuron ${j}: factor ${a + 2} would fit too (${next.toFixed(1)} ≤ ${n})`);
    }
    assert.ok(plan.factor[0] > 1, `${what}: the narrow neuron keeps factor ${plan.factor[0]}`);
  }
});

test('lossless: whole positions per value only; rounded layers never', () => {
  const m = smallModel(8, [24, 16, 12, 5], ['relu', 'relu', 'linear'], { weight: 2, activation: 2 });
  const plain = compileCircuit(m.model, m.inputs, { parameterSet: SET_N1024 }).report;
  const rounded = compileCircuit(m.model, m.inputs, { parameterSet: SET_N1024, roundingThresholdBits: 3 }).report;
  for (const l of plain.layers) {
    assert.equal(l.roundingShift, 0);
    // the first layer reads at factor·N/P positions, the later ones at one whole u shared by the layer
    if (l.layer > 0) assert.equal(l.positionsPerValue, l.positionsPerValueMedian);
    assert.ok(Number.isInteger(l.positionsPerValue) && l.positionsPerValue >= 1, `layer ${l.layer}: u = ${l.positionsPerValue}`);
    assert.ok(l.lossless, `layer ${l.layer}: u = ${l.positionsPerValue}`);
  }
  const later = rounded.layers.slice(1);
  assert.ok(later.length > 0 && later.every((l) => l.roundingShift > 0));
  for (const l of later) {
    assert.ok(l.positionsPerValue > 1 && !Number.isInteger(l.positionsPerValue), `layer ${l.layer}: u = ${l.positionsPerValue}`);
    assert.equal(l.lossless, false, `layer ${l.layer}: rounded at u = ${l.positionsPerValue}`);
  }
  const text = formatCompileReport(rounded);
  assert.equal(text.match(/ROUNDED/g)?.length, later.length);
});
