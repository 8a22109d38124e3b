/**
 * Helpers for the kernel tests: run the same computation on the native backend and on
 * tfjs's cpu backend from the same seeded inputs, and compare the results.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadNativeKernels, NATIVE_BACKEND_NAME, registerNativeBackend } from '../../src/backend';
import type { NativeKernels } from '../../src/backend/native-addon';
import { SeededRng } from '../../src/util/rng';

/** Registers the native backend, failing the test run with the reason when it is unavailable. */
export function requireNativeBackend(): void {
  const r = registerNativeBackend();
  if (!r.ok) assert.fail(`native backend unavailable (run bash scripts/setup.sh): ${r.reason}`);
}

export interface Input {
  shape: number[];
  values: Float32Array;
}

export function randomInput(rng: SeededRng, shape: number[], scale = 1): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (rng.next() * 2 - 1) * scale;
  return { shape, values };
}

/** Runs fn on `backend` with fresh tensors of `inputs`; returns every output's values and shape. */
export async function runOn(
  backend: string,
  inputs: Input[],
  fn: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Array<{ shape: number[]; values: Float32Array }>> {
  assert.ok(await tf.setBackend(backend), `backend ${backend} did not initialise`);
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false; // no tfjs-node banner in test output
  const before = tf.memory().numTensors;
  const tensors = inputs.map((i) => tf.tensor(i.values.slice(), i.shape, 'float32'));
  const out = tf.tidy(() => fn(...tensors));
  const outs = Array.isArray(out) ? out : [out];
  const result = outs.map((t) => ({ shape: [...t.shape], values: Float32Array.from(t.dataSync()) }));
  tf.dispose([...outs, ...tensors]);
  assert.equal(tf.memory().numTensors, before, `tensors leaked on ${backend}`);
  return result;
}

/**
 * Asserts |native − cpu| ≤ tol · (1 + max|cpu|) elementwise, and equal shapes. Float32 GEMMs
 * and convolutions sum in a different order than the cpu loops, so exact equality is not expected.
 */
export function assertClose(
  actual: { shape: number[]; values: Float32Array },
  expected: { shape: number[]; values: Float32Array },
  tol: number,
  what: string,
): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  let scale = 0;
  for (const v of expected.values) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const bound = tol * (1 + scale);
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i];
    const e = expected.values[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    if (!(Math.abs(a - e) <= bound)) assert.fail(`${what}[${i}]: native ${a} vs cpu ${e} (tolerance ${bound.toExponential(2)})`);
  }
}

/** Same computation on both backends, compared output by output. */
export async function compareBackends(inputs: Input[], fn: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tol: number, what: string): Promise<void> {
  const native = await runOn(NATIVE_BACKEND_NAME, inputs, fn);
  const cpu = await runOn('cpu', inputs, fn);
  assert.equal(native.length, cpu.length);
  native.forEach((n, i) => assertClose(n, cpu[i], tol, `${what} output ${i}`));
}

/**
 * How often fn calls the addon's function `name` — to show that a case really runs natively
 * rather than in a cpu fallback (and the reverse, for the cases meant to fall back).
 */
export async function nativeCalls(name: keyof NativeKernels, fn: () => Promise<unknown>): Promise<number> {
  const addon = loadNativeKernels() as NativeKernels;
  const original = addon[name] as (...args: unknown[]) => unknown;
  let calls = 0;
  (addon as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
    calls++;
    return original.apply(addon, args);
  };
  try {
    await fn();
  } finally {
    (addon as unknown as Record<string, unknown>)[name] = original;
  }
  return calls;
}
