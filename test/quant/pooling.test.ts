/**
 * Pooling in the quantized model against tfjs's own pooling: average pooling folded into the
 * next dense layer (tf.avgPool on the dequantized map, then the layer in float), and 2×2 max
 * pooling as three ReLU layers of comparisons (tf.maxPool on the levels: exact). The max pool
 * also compiles: noise-free simulation equals the clear model, at 7 PBS per pooled output.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { QuantizedDense, QuantizedModel, foldAveragePool, maxPoolLayers, maxPoolPbs, runQuantized, dequantize } from '../../src/quant';
import { QuantParams } from '../../src/quant/quantizer';
import { compileCircuit, formatCompileReport } from '../../src/fhe/tfhe/compile';
import { simulateCircuit } from '../../src/fhe/tfhe/run';
import { SeededRng } from '../../src/util/rng';

before(async () => {
  await selectBackend({ quiet: true });
});

const Q3: QuantParams = { scale: 0.25, zeroPoint: 0, qmin: 0, qmax: 7, bits: 3, signed: false } as QuantParams;

function levels(rng: SeededRng, n: number, q: QuantParams): Int32Array {
  return Int32Array.from({ length: n }, () => q.qmin + rng.nextInt(q.qmax - q.qmin + 1));
}

test('average pooling folded into the next dense layer equals tf.avgPool then that layer', () => {
  const rng = new SeededRng(31);
  for (const [h, w, c, k] of [
    [6, 6, 3, 2],
    [7, 9, 2, 3],
  ]) {
    const count = 3;
    const ph = Math.floor(h / k);
    const pw = Math.floor(w / k);
    const pooledSize = ph * pw * c;
    const outputs = 4;
    // a signed-zero-point input quantizer, so the fold's zero-point term is exercised
    const q: QuantParams = { scale: 0.2, zeroPoint: 3, qmin: 0, qmax: 7, bits: 3, signed: false } as QuantParams;
    const next: QuantizedDense = {
      kind: 'dense',
      inputs: pooledSize,
      outputs,
      weights: Array.from({ length: outputs * pooledSize }, () => rng.nextInt(7) - 3),
      weightBits: 3,
      weightScales: Array.from({ length: outputs }, () => 0.05 + rng.next() * 0.1),
      bias: Array.from({ length: outputs }, () => rng.next() - 0.5),
      activation: 'linear',
      // fine output quantizer: its levels read the pre-activation to ±0.0005
      output: { scale: 0.001, zeroPoint: 0, qmin: -32768, qmax: 32767, bits: 16, signed: true } as QuantParams,
    };
    const { layer, pooled } = foldAveragePool({ height: h, width: w, channels: c }, k, next);
    assert.deepEqual(pooled, { height: ph, width: pw, channels: c });
    const x = levels(rng, count * h * w * c, q);
    const model: QuantizedModel = { format: 'privlab.quantized-model', version: 1, input: q, layers: [layer] };
    const got = runQuantized(model, x, count).values;
    const real = Float32Array.from(x, (v) => dequantize(v, q));
    const pooledReal = tf.tidy(() => tf.avgPool(tf.tensor4d(real, [count, h, w, c]), k, k, 'valid').dataSync());
    for (let s = 0; s < count; s++) {
      for (let o = 0; o < outputs; o++) {
        let want = next.bias[o];
        for (let j = 0; j < pooledSize; j++) want += next.weightScales[o] * next.weights[o * pooledSize + j] * pooledReal[s * pooledSize + j];
        assert.ok(Math.abs(got[s * outputs + o] - want) <= 6e-4, `${h}x${w}x${c} k${k} sample ${s} output ${o}: ${got[s * outputs + o]} vs ${want}`);
      }
    }
  }
  assert.throws(() => foldAveragePool({ height: 4, width: 4, channels: 1 }, 2, { ...({} as QuantizedDense), inputs: 5 }), RangeError);
});

test('2x2 max pooling by comparisons equals tf.maxPool exactly, and compiles at 7 PBS per pooled output', () => {
  const rng = new SeededRng(32);
  const shape = { height: 4, width: 6, channels: 2 };
  const count = 50;
  const { layers, pooled } = maxPoolLayers(shape, 2, Q3);
  const model: QuantizedModel = { format: 'privlab.quantized-model', version: 1, input: Q3, layers };
  const x = levels(rng, count * 4 * 6 * 2, Q3);
  const got = runQuantized(model, x, count).outputs;
  const want = tf.tidy(() => tf.maxPool(tf.tensor4d(Float32Array.from(x), [count, 4, 6, 2]), 2, 2, 'valid').dataSync());
  assert.deepEqual(Array.from(got), Array.from(want, Math.round));
  const outputsPerSample = pooled.height * pooled.width * pooled.channels;
  assert.equal(outputsPerSample, 12);

  // compiled: the inputs are levels, so the input set is their real values
  const inputset = Float32Array.from(x, (v) => dequantize(v, Q3));
  const c = compileCircuit(model, inputset, { parameterSet: 'V1_6_PARAM_MESSAGE_3_CARRY_0_KS_PBS_GAUSSIAN_2M128' });
  const poolingPbs = c.report.layers.reduce((s, l) => s + l.pbs, 0) - outputsPerSample * (c.report.outputDigits - 1);
  assert.equal(poolingPbs, maxPoolPbs(2) * outputsPerSample, 'PBS of the pooling layers in the compile report');
  assert.deepEqual(
    c.report.layers.map((l) => l.role),
    ['max-pool 1/3', 'max-pool 2/3', 'max-pool 3/3'],
  );
  assert.match(formatCompileReport(c.report), /layer 0: 48→48 relu \(max-pool 1\/3\), 48 PBS/);
  assert.deepEqual(Array.from(simulateCircuit(c, x, count).outputs), Array.from(got));

  assert.throws(() => maxPoolLayers(shape, 2, { ...Q3, zeroPoint: 2 }), /unsigned quantizer/);
  assert.throws(() => maxPoolLayers(shape, 3, Q3), RangeError);
});
