import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  dequantize,
  intRange,
  MinMaxObserver,
  paramsFromRange,
  PercentileObserver,
  perChannelParams,
  quantize,
  quantizeArray,
  calibrate,
  arrayRange,
} from '../../src/quant';
import { fakeQuant, fakeQuantPerChannel } from '../../src/quant/fake-quant';
import { SeededRng } from '../../src/util/rng';

test('integer ranges for every bit-width, signed/unsigned, narrow/wide', () => {
  for (let b = 2; b <= 8; b++) {
    assert.deepEqual(intRange({ bits: b, signed: true }), { qmin: -(2 ** (b - 1)), qmax: 2 ** (b - 1) - 1 });
    assert.deepEqual(intRange({ bits: b, signed: true, narrow: true }), { qmin: -(2 ** (b - 1)) + 1, qmax: 2 ** (b - 1) - 1 });
    assert.deepEqual(intRange({ bits: b, signed: false }), { qmin: 0, qmax: 2 ** b - 1 });
    assert.deepEqual(intRange({ bits: b, signed: false, narrow: true }), { qmin: 0, qmax: 2 ** b - 2 });
  }
  assert.throws(() => intRange({ bits: 1, signed: true }), /2 to 8/);
  // one unsigned bit: binarized inputs, {0, 1}; a pixel in [0, 1] rounds at 0.5
  assert.deepEqual(intRange({ bits: 1, signed: false }), { qmin: 0, qmax: 1 });
  const bin = paramsFromRange(0, 1, { bits: 1, signed: false });
  assert.deepEqual(
    [0, 0.49, 0.51, 1].map((x) => quantize(x, bin)),
    [0, 0, 1, 1],
  );
  assert.throws(() => intRange({ bits: 9, signed: false }), /2 to 8/);
  assert.throws(() => paramsFromRange(0, 1, { bits: 4, signed: false, symmetric: true }), /symmetric quantizer must be signed/);
});

test('round trip error is at most half a step inside the range; values stay within the bit-width', () => {
  const rng = new SeededRng(1);
  for (const spec of [
    { bits: 4, signed: true },
    { bits: 6, signed: false },
    { bits: 3, signed: true, narrow: true, symmetric: true },
    { bits: 8, signed: true },
  ]) {
    const lo = -1.7,
      hi = 2.3;
    const p = paramsFromRange(lo, hi, spec);
    for (let i = 0; i < 2000; i++) {
      const x = lo + (hi - lo) * rng.next();
      const q = quantize(x, p);
      assert.ok(Number.isInteger(q) && q >= p.qmin && q <= p.qmax);
      const back = dequantize(q, p);
      const inside = x >= dequantize(p.qmin, p) && x <= dequantize(p.qmax, p);
      if (inside) assert.ok(Math.abs(back - x) <= p.scale / 2 + 1e-12, `${JSON.stringify(spec)} x=${x} back=${back}`);
    }
    assert.equal(dequantize(quantize(0, p), p), 0, 'zero is exact');
    assert.equal(quantize(1e9, p), p.qmax);
    assert.equal(quantize(-1e9, p), p.qmin);
  }
});

test('affine parameters use the whole grid; symmetric ones have zero point 0', () => {
  const p = paramsFromRange(-1, 3, { bits: 4, signed: false });
  assert.equal(p.scale, 4 / 15);
  assert.equal(p.zeroPoint, 4);
  const s = paramsFromRange(-0.5, 2, { bits: 4, signed: true, narrow: true, symmetric: true });
  assert.deepEqual([s.zeroPoint, s.scale, s.qmin], [0, 2 / 7, -7]);
  const pos = paramsFromRange(0.5, 1, { bits: 2, signed: false });
  assert.equal(quantize(0, pos), 0, 'the range is widened to contain 0');
  assert.throws(() => paramsFromRange(2, 1, { bits: 4, signed: true }), /invalid calibration range/);
});

test("per-channel parameters follow each channel's own range", () => {
  // 2 rows x 3 cols; axis 0 → per row, axis 1 → per column.
  const w = [-1, 0, 1, -8, 0, 8];
  const rows = perChannelParams(w, 2, 3, 0, { bits: 4, signed: true, symmetric: true });
  assert.deepEqual(
    rows.map((p) => p.scale),
    [1 / 7, 8 / 7],
  );
  const cols = perChannelParams(w, 2, 3, 1, { bits: 4, signed: true, symmetric: true });
  assert.deepEqual(
    cols.map((p) => p.scale),
    [8 / 7, 1, 8 / 7],
  );
  assert.deepEqual(Array.from(quantizeArray([-1, 1], rows[0])), [-7, 7]);
});

test('arrayRange is the smallest and largest value (Math.min / Math.max); an empty array is an error', () => {
  const rng = new SeededRng(8);
  for (const n of [1, 2, 33]) {
    const xs = Float32Array.from({ length: n }, () => rng.next() * 10 - 5);
    assert.deepEqual(arrayRange(xs), { min: Math.min(...xs), max: Math.max(...xs) }, `${n} values`);
  }
  // extremes at either end and in the middle
  assert.deepEqual(arrayRange([3, -2, 7, 1]), { min: -2, max: 7 });
  assert.deepEqual(arrayRange([9, 1, 2]), { min: 1, max: 9 });
  assert.deepEqual(arrayRange([1, 2, -9]), { min: -9, max: 2 });
  assert.throws(() => arrayRange([]), /cannot calibrate on an empty array/);
  assert.throws(() => perChannelParams([1, 2, 3], 2, 2, 0, { bits: 4, signed: true }), /2x2 needs 4 values, got 3/);
});

