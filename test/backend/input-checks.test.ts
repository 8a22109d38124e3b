/**
 * The input checks of src/backend — which inputs a native kernel takes and which it leaves to
 * tfjs's cpu kernel — each against an independent expectation:
 *
 * - repeatsOver(small, big) against a brute force written here (broadcast small to big's shape
 *   element by element and compare with repeating small's values cyclically), on a table of
 *   shapes incl. [3] vs [2,4], [2,1] vs [2,3], [4,1] vs [4,4]; and Add/Sub/Mul/Div on the
 *   broadcastable ones against tfjs's own 'cpu' backend, with the native call counted
 *   (binaryCyclic once for the repeating shapes, never for the others).
 * - tf.fused.conv2d with biases of shape [C], [1,1,C] (native: biasActivation called once),
 *   [1], [], [outH,outW,C], [outH,1,C], [n,outH,outW,C] and an int32 [C] bias (cpu fallback: never
 *   called), against the cpu backend.
 * - The filter gradient of conv2d (tf.grad w.r.t. the filter) for an x whose float32 tensor holds
 *   int32 storage (a cast from int32) and for NCHW: the cpu fallback (conv2dBackpropFilter never
 *   called), against the cpu backend; a plain NHWC float32 case runs natively (called once).
 * - planMatMul against plans worked out by hand (rank-1 operands, mismatched inner dims and
 *   batches where an operand is neither the full batch nor one matrix give null); tf.matMul on
 *   such batches and on broadcast single matrices against the cpu backend, with batchMatMul
 *   counted (once natively, never for the fallbacks).
 * - biasKind against the kinds worked out by hand for biases [n], [1,n], [1], [], [m,n], [1,m,n],
 *   [b,m,n], [b,1,n], [m,1], [b,m,1], ranks above the product's; tf.fused.matMul with each against
 *   the cpu backend, fusedBatchMatMul counted (once when the kind is native, never otherwise).
 * - batchNorm: an empty tensor and epsilon 0 / −1 / NaN refused with their messages written out;
 *   with a valid epsilon, on both backends, equal to a batch normalisation computed here in
 *   float64 (mean and biased variance per channel over n, h, w).
 * - selectBackend: with 1 GEMM thread the description says "1 GEMM thread", with 2 "2 GEMM
 *   threads"; PRIVLAB_BACKEND set to the empty string selects exactly as 'auto' does.
 *
 * Each test leaves the tfjs backend (and the GEMM thread setting) as it found them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { batchNorm, configureBlasThreads, loadNativeKernels, NATIVE_BACKEND_NAME, selectBackend } from '../../src/backend';
import { BIAS_KINDS } from '../../src/backend/native-addon';
import { repeatsOver } from '../../src/backend/kernels/binary';
import { biasKind, planMatMul } from '../../src/backend/kernels/mat-mul';
import { SeededRng } from '../../src/util/rng';
import { compareBackends, Input, nativeCalls, randomInput, requireNativeBackend, runOn } from './compare';
import { withEnv } from '../support/env';

// Float32 GEMMs and convolutions sum in another order than the cpu loops: 1e-4 of (1 + the
// largest reference magnitude) is far above that rounding and far below any wrong result here.
const TOL = 1e-4;

requireNativeBackend();

/** Runs fn, then makes the backend active before it the active one again. */
async function keepingBackend(fn: () => Promise<void>): Promise<void> {
  const before = tf.engine().backendName;
  try {
    await fn();
  } finally {
    if (before) await tf.setBackend(before);
  }
}

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Brute force: small broadcasts to exactly big's shape (numpy rules) and, element by element,
 * the broadcast picks small's element (i mod size(small)) — i.e. plain cyclic repetition.
 */
function repeatsBruteForce(small: number[], big: number[]): boolean {
  const n = sizeOfShape(small);
  if (small.length > big.length) return false;
  const offset = big.length - small.length;
  for (let j = 0; j < small.length; j++) if (small[j] !== 1 && small[j] !== big[offset + j]) return false;
  const total = sizeOfShape(big);
  for (let i = 0; i < total; i++) {
    // Multi-index of i in big, then the broadcast index into small.
    let rest = i;
    const idx = new Array<number>(big.length);
    for (let d = big.length - 1; d >= 0; d--) {
      idx[d] = rest % big[d];
      rest = Math.floor(rest / big[d]);
    }
    let flat = 0;
    for (let j = 0; j < small.length; j++) flat = flat * small[j] + (small[j] === 1 ? 0 : idx[offset + j]);
    if (flat !== i % n) return false;
  }
  return true;
}

