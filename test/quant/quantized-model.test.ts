import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  checkQuantizedModel,
  loadQuantizedModel,
  neuronFunction,
  QuantizedModel,
  quantizeInputs,
  quantizeLayers,
  runFloat,
  runQuantized,
  saveQuantizedModel,
} from '../../src/quant';
import { DataFileError } from '../../src/data/errors';
import { SeededRng } from '../../src/util/rng';
import { randomLayers } from '../../src/quant/random-layers';
import { tmpDir } from '../support/tmp';

const dir = tmpDir('privlab-qmodel-');

test('a hand-computed two-layer model gives the expected integers', () => {
  const model: QuantizedModel = {
    format: 'privlab.quantized-model',
    version: 1,
    input: { scale: 0.5, zeroPoint: 1, qmin: 0, qmax: 3, bits: 2, signed: false },
    layers: [
      {
        kind: 'dense',
        inputs: 2,
        outputs: 1,
        weights: [1, -1],
        weightBits: 2,
        weightScales: [2],
        bias: [0.5],
        activation: 'relu',
        output: { scale: 1, zeroPoint: 0, qmin: 0, qmax: 3, bits: 2, signed: false },
      },
      {
        kind: 'dense',
        inputs: 1,
        outputs: 1,
        weights: [1],
        weightBits: 2,
        weightScales: [1],
        bias: [-1],
        activation: 'linear',
        output: { scale: 1, zeroPoint: -2, qmin: -2, qmax: 1, bits: 2, signed: true },
      },
    ],
  };
  // x = [1.5, 0] → q = [round(3)+1 → clamp 3, 0+1 = 1]; acc = 3 − 1 = 2; pre = 2·0.5·(2 − 1·0) + 0.5 = 2.5 → relu 2.5 → q = 3 (round half away... Math.round(2.5) = 3)
  // layer 2: acc = 3; pre = 1·1·(3 − 0) − 1 = 2 → q = 2 + (−2) = 0.
  const xq = quantizeInputs(model, [1.5, 0]);
  assert.deepEqual(Array.from(xq), [3, 1]);
  const run = runQuantized(model, xq, 1);
  assert.deepEqual(Array.from(run.accumulators[0]), [2]);
  assert.deepEqual(Array.from(run.accumulators[1]), [3]);
  assert.deepEqual(Array.from(run.outputs), [0]);
  assert.equal(run.values[0], 2);
  assert.equal(neuronFunction(model.layers[0], 0, model.input)(-5), 0, 'relu then quantize');
});

test('PTQ at 8 bits tracks the float model closely; fewer bits, larger error', () => {
  const rng = new SeededRng(4);
  const layers = randomLayers(rng, [20, 32, 16, 5], ['relu', 'leakyrelu', 'tanh']);
  const n = 400;
  const x = Float32Array.from({ length: n * 20 }, () => rng.next() * 2 - 1);
  const ref = runFloat(layers, x, n);
  const errAt = (bits: number): number => {
    const model = quantizeLayers(layers, x, n, { weightBits: bits, activationBits: bits });
    checkQuantizedModel(model);
    const out = runQuantized(model, quantizeInputs(model, x), n).values;
    let e = 0;
    for (let i = 0; i < out.length; i++) e += Math.abs(out[i] - ref[i]);
    return e / out.length;
  };
  const e8 = errAt(8),
    e6 = errAt(6),
    e4 = errAt(4),
    e3 = errAt(3);
  assert.ok(e8 < 0.02, `8-bit mean abs error ${e8}`);
  assert.ok(e8 < e6 && e6 < e4 && e4 < e3, `error grows as bits shrink: ${[e8, e6, e4, e3]}`);
  const m4 = quantizeLayers(layers, x, n, { weightBits: 4, activationBits: 4 });
  assert.equal(m4.layers[0].output.signed, false, 'ReLU outputs get an unsigned grid');
  assert.equal(m4.layers[1].output.signed, true);
  assert.ok(
    m4.layers.every((l) => l.weights.every((w) => w >= -7 && w <= 7)),
    '4-bit narrow symmetric weights',
  );
});