test('calibration: min/max covers everything, percentile clips outliers', () => {
  const mm = new MinMaxObserver();
  const pc = new PercentileObserver(99);
  const values = Array.from({ length: 1000 }, (_, i) => i / 1000);
  values[500] = 50; // one outlier
  for (let k = 0; k < 1000; k += 100) {
    mm.observe(values.slice(k, k + 100));
    pc.observe(values.slice(k, k + 100));
  }
  assert.deepEqual(mm.range(), { min: 0, max: 50 });
  const r = pc.range();
  assert.ok(r.max < 1 && r.max > 0.98, `99th percentile ${r.max}`);
  assert.ok(r.min >= 0 && r.min < 0.02);
  assert.ok(calibrate(pc, { bits: 4, signed: false }).scale < calibrate(mm, { bits: 4, signed: false }).scale / 40);
  assert.throws(() => new MinMaxObserver().range(), /seen no values/);
  assert.throws(() => new PercentileObserver(99).range(), /seen no values/);
  assert.throws(() => new PercentileObserver(40), /percentile must be/);
});

test('fake quantization: forward equals quantize→dequantize; STE gradient is 1 inside, 0 where clipped', async () => {
  await tf.setBackend('cpu');
  const p = paramsFromRange(-1, 1, { bits: 3, signed: true, symmetric: true, narrow: true }); // step 1/3, range ±1
  const xs = [-2, -0.9, -0.2, 0, 0.16, 0.5, 0.99, 1.5];
  const before = tf.memory().numTensors;
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor1d(xs);
    const g = tf.grad((t: tf.Tensor) =>
      fakeQuant(t, p)
        .mul(tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8]))
        .sum(),
    );
    return { value: fakeQuant(x, p), grads: g(x) };
  });
  assert.deepEqual(
    Array.from(value.dataSync()).map((v) => Math.round(v * 3)),
    xs.map((x) => quantize(x, p)),
  );
  assert.deepEqual(Array.from(grads.dataSync()), [0, 2, 3, 4, 5, 6, 7, 0]);
  tf.dispose([value, grads]);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
});

test('per-channel fake quantization of a dense kernel [in x out]', async () => {
  await tf.setBackend('cpu');
  const w = [
    [0.1, 4],
    [-0.3, -2.1],
  ];
  const params = perChannelParams(w.flat(), 2, 2, 1, { bits: 4, signed: true, symmetric: true });
  const out = tf.tidy(() => fakeQuantPerChannel(tf.tensor2d(w), params).arraySync());
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) assert.ok(Math.abs(out[i][j] - dequantize(quantize(w[i][j], params[j]), params[j])) < 1e-6);
  assert.throws(() => fakeQuantPerChannel(tf.zeros([2, 3]) as tf.Tensor2D, params), /3 columns needs 3 parameter sets/);
});

test('fused fake-quant kernels and the composed fallback (other backends) agree, values and gradients', async () => {
  await tf.setBackend('cpu');
  const k = await import('../../src/quant/fake-quant-kernels');
  const names = await import('../../src/backend/kernel-names');
  const { fakeQuantKernel } = await import('../../src/quant/qat');
  const p = paramsFromRange(-0.7, 1.3, { bits: 4, signed: true });
  const cols = perChannelParams([-1, 2, 0.5, -0.25, 3, 1], 2, 3, 1, { bits: 3, signed: true });
  const x = tf.tensor2d([
    [-2, -0.3, 0.1],
    [0.9, 1.2, 5],
  ]);
  const weights = tf.tensor2d([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const run = (): number[][] =>
    tf.tidy(() => {
      const f = (t: tf.Tensor) => fakeQuant(t, p).mul(weights).sum();
      const g = (t: tf.Tensor) =>
        fakeQuantPerChannel(t as tf.Tensor2D, cols)
          .mul(weights)
          .sum();
      return [fakeQuant(x, p), tf.grad(f)(x), fakeQuantPerChannel(x, cols), tf.grad(g)(x), fakeQuantKernel(x, 3)].map((t) => Array.from(t.dataSync()));
    });
  const fused = run();
  const saved = [names.PrivlabFakeQuantAffine, names.PrivlabFakeQuantAffineGrad, names.PrivlabFakeQuantSymmetricColumns].map((name) =>
    tf.getKernel(name, 'cpu')!,
  );
  saved.forEach((c) => tf.unregisterKernel(c.kernelName, 'cpu'));
  try {
    assert.equal(k.hasKernel(names.PrivlabFakeQuantAffine), false);
    const composed = run();
    fused.forEach((a, i) => a.forEach((v, j) => assert.ok(Math.abs(v - composed[i][j]) < 1e-6, `output ${i}[${j}]: ${v} vs ${composed[i][j]}`)));
  } finally {
    saved.forEach((c) => tf.registerKernel(c));
  }
  assert.deepEqual(fused[1], [0, 2, 3, 4, 5, 0], 'STE: zero gradient where clipped');
  tf.dispose([x, weights]);
});

test('native/quant and the JavaScript loop give identical kernel fake quantization', async () => {
  const k = await import('../../src/quant/fake-quant-kernels');
  const rng = new SeededRng(31);
  const rows = 300,
    cols = 257;
  const v = Float32Array.from({ length: rows * cols }, (_, i) => (i % cols === 5 ? 0 : (rng.next() - 0.5) * (1 + (i % 7))));
  const js = k.symmetricColumnsLoop(v, rows, cols, 7);
  assert.ok(
    js.every((x, i) => i % cols !== 5 || x === 0),
    'a zero column stays zero',
  );
  const native = k.symmetricColumnsNative(v, rows, cols, 7);
  assert.ok(native, 'native/quant is built by the set-up');
  let diff = 0;
  for (let i = 0; i < js.length; i++) if (native[i] !== js[i]) diff++;
  assert.equal(diff, 0);
});