test('repeatsOver equals a brute-force cyclic-repetition check; binary ops on these shapes equal the cpu backend', async () => {
  const shapes: Array<[number[], number[]]> = [
    [[1], [2, 4]],
    [[], [3]],
    [
      [1, 1],
      [5, 7],
    ],
    [
      [1, 1, 1],
      [2, 3, 4],
    ],
    [[4], [2, 4]],
    [
      [1, 4],
      [2, 4],
    ],
    [
      [2, 4],
      [2, 4],
    ],
    [
      [3, 4],
      [2, 3, 4],
    ],
    [
      [1, 3, 4],
      [2, 3, 4],
    ],
    [
      [2, 1],
      [3, 2, 1],
    ],
    [[3], [2, 4]],
    [
      [2, 1],
      [2, 3],
    ],
    [
      [4, 1],
      [4, 4],
    ],
    [
      [2, 1, 4],
      [2, 3, 4],
    ],
    [
      [3, 1],
      [1, 4],
    ],
    [
      [1, 4],
      [4, 1],
    ],
    [
      [2, 3],
      [2, 3, 4],
    ],
    [[4], [4, 1]],
  ];
  let trues = 0;
  let falses = 0;
  for (const [small, big] of shapes) {
    const expected = repeatsBruteForce(small, big);
    if (expected) trues++;
    else falses++;
    assert.equal(repeatsOver(small, big), expected, `repeatsOver([${small}], [${big}])`);
  }
  assert.ok(trues >= 8 && falses >= 8, 'the table has both answers');

  const rng = new SeededRng(31);
  const ops: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
  ];
  await keepingBackend(async () => {
    for (const [small, big] of shapes) {
      if (!repeatsBruteForce(small, big)) {
        // Only shapes tfjs can broadcast at all reach the kernel.
        try {
          tf.broadcast_util.assertAndGetBroadcastShape(small, big);
        } catch {
          continue;
        }
      }
      const native = repeatsBruteForce(small, big);
      for (const [name, op] of ops) {
        // Both orders: Sub and Div are not symmetric, and the kernel picks the bigger operand.
        for (const [sa, sb] of [
          [small, big],
          [big, small],
        ]) {
          const a = randomInput(rng, sa, 2);
          const b = randomInput(rng, sb, 2);
          if (name === 'div') for (let i = 0; i < b.values.length; i++) b.values[i] += b.values[i] >= 0 ? 0.5 : -0.5;
          const calls = await nativeCalls('binaryCyclic', () => compareBackends([a, b], op, 1e-6, `${name} [${sa}] [${sb}]`));
          // Two operands of one element each are a repetition either way round.
          assert.equal(calls, native ? 1 : 0, `${name} [${sa}] [${sb}]: native ${native}`);
        }
      }
    }
  });
});

test('FusedConv2D: per-channel biases natively; [1], scalar, spatial and int32 biases via cpu; all equal the cpu backend', async () => {
  const rng = new SeededRng(32);
  const x = randomInput(rng, [2, 5, 5, 3]);
  const f = randomInput(rng, [3, 3, 3, 4]); // 'same' padding: output [2, 5, 5, 4]
  const cases: Array<{ shape: number[]; native: boolean; int32?: boolean }> = [
    { shape: [4], native: true },
    { shape: [1, 1, 4], native: true },
    { shape: [1], native: false }, // one value for every channel
    { shape: [], native: false },
    { shape: [5, 5, 4], native: false }, // a full [outH, outW, C] bias
    { shape: [5, 1, 4], native: false }, // last dim C, but more than C values
    { shape: [2, 5, 5, 4], native: false },
    { shape: [4], native: false, int32: true }, // cast to float32 by tfjs, storage stays Int32Array
  ];
  await keepingBackend(async () => {
    for (const c of cases) {
      const bias = randomInput(rng, c.shape, 2);
      for (const activation of ['linear', 'relu'] as const) {
        const what = `fused conv2d bias [${c.shape}]${c.int32 ? ' int32' : ''} ${activation}`;
        const calls = await nativeCalls('biasActivation', () =>
          compareBackends(
            [x, f, bias],
            (xt, ft, bt) =>
              tf.fused.conv2d({
                x: xt as tf.Tensor4D,
                filter: ft as tf.Tensor4D,
                strides: 1,
                pad: 'same',
                bias: c.int32 ? tf.cast(tf.round(bt), 'int32') : bt,
                activation,
              }),
            TOL,
            what,
          ),
        );
        assert.equal(calls, c.native ? 1 : 0, `${what}: native ${c.native}`);
      }
    }
  });
});