test('PTQ calibrates each layer’s output quantizer on that layer’s outputs over every calibration input (the float pass, by hand)', () => {
  const rng = new SeededRng(6);
  const layers = randomLayers(rng, [6, 5, 3], ['leakyrelu', 'linear']);
  for (const count of [1, 2, 7]) {
    const x = Float32Array.from({ length: count * 6 }, () => rng.next() * 2 - 1);
    // the first input is the largest by far, so a calibration that misses it is seen
    for (let i = 0; i < 6; i++) x[i] *= 4;
    const model = quantizeLayers(layers, x, count, { weightBits: 8, activationBits: 8, meta: { source: 'test' } });
    let input: Float32Array = x;
    model.layers.forEach((q, l) => {
      const y = runFloat([layers[l]], input, count);
      const lo = Math.min(0, ...y);
      const hi = Math.max(0, ...y);
      const p = q.output;
      // the grid's ends are the observed range (zero included), to within the 8-bit path's error (measured: < 2 %)
      const tol = 0.05 * (hi - lo);
      assert.ok(Math.abs((p.qmin - p.zeroPoint) * p.scale - lo) <= tol, `layer ${l}, ${count} inputs: low end ${(p.qmin - p.zeroPoint) * p.scale} vs ${lo}`);
      assert.ok(Math.abs((p.qmax - p.zeroPoint) * p.scale - hi) <= tol, `layer ${l}, ${count} inputs: high end ${(p.qmax - p.zeroPoint) * p.scale} vs ${hi}`);
      input = y;
    });
    assert.deepEqual(model.meta, { method: 'ptq', weightBits: 8, activationBits: 8, inputBits: 8, calibration: { kind: 'minmax' }, source: 'test' });
  }
});

test('save/load round trip; malformed models are refused with the layer and field', () => {
  const rng = new SeededRng(5);
  const layers = randomLayers(rng, [4, 3, 2], ['relu', 'linear']);
  const x = Float32Array.from({ length: 40 }, () => rng.next());
  const model = quantizeLayers(layers, x, 10, { weightBits: 3, activationBits: 3, inputRange: { min: 0, max: 1 } });
  const file = path.join(dir, 'm.json');
  saveQuantizedModel(file, model);
  assert.deepEqual(loadQuantizedModel(file), JSON.parse(JSON.stringify(model)));
  const bad = (mutate: (m: QuantizedModel) => void, pattern: RegExp): void => {
    const m = JSON.parse(JSON.stringify(model)) as QuantizedModel;
    mutate(m);
    assert.throws(() => checkQuantizedModel(m), pattern);
  };
  bad((m) => {
    m.layers[1].inputs = 4;
    m.layers[1].weights.push(0, 0);
  }, /layer 1: has 4 inputs but the previous layer has 3 outputs/);
  bad((m) => {
    m.layers[0].weights[0] = 9;
  }, /layer 0: weight 0 = 9 is not a 3-bit signed integer/);
  bad((m) => {
    m.layers[0].output.zeroPoint = 99;
  }, /layer 0 output: zero point 99 outside/);
  bad((m) => {
    (m.layers[1] as { activation: string }).activation = 'swish';
  }, /layer 1: unknown activation swish/);
  bad((m) => {
    (m as { version: number }).version = 2;
  }, /unsupported version 2/);
  fs.writeFileSync(path.join(dir, 'broken.json'), '{"format":');
  assert.throws(
    () => loadQuantizedModel(path.join(dir, 'broken.json')),
    (e: unknown) => e instanceof DataFileError && /not valid JSON/.test(e.message),
  );
});

test('the structure checks at their boundaries: no layers, a 1-input layer (valid) and a 0-input one, every weight scale positive and finite', () => {
  const rng = new SeededRng(8);
  const x = Float32Array.from({ length: 20 }, () => rng.next());
  // one input feature is a valid layer: the smallest allowed
  const narrow = quantizeLayers(randomLayers(rng, [1, 2], ['linear']), x, 20, { weightBits: 4, activationBits: 4, inputRange: { min: 0, max: 1 } });
  assert.equal(checkQuantizedModel(narrow).layers[0].inputs, 1);
  const bad = (mutate: (m: QuantizedModel) => void, pattern: RegExp): void => {
    const m = JSON.parse(JSON.stringify(narrow)) as QuantizedModel;
    mutate(m);
    assert.throws(() => checkQuantizedModel(m), pattern);
  };
  bad((m) => {
    m.layers = [];
  }, /layers: at least one layer is needed/);
  bad((m) => {
    m.layers[0].inputs = 0;
    m.layers[0].weights = [];
  }, /layer 0: inputs and outputs must be positive integers/);
  bad((m) => {
    (m.layers[0] as { kind: string }).kind = 'conv';
  }, /layer 0: unsupported kind conv/);
  // each bad scale alone, the other one good: zero, negative, infinite, NaN; and a missing one
  for (const s of [0, -0.5, Infinity, NaN]) {
    bad((m) => {
      m.layers[0].weightScales[1] = s;
    }, /layer 0: needs 2 positive weight scales/);
  }
  bad((m) => {
    m.layers[0].weightScales.pop();
  }, /layer 0: needs 2 positive weight scales/);
});
