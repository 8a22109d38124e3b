import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../src/util/rng';
import { compareBackends, nativeCalls, randomInput, requireNativeBackend } from './compare';
import { configureBlasThreads } from '../../src/backend';

// Tolerance for GEMM results: 1e-5 of (1 + the largest reference magnitude). Inputs are in
// [-1, 1] and inner dimensions ≤ 300, so float32 rounding differences stay near 1e-6 of it.
const TOL = 1e-5;

requireNativeBackend();

test('MatMul: 2-D products with every transpose combination match the cpu backend', async () => {
  const rng = new SeededRng(1);
  for (const [m, k, n] of [
    [1, 1, 1],
    [7, 13, 5],
    [64, 100, 256],
    [33, 300, 17],
  ]) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const a = randomInput(rng, tA ? [k, m] : [m, k]);
        const b = randomInput(rng, tB ? [n, k] : [k, n]);
        await compareBackends([a, b], (x, y) => tf.matMul(x, y, tA, tB), TOL, `matMul ${m}x${k}x${n} tA=${tA} tB=${tB}`);
      }
    }
  }
});

test('BatchMatMul: batches, broadcast of a single matrix, higher ranks', async () => {
  const rng = new SeededRng(2);
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[3, 4, 5], [3, 5, 6], false, false],
    [[3, 5, 4], [3, 6, 5], true, true],
    [[1, 4, 5], [3, 5, 6], false, false], // a broadcast over b's batch
    [[3, 4, 5], [5, 6], false, false], // b shared by every batch entry (one tall GEMM)
    [[3, 5, 4], [1, 5, 6], true, false],
    [[2, 3, 4, 5], [2, 3, 5, 2], false, false],
  ];
  for (const [sa, sb, tA, tB] of cases) {
    await compareBackends([randomInput(rng, sa), randomInput(rng, sb)], (x, y) => tf.matMul(x, y, tA, tB), TOL, `batchMatMul [${sa}]·[${sb}]`);
  }
});

test('BatchMatMul: the native path runs for batched shapes, odd broadcasts fall back to cpu and still match', async () => {
  const rng = new SeededRng(3);
  const a = randomInput(rng, [2, 4, 5]);
  const b = randomInput(rng, [2, 5, 3]);
  const calls = await nativeCalls('batchMatMul', () => compareBackends([a, b], (x, y) => tf.matMul(x, y), TOL, 'native batch'));
  assert.equal(calls, 1);
  // [2,1,4,5]·[1,3,5,3]: batch dims broadcast against each other, which the addon does not do.
  const c = randomInput(rng, [2, 1, 4, 5]);
  const d = randomInput(rng, [1, 3, 5, 3]);
  const fallbackCalls = await nativeCalls('batchMatMul', () => compareBackends([c, d], (x, y) => tf.matMul(x, y), TOL, 'cross broadcast'));
  assert.equal(fallbackCalls, 0);
});

test('_FusedMatMul: bias broadcasts and every activation match the cpu backend', async () => {
  const rng = new SeededRng(4);
  const activations = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu'] as const;
  const biasShapes: number[][] = [[6], [1, 6], [1], [4, 6], [2, 4, 6]];
  for (const activation of activations) {
    for (const biasShape of biasShapes) {
      for (const [tA, tB] of [
        [false, false],
        [true, true],
      ]) {
        const a = randomInput(rng, tA ? [2, 5, 4] : [2, 4, 5], 3);
        const b = randomInput(rng, tB ? [2, 6, 5] : [2, 5, 6], 3);
        const bias = randomInput(rng, biasShape);
        await compareBackends(
          [a, b, bias],
          (x, y, z) => tf.fused.matMul({ a: x, b: y, bias: z, activation, transposeA: tA, transposeB: tB, leakyreluAlpha: 0.1 }),
          TOL,
          `fused ${activation} bias [${biasShape}] tA=${tA}`,
        );
      }
    }
  }
});

test('_FusedMatMul: prelu and odd bias shapes take the composite path and match', async () => {
  const rng = new SeededRng(5);
  const a = randomInput(rng, [4, 5]);
  const b = randomInput(rng, [5, 6]);
  const bias = randomInput(rng, [6]);
  const prelu = randomInput(rng, [6]);
  await compareBackends(
    [a, b, bias, prelu],
    (x, y, z, p) => tf.fused.matMul({ a: x, b: y, bias: z, activation: 'prelu', preluActivationWeights: p }),
    TOL,
    'prelu',
  );
  const colBias = randomInput(rng, [4, 1]); // per-row bias: broadcasts, but not as a repeating row
  const fused = await nativeCalls('fusedBatchMatMul', () =>
    compareBackends([a, b, colBias], (x, y, z) => tf.fused.matMul({ a: x, b: y, bias: z, activation: 'relu' }), TOL, 'column bias'),
  );
  assert.equal(fused, 0);
});

test('MatMul gradients through the native kernels match the cpu backend', async () => {
  const rng = new SeededRng(6);
  const a = randomInput(rng, [3, 8, 5]);
  const b = randomInput(rng, [3, 5, 4]);
  const r = randomInput(rng, [3, 8, 4]);
  await compareBackends([a, b, r], (x, y, w) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q), w)))([x, y]), TOL, 'd(matMul)');
  const bias = randomInput(rng, [4]);
  await compareBackends(
    [a, b, bias, r],
    (x, y, z, w) =>
      tf.grads((p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(tf.fused.matMul({ a: p, b: q, bias: s, activation: 'relu' }), w)))([x, y, z]),
    TOL,
    'd(fused matMul)',
  );
});

test('MatMul on int32 tensors falls back to the cpu kernel', async () => {
  await tf.setBackend('privlab-native');
  const r = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32')).arraySync());
  assert.deepEqual(r, [
    [19, 22],
    [43, 50],
  ]);
});

test('GEMM threading: shared blocks (row and column splits, ragged last block) and OpenBLAS threads both match cpu', async () => {
  const rng = new SeededRng(7);
  try {
    for (const threading of ['pool', 'openblas'] as const) {
      for (const threads of [2, 3]) {
        configureBlasThreads(threads, threading);
        // m > n splits rows, n ≥ m splits columns; sizes not multiples of the block width.
        for (const [m, k, n] of [
          [203, 150, 70],
          [50, 121, 301],
          [97, 64, 1000],
        ]) {
          for (const [tA, tB] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ]) {
            const a = randomInput(rng, tA ? [k, m] : [m, k]);
            const b = randomInput(rng, tB ? [n, k] : [k, n]);
            await compareBackends([a, b], (x, y) => tf.matMul(x, y, tA, tB), TOL, `${threading} x${threads} ${m}x${k}x${n} tA=${tA} tB=${tB}`);
          }
        }
      }
    }
  } finally {
    configureBlasThreads();
  }
});
