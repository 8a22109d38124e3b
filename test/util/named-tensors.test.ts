/**
 * checkWeights and its counting helpers: every way an update can differ from what a receiver
 * expects (tensor count, name, shape, value count, a non-finite value) is refused with a message
 * naming the sender and the tensor, and a matching one passes. Counts are checked against sums
 * written out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TensorSpec, Weights, WeightsError, checkWeights, elementCount, firstNonFinite, parameterCount } from '../../src/util/named-tensors';

const specs: TensorSpec[] = [
  { name: 'dense/kernel', shape: [3, 2] },
  { name: 'dense/bias', shape: [2] },
  { name: 'scalar', shape: [] },
];
const good = (): Weights => ({ specs, values: [new Float32Array(6).fill(0.5), new Float32Array(2), new Float32Array([7])] });

function refused(w: Weights, pattern: RegExp, finite = true): void {
  assert.throws(
    () => checkWeights(w, specs, 'update from site-2', finite),
    (e: unknown) => e instanceof WeightsError && e.name === 'WeightsError' && /^update from site-2: /.test(e.message) && pattern.test(e.message),
  );
}

test('elementCount and parameterCount: products and their sum; a scalar holds one value, an empty dimension none', () => {
  assert.equal(elementCount([3, 2]), 6);
  assert.equal(elementCount([4, 5, 6]), 120);
  assert.equal(elementCount([]), 1);
  assert.equal(elementCount([5, 0, 3]), 0);
  assert.equal(parameterCount(specs), 6 + 2 + 1);
  assert.equal(parameterCount([]), 0);
});

test('firstNonFinite: the index of the first NaN or ±Infinity, -1 when all are finite', () => {
  assert.equal(firstNonFinite(new Float32Array([1, 2, 3])), -1);
  assert.equal(firstNonFinite(new Float32Array([])), -1);
  assert.equal(firstNonFinite(new Float32Array([0, NaN, Infinity])), 1);
  assert.equal(firstNonFinite(new Float32Array([0, 0, -Infinity])), 2);
  assert.equal(firstNonFinite(new Float32Array([Infinity])), 0);
  assert.equal(firstNonFinite(new Float32Array([3.4e38, -3.4e38])), -1);
});

test('checkWeights: a matching update passes', () => {
  checkWeights(good(), specs, 'update from site-2');
});

test('checkWeights: each mismatch is refused, naming the sender and the tensor', () => {
  const w = good();
  refused({ specs: specs.slice(0, 2), values: w.values.slice(0, 2) }, /2 tensors, expected 3/);
  refused({ specs, values: w.values.slice(0, 2) }, /3 tensors but 2 value arrays/);
  refused({ specs: [specs[1], specs[0], specs[2]], values: [w.values[1], w.values[0], w.values[2]] }, /tensor 0 is "dense\/bias", expected "dense\/kernel"/);
  refused({ specs: [{ name: 'dense/kernel', shape: [2, 3] }, specs[1], specs[2]], values: w.values }, /dense\/kernel has shape \[2,3\], expected \[3,2\]/);
  refused({ specs: [{ name: 'dense/kernel', shape: [3, 2, 1] }, specs[1], specs[2]], values: w.values }, /dense\/kernel has shape \[3,2,1\], expected \[3,2\]/);
  refused({ specs, values: [new Float32Array(5), w.values[1], w.values[2]] }, /dense\/kernel holds 5 values, its shape needs 6/);
  refused({ specs, values: [w.values[0], w.values[1], new Float32Array(0)] }, /scalar holds 0 values, its shape needs 1/);
});

test('checkWeights: a non-finite value is refused with its position unless finite = false', () => {
  const w = good();
  w.values[1][1] = NaN;
  refused(w, /dense\/bias\[1\] is NaN \(non-finite\)/);
  checkWeights(w, specs, 'update from site-2', false);
  const inf = good();
  inf.values[0][4] = -Infinity;
  refused(inf, /dense\/kernel\[4\] is -Infinity/);
});
