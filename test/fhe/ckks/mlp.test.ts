/**
 * Encrypted MLP inference with clear weights against the same network in float64: dense → x² →
 * dense (depth 3) and dense → TenSEAL's cubic sigmoid (depth 3), on a seeded random network, within
 * the CKKS error at scale 2^40; too deep a network is a RangeError.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TENSEAL_SIGMOID, sealHeapBytes } from '../../../src/fhe/ckks';
import {
  inferEncrypted,
  inferPlain,
  packInput,
  packInputs,
  unpackOutputs,
  networkBatchSize,
  networkDepth,
  networkRotationSteps,
  type DenseLayer,
} from '../../../src/fhe/ckks/mlp';
import { PRECISE, setUp, randomVector, maxAbsDiff, type Ckks } from './fixtures';

function dense(seed: number, outputs: number, inputs: number, activation: DenseLayer['activation']): DenseLayer {
  const scale = 1 / Math.sqrt(inputs);
  return {
    weights: Array.from({ length: outputs }, (_, r) => Array.from(randomVector(seed * 100 + r, inputs, -scale, scale))),
    bias: Array.from(randomVector(seed * 100 + 99, outputs, -0.1, 0.1)),
    activation,
  };
}

const squareNet = [dense(1, 16, 12, 'square'), dense(2, 5, 16, 'none')];
const sigmoidNet = [dense(3, 10, 12, { polynomial: TENSEAL_SIGMOID })];
// A 20-wide input (period 32) with an offset after the x²: 4096 / 64 = 64 inputs per ciphertext.
const offsetNet: DenseLayer[] = [{ ...dense(6, 24, 20, 'square'), offset: Array.from(randomVector(7, 24, -1, 1)) }, dense(8, 3, 24, 'none')];
let k: Ckks;
before(async () => {
  const steps = [...networkRotationSteps(squareNet), ...networkRotationSteps(sigmoidNet), ...networkRotationSteps(offsetNet, 'batched')];
  k = await setUp(PRECISE, [...new Set(steps)]);
});
after(() => k.dispose());

test('dense → x² → dense and dense → cubic sigmoid: encrypted = float64 within 1e-5', () => {
  assert.deepEqual([networkDepth(squareNet), networkDepth(sigmoidNet)], [3, 3]);
  for (const [net, outputs] of [
    [squareNet, 5],
    [sigmoidNet, 10],
  ] as const) {
    for (let s = 0; s < 3; s++) {
      const x = Array.from(randomVector(50 + s, 12, -2, 2));
      const ct = k.enc.encrypt(packInput(net, x, k.ctx.slotCount));
      const y = inferEncrypted(k.ctx, net, ct, k.keys);
      try {
        const got = k.dec.decrypt(y, outputs);
        const want = inferPlain(net, x);
        assert.ok(maxAbsDiff(got, want) < 1e-5, `max error ${maxAbsDiff(got, want)}`);
      } finally {
        y.delete();
        ct.delete();
      }
    }
  }
});

test('a network deeper than the parameters is a RangeError', () => {
  const deep = [...squareNet.slice(0, 1), dense(4, 16, 16, 'square'), dense(5, 5, 16, 'none')];
  const ct = k.enc.encrypt(packInput(deep, [1], k.ctx.slotCount));
  try {
    assert.throws(() => inferEncrypted(k.ctx, deep, ct, k.keys), /needs depth 5; the ciphertext has 3/);
  } finally {
    ct.delete();
  }
});

test('batched layout: 64 inputs in one ciphertext, each as its own replicated-layout inference', () => {
  assert.equal(networkBatchSize(offsetNet, k.ctx.slotCount), 64);
  const xs = Array.from({ length: 64 }, (_, i) => Array.from(randomVector(200 + i, 20, -1, 1)));
  const ct = k.enc.encrypt(packInputs(offsetNet, xs, k.ctx.slotCount));
  const y = inferEncrypted(k.ctx, offsetNet, ct, k.keys, 'batched');
  try {
    const got = unpackOutputs(offsetNet, k.dec.decrypt(y), 64);
    let worst = 0;
    xs.forEach((x, i) => (worst = Math.max(worst, maxAbsDiff(got[i], inferPlain(offsetNet, x)))));
    assert.ok(worst < 1e-5, `max error ${worst}`);
    // the offset matters: without it the outputs differ by far more than the error
    const noOffset = inferPlain([{ ...offsetNet[0], offset: undefined }, offsetNet[1]], xs[0]);
    assert.ok(maxAbsDiff(noOffset, got[0]) > 1e-2);
  } finally {
    y.delete();
    ct.delete();
  }
  assert.throws(() => packInputs(offsetNet, new Array(65).fill([0]), k.ctx.slotCount), /at most 64/);
});

test('batched inference deletes what it allocates: SEAL heap flat over 30 runs after a warm-up', () => {
  const ct = k.enc.encrypt(packInputs(offsetNet, [Array.from(randomVector(500, 20, -1, 1))], k.ctx.slotCount));
  try {
    const run = (): void => inferEncrypted(k.ctx, offsetNet, ct, k.keys, 'batched').delete();
    for (let i = 0; i < 5; i++) run();
    const warm = sealHeapBytes();
    for (let i = 0; i < 30; i++) run();
    assert.ok(sealHeapBytes() <= warm + 2 ** 20, `heap grew from ${warm} to ${sealHeapBytes()} bytes`);
  } finally {
    ct.delete();
  }
});