test('Conv2DBackpropFilter: x with int32 storage and NCHW fall back to cpu; the filter gradients equal the cpu backend', async () => {
  const rng = new SeededRng(33);
  const filterGrad = (dataFormat: 'NHWC' | 'NCHW', intX: boolean) => (xt: tf.Tensor, ft: tf.Tensor, rt: tf.Tensor) => {
    // A cast int32 → float32 keeps the Int32Array storage: a float32 tensor the native code must not take.
    const x = (intX ? tf.cast(tf.cast(tf.round(tf.mul(xt, 3)), 'int32'), 'float32') : xt) as tf.Tensor4D;
    return tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, [2, 1], 'same', dataFormat), rt)))(ft);
  };
  const cases: Array<{ x: number[]; r: number[]; dataFormat: 'NHWC' | 'NCHW'; intX: boolean; native: boolean }> = [
    { x: [2, 6, 5, 3], r: [2, 3, 5, 4], dataFormat: 'NHWC', intX: false, native: true },
    { x: [2, 6, 5, 3], r: [2, 3, 5, 4], dataFormat: 'NHWC', intX: true, native: false },
    { x: [2, 3, 6, 5], r: [2, 4, 3, 5], dataFormat: 'NCHW', intX: false, native: false },
  ];
  await keepingBackend(async () => {
    for (const c of cases) {
      const x = randomInput(rng, c.x);
      const f = randomInput(rng, [3, 2, 3, 4]);
      const r = randomInput(rng, c.r);
      const what = `d(conv2d)/dfilter ${c.dataFormat}${c.intX ? ' int32 x' : ''}`;
      const calls = await nativeCalls('conv2dBackpropFilter', () => compareBackends([x, f, r], filterGrad(c.dataFormat, c.intX), TOL, what));
      assert.equal(calls, c.native ? 1 : 0, `${what}: native ${c.native}`);
    }
  });
});

test('planMatMul: null for rank-1 operands, mismatched inner dims and batches neither full nor single; plans by hand otherwise', () => {
  for (const [a, b, tA, tB] of [
    [[3], [3, 4], false, false],
    [[3], [4, 3], false, true],
    [[3], [4, 3], true, true],
    [[2, 3], [3], false, false],
    [[4], [4], false, false],
    [[4, 5], [6, 7], false, false],
    [[2, 4, 5], [3, 5, 6], false, false], // batches 2 and 3 do not broadcast
    [[2, 1, 4, 5], [1, 3, 5, 6], false, false], // both operands 2 and 3 of a batch of 6
    [[2, 1, 4, 5], [2, 3, 5, 6], false, false], // a: 2 matrices of a batch of 6
    [[2, 3, 4, 5], [2, 1, 5, 6], false, false], // b: 2 matrices of a batch of 6
  ] as Array<[number[], number[], boolean, boolean]>) {
    assert.equal(planMatMul(a, b, tA, tB), null, `planMatMul([${a}], [${b}], ${tA}, ${tB})`);
  }
  const base = { transposeA: false, transposeB: false };
  assert.deepEqual(planMatMul([4, 5], [5, 6], false, false), { ...base, batch: 1, m: 4, n: 6, k: 5, strideA: 0, strideB: 0, outShape: [4, 6] });
  assert.deepEqual(planMatMul([1, 4, 5], [3, 5, 6], false, false), {
    ...base,
    batch: 3,
    m: 4,
    n: 6,
    k: 5,
    strideA: 0,
    strideB: 30,
    outShape: [3, 4, 6],
  });
  assert.deepEqual(planMatMul([3, 4, 5], [5, 6], false, false), { ...base, batch: 3, m: 4, n: 6, k: 5, strideA: 20, strideB: 0, outShape: [3, 4, 6] });
  assert.deepEqual(planMatMul([2, 3, 5, 4], [6, 5], true, true), {
    batch: 6,
    m: 4,
    n: 6,
    k: 5,
    transposeA: true,
    transposeB: true,
    strideA: 20,
    strideB: 0,
    outShape: [2, 3, 4, 6],
  });
});

