/**
 * Encrypted MLP inference with clear weights against the same network in float64: dense → x² →
 * dense (depth 3) and dense → TenSEAL's cubic sigmoid (depth 3), on a seeded random network, within
 * the CKKS error at scale 2^40; too deep a network is a RangeError.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TENSEAL_SIGMOID } from '../../../src/fhe/ckks';
import { inferEncrypted, inferPlain, packInput, networkDepth, networkRotationSteps, type DenseLayer } from '../../../src/fhe/ckks/mlp';
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
let k: Ckks;
before(async () => {
  k = await setUp(PRECISE, [...new Set([...networkRotationSteps(squareNet), ...networkRotationSteps(sigmoidNet)])]);
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
