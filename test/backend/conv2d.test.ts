import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../src/util/rng';
import { compareBackends, nativeCalls, randomInput, requireNativeBackend } from './compare';

// Tolerance: 1e-5 of (1 + the largest reference magnitude); patch sizes here are ≤ 75.
const TOL = 1e-5;

requireNativeBackend();

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];
interface ConvCase {
  x: number[];
  f: number[];
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
}

const CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 9, 2], f: [3, 2, 2, 5], strides: 2, pad: 'valid' },
  { x: [1, 9, 9, 3], f: [5, 5, 3, 2], strides: [2, 1], pad: 'same' },
  { x: [3, 6, 6, 4], f: [1, 1, 4, 6], strides: 1, pad: 'valid' }, // pointwise: x is the patch matrix
  { x: [2, 10, 10, 1], f: [4, 4, 1, 3], strides: 2, pad: 1 }, // explicit padding
  { x: [1, 11, 11, 2], f: [3, 3, 2, 2], strides: 1, pad: 'same', dilations: 2 },
  { x: [2, 5, 5, 3], f: [5, 5, 3, 2], strides: 1, pad: 'valid' }, // output 1x1
  // Top and left padding differ in each of these (checked below): a swap of the two
  // shifts the image by a row or column against the cpu backend.
  { x: [2, 5, 7, 3], f: [3, 1, 3, 4], strides: 1, pad: 'same' }, // 3x1: top 1, left 0
  { x: [2, 6, 5, 2], f: [1, 3, 2, 3], strides: 1, pad: 'same' }, // 1x3: top 0, left 1
  { x: [1, 6, 7, 2], f: [2, 4, 2, 3], strides: 1, pad: 'same' }, // even sizes: top 0, left 1
  { x: [2, 7, 8, 3], f: [3, 3, 3, 2], strides: 2, pad: 'same' }, // stride 2, odd height: top 1, left 0
  { x: [1, 8, 7, 2], f: [2, 2, 2, 3], strides: 2, pad: 'same' }, // 2x2 stride 2, odd width: right 1 only
  { x: [1, 7, 8, 2], f: [2, 2, 2, 3], strides: 2, pad: 'same' }, // 2x2 stride 2, odd height: bottom 1 only
  {
    x: [2, 6, 6, 2],
    f: [3, 3, 2, 2],
    strides: 1,
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  }, // explicit: top 2, left 0
  { x: [1, 9, 8, 2], f: [3, 2, 2, 2], strides: 1, pad: 'same', dilations: 2 }, // effective 5x3: top 2, left 1
];

function describe(c: ConvCase): string {
  return `x[${c.x}] f[${c.f}] s=${c.strides} pad=${JSON.stringify(c.pad)} d=${c.dilations ?? 1}`;
}

function padInfo(c: ConvCase): { top: number; left: number; bottom: number; right: number } {
  return tf.backend_util.computeConv2DInfo(c.x as Shape4, c.f as Shape4, c.strides, c.dilations ?? 1, c.pad).padInfo;
}

test('the cases include padding with top ≠ left and top ≠ bottom (a swap of either pair changes results)', () => {
  const pads = CASES.map(padInfo);
  assert.ok(pads.filter((p) => p.top !== p.left).length >= 5, 'cases with top ≠ left');
  assert.ok(pads.filter((p) => p.top !== p.bottom || p.left !== p.right).length >= 5, 'cases padded on one side more than the other');
});

test('Conv2D (NHWC): strides, padding, dilation and 1x1 filters match the cpu backend', async () => {
  const rng = new SeededRng(11);
  for (const c of CASES) {
    await compareBackends(
      [randomInput(rng, c.x), randomInput(rng, c.f)],
      (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations ?? 1),
      TOL,
      `conv2d ${describe(c)}`,
    );
  }
});

test('Conv2DBackpropInput and Conv2DBackpropFilter (gradients of conv2d) match the cpu backend', async () => {
  const rng = new SeededRng(12);
  // tfjs computes conv2d gradients for dilation 1 only.
  for (const c of CASES.filter((k) => (k.dilations ?? 1) === 1)) {
    const x = randomInput(rng, c.x);
    const f = randomInput(rng, c.f);
    const outShape = tf.tidy(
      () => tf.conv2d(tf.zeros(c.x as Shape4) as tf.Tensor4D, tf.zeros(c.f as Shape4) as tf.Tensor4D, c.strides, c.pad).shape,
    ) as number[];
    const w = randomInput(rng, outShape);
    const calls = await nativeCalls('conv2dBackpropFilter', () =>
      compareBackends(
        [x, f, w],
        (xt, ft, wt) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, c.strides, c.pad), wt)))([xt, ft]),
        TOL,
        `d conv2d ${describe(c)}`,
      ),
    );
    assert.equal(calls, 1, 'the filter gradient ran natively');
  }
});

test('conv2dTranspose (Conv2DBackpropInput as an op) matches the cpu backend', async () => {
  const rng = new SeededRng(13);
  const x = randomInput(rng, [2, 4, 4, 5]);
  const f = randomInput(rng, [3, 3, 2, 5]);
  await compareBackends([x, f], (xt, ft) => tf.conv2dTranspose(xt as tf.Tensor4D, ft as tf.Tensor4D, [2, 8, 8, 2], 2, 'same'), TOL, 'conv2dTranspose');
  // odd output sizes: the forward conv of a 7x5 image with stride 2 pads top 1 / left 0
  const f2 = randomInput(rng, [3, 2, 2, 5]);
  await compareBackends(
    [x, f2],
    (xt, ft) => tf.conv2dTranspose(xt as tf.Tensor4D, ft as tf.Tensor4D, [2, 7, 7, 2], 2, 'same'),
    TOL,
    'conv2dTranspose 3x2 to 7x7',
  );
});

test('FusedConv2D: bias and activations natively; prelu falls back; all match', async () => {
  const rng = new SeededRng(14);
  const x = randomInput(rng, [2, 6, 6, 3]);
  const f = randomInput(rng, [3, 3, 3, 4]);
  const bias = randomInput(rng, [4]);
  for (const activation of ['linear', 'relu', 'leakyrelu', 'sigmoid', 'elu', 'relu6'] as const) {
    const calls = await nativeCalls('biasActivation', () =>
      compareBackends(
        [x, f, bias],
        (xt, ft, bt) =>
          tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: ft as tf.Tensor4D, strides: 1, pad: 'same', bias: bt, activation, leakyreluAlpha: 0.3 }),
        TOL,
        `fused conv ${activation}`,
      ),
    );
    assert.equal(calls, 1);
  }
  const alpha = randomInput(rng, [4]);
  await compareBackends(
    [x, f, bias, alpha],
    (xt, ft, bt, at) =>
      tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: ft as tf.Tensor4D, strides: 1, pad: 'same', bias: bt, activation: 'prelu', preluActivationWeights: at }),
    TOL,
    'fused conv prelu',
  );
});

test('Conv2D in NCHW is left to the cpu kernel and matches', async () => {
  const rng = new SeededRng(15);
  const x = randomInput(rng, [1, 2, 5, 5]);
  const f = randomInput(rng, [3, 3, 2, 4]);
  const calls = await nativeCalls('conv2d', () =>
    compareBackends([x, f], (xt, ft) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'same', 'NCHW'), TOL, 'conv2d NCHW'),
  );
  assert.equal(calls, 0);
});