test('BatchMatMul: shared single matrices natively, batches neither full nor single via cpu; all equal the cpu backend', async () => {
  const rng = new SeededRng(34);
  const cases: Array<[number[], number[], boolean]> = [
    [[1, 4, 5], [3, 5, 6], true],
    [[3, 4, 5], [5, 6], true],
    [[4, 5], [2, 3, 5, 6], true],
    [[2, 3, 4, 5], [1, 1, 5, 6], true],
    [[2, 1, 4, 5], [2, 3, 5, 6], false],
    [[2, 3, 4, 5], [2, 1, 5, 6], false],
    [[3, 1, 4, 5], [1, 2, 5, 6], false],
  ];
  await keepingBackend(async () => {
    for (const [sa, sb, native] of cases) {
      const what = `matMul [${sa}]·[${sb}]`;
      const calls = await nativeCalls('batchMatMul', () => compareBackends([randomInput(rng, sa), randomInput(rng, sb)], (a, b) => tf.matMul(a, b), TOL, what));
      assert.equal(calls, native ? 1 : 0, `${what}: native ${native}`);
    }
  });
});

test('biasKind equals the kinds worked out by hand; tf.fused.matMul with each bias equals the cpu backend', async () => {
  const { scalar, perColumn, perMatrix, full } = BIAS_KINDS;
  // Products [b, m, n] = [2, 4, 6] (a [2,4,5]·b [2,5,6]), [1, 4, 6] (2-D operands, as tfjs
  // passes them to the kernel) and the square [4, 4, 4].
  const cases: Array<{ out: number[]; bias: number[]; kind: number | null }> = [
    { out: [2, 4, 6], bias: [6], kind: perColumn },
    { out: [2, 4, 6], bias: [1, 6], kind: perColumn },
    { out: [2, 4, 6], bias: [1, 1, 6], kind: perColumn },
    { out: [2, 4, 6], bias: [1], kind: scalar },
    { out: [2, 4, 6], bias: [], kind: scalar },
    { out: [2, 4, 6], bias: [1, 1], kind: scalar },
    { out: [2, 4, 6], bias: [4, 6], kind: perMatrix },
    { out: [2, 4, 6], bias: [1, 4, 6], kind: perMatrix },
    { out: [2, 4, 6], bias: [2, 4, 6], kind: full },
    { out: [2, 4, 6], bias: [2, 1, 6], kind: null },
    { out: [2, 4, 6], bias: [4, 1], kind: null },
    { out: [2, 4, 6], bias: [2, 4, 1], kind: null },
    { out: [2, 4, 6], bias: [1, 2, 4, 6], kind: null }, // more dims than the product
    { out: [1, 4, 6], bias: [6], kind: perColumn },
    { out: [1, 4, 6], bias: [4, 6], kind: perMatrix },
    { out: [1, 4, 6], bias: [1, 4, 6], kind: perMatrix },
    { out: [1, 4, 6], bias: [4, 1], kind: null },
    { out: [4, 4, 4], bias: [4, 4], kind: perMatrix },
    { out: [4, 4, 4], bias: [4, 4, 4], kind: full },
    { out: [4, 4, 4], bias: [4, 1, 4], kind: null },
    { out: [4, 4, 4], bias: [1, 4, 1], kind: null },
  ];
  for (const c of cases) assert.equal(biasKind(c.bias, c.out), c.kind, `biasKind([${c.bias}], [${c.out}])`);

  const rng = new SeededRng(35);
  await keepingBackend(async () => {
    for (const c of cases) {
      const [batch, m, n] = c.out;
      const k = 5;
      const inputs: Input[] = [
        randomInput(rng, batch === 1 ? [m, k] : [batch, m, k], 2),
        randomInput(rng, batch === 1 ? [k, n] : [batch, k, n], 2),
        randomInput(rng, c.bias, 2),
      ];
      const what = `fused matMul out [${c.out}] bias [${c.bias}]`;
      const calls = await nativeCalls('fusedBatchMatMul', () =>
        compareBackends(inputs, (a, b, bias) => tf.fused.matMul({ a, b, bias, activation: 'relu' }), TOL, what),
      );
      assert.equal(calls, c.kind === null ? 0 : 1, `${what}: one native call iff the kind is native`);
    }
  });
});

test('batchNorm: an empty tensor and a non-positive or NaN epsilon are refused by message', async () => {
  await keepingBackend(async () => {
    for (const backend of [NATIVE_BACKEND_NAME, 'cpu']) {
      await tf.setBackend(backend);
      tf.tidy(() => {
        const gamma = tf.ones([3]) as tf.Tensor1D;
        const beta = tf.zeros([3]) as tf.Tensor1D;
        assert.throws(() => batchNorm(tf.zeros([0, 2, 2, 3]) as tf.Tensor4D, gamma, beta), {
          name: 'RangeError',
          message: 'batchNorm of an empty tensor [0,2,2,3]',
        });
        const x = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
        for (const [epsilon, shown] of [
          [0, '0'],
          [-1, '-1'],
          [NaN, 'NaN'],
        ] as Array<[number, string]>) {
          assert.throws(() => batchNorm(x, gamma, beta, epsilon), { name: 'RangeError', message: `batchNorm epsilon must be positive, got ${shown}` });
        }
      });
    }
  });
});

