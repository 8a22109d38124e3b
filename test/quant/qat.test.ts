import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { Mlp } from '../../src/nn/mlp';
import { Gan } from '../../src/nn/gan';
import { ganOptimizers, ganTrainStep } from '../../src/nn/gan-step';
import { QatTransform, fakeQuantKernel } from '../../src/quant/qat';
import { quantizeInputs, runQuantized, checkQuantizedModel, dequantize } from '../../src/quant';
import { SeededRng } from '../../src/util/rng';

before(async () => {
  await selectBackend({ quiet: true });
});

function onGrid(values: ArrayLike<number>, p: { scale: number; zeroPoint: number; qmin: number; qmax: number }): boolean {
  for (let i = 0; i < values.length; i++) {
    const q = values[i] / p.scale + p.zeroPoint;
    if (Math.abs(q - Math.round(q)) > 1e-3 || Math.round(q) < p.qmin || Math.round(q) > p.qmax) return false;
  }
  return true;
}

test('kernel fake quantization: 2^b−1 levels per column, scale from max |w|, identity gradient', () => {
  const w = tf.tensor2d([
    [0.1, -2],
    [0.7, 1],
    [-0.7, 0.05],
  ]);
  const q = tf.tidy(() => fakeQuantKernel(w, 3)).arraySync();
  // Column 0: max 0.7 → scale 0.1 (qmax 3 for 3-bit narrow? no: qmax = 3) → 0.7/3.
  const s0 = 0.7 / 3,
    s1 = 2 / 3;
  assert.ok(Math.abs(q[0][0] - Math.round(0.1 / s0) * s0) < 1e-6);
  assert.ok(Math.abs(q[2][1] - Math.round(0.05 / s1) * s1) < 1e-6);
  assert.ok(Math.abs(q[0][1] + 2) < 1e-6, 'the largest weight is exact');
  const g = tf.tidy(() =>
    tf
      .grad((x: tf.Tensor) =>
        fakeQuantKernel(x as tf.Tensor2D, 3)
          .mul(
            tf.tensor2d([
              [1, 2],
              [3, 4],
              [5, 6],
            ]),
          )
          .sum(),
      )(w)
      .arraySync(),
  );
  assert.deepEqual(g, [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  w.dispose();
});

test('1-bit inputs (binarized pixels) need a fixed range that starts at zero or above', () => {
  const mlp = new Mlp({ sizes: [4, 3, 2], hiddenActivation: 'relu', outputActivation: 'linear' }, new SeededRng(2));
  for (const min of [0, 0.25]) {
    const qat = new QatTransform(mlp, { weightBits: 4, activationBits: 4, inputBits: 1, inputRange: { min, max: 1 } });
    const p = qat.params(-1);
    assert.deepEqual([p.qmin, p.qmax, p.signed], [0, 1, false], `range [${min}, 1]`);
  }
  assert.throws(() => new QatTransform(mlp, { weightBits: 4, activationBits: 4, inputBits: 1, inputRange: { min: -1, max: 1 } }), /2 to 8/);
  assert.throws(() => new QatTransform(mlp, { weightBits: 4, activationBits: 4, inputBits: 1 }), /2 to 8/);
  mlp.dispose();
});

test('QAT forward: every layer output lies on its quantization grid; ranges follow the data', () => {
  const mlp = new Mlp({ sizes: [6, 16, 8, 3], hiddenActivation: 'leakyrelu', outputActivation: 'tanh' }, new SeededRng(1));
  const qat = new QatTransform(mlp, { weightBits: 4, activationBits: 4, inputRange: { min: -3, max: 3 }, outputRange: { min: -1, max: 1 } });
  mlp.transform = qat;
  const x = tf.randomNormal([64, 6], 0, 1, 'float32', 2);
  const y = mlp.apply(x as tf.Tensor2D);
  assert.ok(onGrid(y.dataSync(), qat.params(2)), 'final output on the 4-bit grid of [-1, 1]');
  assert.equal(qat.params(2).qmin, -8);
  assert.ok(qat.state().outputs[0] !== null, 'hidden ranges observed');
  // With training off, the ranges stay put.
  qat.training = false;
  const before = JSON.stringify(qat.state());
  tf.dispose(mlp.apply(tf.mul(x, 10) as tf.Tensor2D));
  assert.equal(JSON.stringify(qat.state()), before);
  tf.dispose([x, y]);
  mlp.dispose();
});

test('QAT trains through the STE and its export runs in integers to the same outputs', () => {
  const rng = new SeededRng(3);
  const mlp = new Mlp({ sizes: [4, 12, 2], hiddenActivation: 'relu', outputActivation: 'linear' }, rng);
  const qat = new QatTransform(mlp, { weightBits: 4, activationBits: 5, inputRange: { min: -2, max: 2 } });
  mlp.transform = qat;
  const x = tf.randomUniform([256, 4], -2, 2, 'float32', 4) as tf.Tensor2D;
  const target = tf.tidy(() =>
    tf.stack(
      [
        x
          .slice([0, 0], [-1, 1])
          .mul(0.5)
          .add(x.slice([0, 1], [-1, 1]))
          .squeeze(),
        x.slice([0, 2], [-1, 1]).relu().squeeze(),
      ],
      1,
    ),
  );
  const opt = tf.train.adam(0.02);
  const loss = (): tf.Scalar => tf.losses.meanSquaredError(target, mlp.apply(x)) as tf.Scalar;
  const first = tf.tidy(() => loss().dataSync()[0]);
  for (let i = 0; i < 150; i++)
    tf.tidy(() => {
      opt.minimize(loss, false, mlp.variables());
    });
  const last = tf.tidy(() => loss().dataSync()[0]);
  assert.ok(last < first * 0.3, `QAT loss ${first} → ${last}`);

  qat.training = false;
  const model = checkQuantizedModel(qat.exportModel({ test: true }));
  assert.equal(model.meta?.method, 'qat');
  const qatOut = tf.tidy(() => mlp.apply(x).dataSync());
  const xs = x.dataSync();
  const run = runQuantized(model, quantizeInputs(model, xs), 256);
  const step = model.layers[1].output.scale;
  let same = 0;
  for (let i = 0; i < qatOut.length; i++) if (Math.abs(run.values[i] - qatOut[i]) < 1e-4) same++;
  // Float rounding may move a value across a rounding boundary: one step at most, rarely.
  assert.ok(same / qatOut.length >= 0.99, `${same}/${qatOut.length} integer outputs equal the QAT forward`);
  for (let i = 0; i < qatOut.length; i++) assert.ok(Math.abs(run.values[i] - qatOut[i]) <= step + 1e-4);
  // The input grid covers [-2, 2] to within one step (the rounded zero point shifts it).
  const s = model.input.scale;
  assert.ok(dequantize(model.input.qmin, model.input) <= -2 + s && dequantize(model.input.qmax, model.input) >= 2 - s);
  tf.dispose([x, target]);
  opt.dispose();
  mlp.dispose();
});

test('a QAT generator trains inside the GAN step; its images are 4-bit', () => {
  const gan = new Gan({ latentDim: 8, generatorHidden: [32], discriminatorHidden: [32], imageHeight: 4, imageWidth: 4 }, 5);
  const qat = new QatTransform(gan.generator, { weightBits: 4, activationBits: 4, inputRange: { min: -3, max: 3 }, outputRange: { min: -1, max: 1 } });
  gan.generator.transform = qat;
  const opt = ganOptimizers(gan);
  const rng = new SeededRng(6);
  const real = tf.randomUniform([16, 16], -1, 1, 'float32', 7) as tf.Tensor2D;
  const g0 = Array.from(gan.generator.layers[0].kernel.dataSync());
  for (let i = 0; i < 5; i++) {
    const l = ganTrainStep(gan, opt, real, rng);
    assert.ok(Number.isFinite(l.d) && Number.isFinite(l.g));
  }
  assert.notDeepEqual(Array.from(gan.generator.layers[0].kernel.dataSync()), g0, 'gradients reach the float weights');
  const img = tf.tidy(() => gan.generate(gan.sampleLatent(rng, 8)).dataSync());
  const levels = new Set(Array.from(img).map((v) => Math.round((v + 1) * 7.5)));
  assert.ok(levels.size <= 16 && onGrid(img, qat.params(1)));
  real.dispose();
  gan.dispose();
});

test('the QAT forward follows weight updates made in place by the fused Adam (no stale quantized kernels)', () => {
  const gan = new Gan({ latentDim: 8, generatorHidden: [32], discriminatorHidden: [32], imageHeight: 4, imageWidth: 4 }, 9);
  const cfg = { weightBits: 4, activationBits: 4, inputRange: { min: -3, max: 3 }, outputRange: { min: -1, max: 1 } };
  const qat = new QatTransform(gan.generator, cfg);
  gan.generator.transform = qat;
  const opt = ganOptimizers(gan);
  const rng = new SeededRng(10);
  const real = tf.randomUniform([16, 16], -1, 1, 'float32', 11) as tf.Tensor2D;
  const z = tf.randomNormal([8, 8], 0, 1, 'float32', 12) as tf.Tensor2D;
  for (let i = 0; i < 3; i++) {
    ganTrainStep(gan, opt, real, rng);
    // A fresh transform with the same ranges and no cache: what the current weights give.
    qat.training = false;
    const fresh = new QatTransform(gan.generator, cfg);
    fresh.restore(qat.state());
    fresh.training = false;
    const cached = tf.tidy(() => gan.generate(z).dataSync().slice());
    gan.generator.transform = fresh;
    const expected = tf.tidy(() => gan.generate(z).dataSync().slice());
    gan.generator.transform = qat;
    qat.training = true;
    fresh.dispose();
    assert.deepEqual(Array.from(cached), Array.from(expected), `step ${i}: cached forward matches the current weights`);
  }
  qat.dispose();
  tf.dispose([real, z]);
  gan.dispose();
});

test('QAT percentile ranges clip activation outliers that min/max ranges follow', () => {
  const ranges = (pct?: number): { min: number; max: number } => {
    // An identity layer: the observed range is the input's, one value of which is an outlier.
    const mlp = new Mlp({ sizes: [1, 1], hiddenActivation: 'linear', outputActivation: 'linear' }, new SeededRng(1));
    mlp.layers[0].kernel.assign(tf.tensor2d([[1]]));
    mlp.layers[0].bias.assign(tf.tensor1d([0]));
    const qat = new QatTransform(mlp, { weightBits: 8, activationBits: 4, inputBits: 8, activationPercentile: pct });
    mlp.transform = qat;
    const xs = Float32Array.from({ length: 1000 }, (_, i) => (i / 999) * 2 - 1);
    xs[500] = 60;
    const x = tf.tensor2d(xs, [1000, 1]);
    tf.dispose(mlp.apply(x));
    const r = qat.state().outputs[0]!;
    tf.dispose(x);
    qat.dispose();
    mlp.dispose();
    return r;
  };
  const mm = ranges();
  const p = ranges(99);
  // The 8-bit input grid (step 61/255) moves values a little; the outlier survives min/max.
  assert.ok(mm.max > 50, `min/max range ${JSON.stringify(mm)}`);
  assert.ok(p.max < 10 && p.min > -10, `99th-percentile range ${JSON.stringify(p)}`);
  assert.throws(
    () => new QatTransform(new Mlp({ sizes: [1, 1] }, new SeededRng(1)), { weightBits: 4, activationBits: 4, activationPercentile: 30 }),
    /activationPercentile/,
  );
});
