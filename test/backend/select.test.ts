import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadNativeKernels, NATIVE_BACKEND_NAME, parseBackendChoice, selectBackend } from '../../src/backend';
import { requireNativeBackend } from './compare';
import { withEnv } from '../support/env';

requireNativeBackend();

test('selectBackend: automatic choice skips the tfjs-node alias and picks the native backend', async () => {
  await withEnv({ PRIVLAB_BACKEND: undefined }, async () => {
    const info = await selectBackend({ quiet: true });
    assert.equal(info.name, NATIVE_BACKEND_NAME);
    assert.equal(tf.getBackend(), NATIVE_BACKEND_NAME);
    // This project maps @tensorflow/tfjs-node to @tensorflow/tfjs; that must not count as tfjs-node.
    assert.match(info.reason, /tfjs-node is an alias of @tensorflow\/tfjs/);
    assert.match(info.description, /OpenBLAS/);
  });
});

test('selectBackend: PRIVLAB_BACKEND and the argument override, the argument first', async () => {
  await withEnv({ PRIVLAB_BACKEND: 'cpu' }, async () => {
    assert.equal((await selectBackend({ quiet: true })).name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    const info = await selectBackend({ backend: 'native', quiet: true });
    assert.equal(info.name, NATIVE_BACKEND_NAME);
    assert.match(info.reason, /requested/);
  });
});

test('selectBackend: an unavailable or unknown backend is a clear error', async () => {
  await assert.rejects(selectBackend({ backend: 'tfjs-node', quiet: true }), /not available: @tensorflow\/tfjs-node is an alias/);
  await assert.rejects(selectBackend({ backend: 'wasm', quiet: true }), /tfjs-backend-wasm is not installed/);
  assert.throws(() => parseBackendChoice('gpu'), /unknown backend "gpu"; expected one of/);
  await selectBackend({ backend: 'native', quiet: true });
});

test('native addon: arrays too short for the shape given are rejected before any memory is touched', () => {
  const k = loadNativeKernels();
  assert.ok(k);
  const a = new Float32Array(6);
  const out = new Float32Array(4);
  assert.throws(() => k.batchMatMul(a, new Float32Array(5), out, 1, 2, 2, 3, false, false, 0, 0), /'b' has 5 values, needs 6/);
  assert.throws(() => k.batchMatMul(a, new Float32Array(6), new Float32Array(3), 1, 2, 2, 3, false, false, 0, 0), /'out' has 3 values/);
  assert.throws(() => k.batchMatMul(a, new Float64Array(6) as unknown as Float32Array, out, 1, 2, 2, 3, false, false, 0, 0), /must be a Float32Array/);
  assert.throws(() => k.adamUpdate(a, new Float32Array(2), a, a, 0.1, 0.9, 0.999, 1e-8, 0.1, 0.001), /'m' has 2 values/);
  assert.throws(() => k.conv2d(a, a, a, new Int32Array(3)), /15 entries/);
  assert.throws(() => k.binaryCyclic(0, new Float32Array(6), new Float32Array(4), new Float32Array(6)), /multiple/);
});

test('ensureBackend: keeps a selected backend and selects only when none was chosen', async () => {
  const { ensureBackend } = await import('../../src/backend');
  await selectBackend({ backend: 'cpu', quiet: true });
  const info = await ensureBackend({ quiet: true });
  assert.equal(info?.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  await selectBackend({ backend: 'native', quiet: true });
});