test('batchNorm with a valid epsilon equals batch normalisation computed by hand, on both backends', async () => {
  const rng = new SeededRng(36);
  const [n, h, w, c] = [2, 3, 2, 3];
  const x = randomInput(rng, [n, h, w, c], 3);
  for (let i = 0; i < x.values.length; i++) x.values[i] += (i % c) * 2; // channel means apart
  const gamma = randomInput(rng, [c]);
  const beta = randomInput(rng, [c]);
  for (const epsilon of [1e-3, 1e-5, 0.5]) {
    // Per channel: mean and biased variance over n, h, w, in float64.
    const rows = n * h * w;
    const expected = new Float32Array(x.values.length);
    for (let ch = 0; ch < c; ch++) {
      let mean = 0;
      for (let r = 0; r < rows; r++) mean += x.values[r * c + ch];
      mean /= rows;
      let variance = 0;
      for (let r = 0; r < rows; r++) variance += (x.values[r * c + ch] - mean) ** 2;
      variance /= rows;
      for (let r = 0; r < rows; r++) {
        expected[r * c + ch] = (gamma.values[ch] * (x.values[r * c + ch] - mean)) / Math.sqrt(variance + epsilon) + beta.values[ch];
      }
    }
    await keepingBackend(async () => {
      for (const backend of [NATIVE_BACKEND_NAME, 'cpu']) {
        const [y] = await runOn(backend, [x, gamma, beta], (xt, gt, bt) => batchNorm(xt as tf.Tensor4D, gt as tf.Tensor1D, bt as tf.Tensor1D, epsilon));
        assert.deepEqual(y.shape, [n, h, w, c]);
        y.values.forEach((v, i) =>
          assert.ok(Math.abs(v - expected[i]) <= 1e-4 * (1 + Math.abs(expected[i])), `${backend} ε=${epsilon}: y[${i}] = ${v}, expected ${expected[i]}`),
        );
      }
    });
  }
});

/** Runs fn, then restores the GEMM thread count and sharing mode, the tfjs backend and PRIVLAB_BACKEND. */
async function keepingSelection(fn: () => Promise<void>): Promise<void> {
  const k = loadNativeKernels();
  assert.ok(k);
  const threads = k.blasThreads();
  const pool = k.blasPoolThreading();
  try {
    // the body sets PRIVLAB_BACKEND itself: naming it here restores it afterwards
    await withEnv({ PRIVLAB_BACKEND: process.env.PRIVLAB_BACKEND }, () => keepingBackend(fn));
  } finally {
    configureBlasThreads(threads, pool ? 'pool' : 'openblas');
  }
}

test('selectBackend: the description says "1 GEMM thread" for one thread and "2 GEMM threads" for two', async () => {
  await keepingSelection(async () => {
    const one = await selectBackend({ backend: 'native', blasThreads: 1, quiet: true });
    assert.equal(one.name, NATIVE_BACKEND_NAME);
    assert.match(one.description, /; 1 GEMM thread\)$/);
    assert.doesNotMatch(one.description, /threads/);
    assert.equal(loadNativeKernels()?.blasThreads(), 1);
    const two = await selectBackend({ backend: 'native', blasThreads: 2, gemmThreading: 'pool', quiet: true });
    assert.match(two.description, /; 2 GEMM threads, blocks shared\)$/);
    assert.equal(loadNativeKernels()?.blasThreads(), 2);
  });
});

test('selectBackend: PRIVLAB_BACKEND set to the empty string selects as auto does', async () => {
  await keepingSelection(async () => {
    delete process.env.PRIVLAB_BACKEND;
    const auto = await selectBackend({ backend: 'auto', quiet: true });
    assert.equal(auto.name, NATIVE_BACKEND_NAME);
    await tf.setBackend('cpu');
    process.env.PRIVLAB_BACKEND = '';
    const empty = await selectBackend({ quiet: true });
    assert.deepEqual(empty, auto);
    assert.match(empty.reason, /^fastest available/);
    assert.equal(tf.getBackend(), NATIVE_BACKEND_NAME);
  });
});
