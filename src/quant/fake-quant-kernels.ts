/**
 * Fake-quantization kernels for the CPU-family backends (tfjs cpu and privlab-native,
 * which keep tensors in the same host storage): one pass over the values instead of
 * the six to eight broadcasting tfjs ops (and their temporaries) that the composed
 * form costs. Registered per backend, tfjs style; other backends use the composition
 * in fake-quant.ts and qat.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { float32Output, float32Values, KernelArgs } from '../backend/kernels/kernel-util';
import { packageRoot } from '../util/files';
import { NATIVE_BACKEND_NAME } from '../backend/native-backend';

import { PrivlabFakeQuantAffine, PrivlabFakeQuantAffineGrad, PrivlabFakeQuantSymmetricColumns } from '../backend/kernel-names';

export interface AffineAttrs {
  scale: number[];
  zeroPoint: number[];
  qmin: number[];
  qmax: number[];
}

function affine({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const v = float32Values(backend, x);
  if (!v) throw new Error(`${PrivlabFakeQuantAffine} takes float32 tensors`);
  const a = attrs as unknown as AffineAttrs;
  const cols = a.scale.length;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = cols === 1 ? 0 : i % cols;
    const s = a.scale[c];
    let q = Math.round(v[i] / s) + a.zeroPoint[c];
    if (q < a.qmin[c]) q = a.qmin[c];
    else if (q > a.qmax[c]) q = a.qmax[c];
    out[i] = (q - a.zeroPoint[c]) * s;
  }
  return float32Output(backend, x.shape, out);
}

function affineGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const dy = float32Values(backend, inputs.dy);
  const x = float32Values(backend, inputs.x);
  if (!dy || !x || dy.length !== x.length) throw new Error(`${PrivlabFakeQuantAffineGrad} takes two float32 tensors of one shape`);
  const { lo, hi } = attrs as unknown as { lo: number[]; hi: number[] };
  const cols = lo.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = cols === 1 ? 0 : i % cols;
    out[i] = x[i] >= lo[c] && x[i] <= hi[c] ? dy[i] : 0;
  }
  return float32Output(backend, (inputs.x as tf.TensorInfo).shape, out);
}

/**
 * A float32 tensor's values kept in host storage (cpu-family backends), read in place
 * without a copy; undefined on other backends.
 */
export function hostValues(t: tf.Tensor): Float32Array | undefined {
  if (t.dtype !== 'float32' || !hasKernel(PrivlabFakeQuantAffine)) return undefined;
  return float32Values(tf.backend() as unknown as KernelArgs['backend'], t) ?? undefined;
}

/** min and max of a float32 tensor in host storage; undefined on other backends. */

export function hostMinMax(t: tf.Tensor): { min: number; max: number } | undefined {
  const v = hostValues(t);
  if (!v || v.length === 0) return undefined;
  let min = v[0];
  let max = v[0];
  for (let i = 1; i < v.length; i++) {
    const x = v[i];
    if (x < min) min = x;
    else if (x > max) max = x;
  }
  return { min, max };
}

interface QuantAddon {
  symmetricColumns(x: Float32Array, rows: number, cols: number, qmax: number, out: Float32Array): void;
}

/**
 * native/quant (built by the set-up): the same loop in C++ on all cores. Optional: without
 * it (or with PRIVLAB_QUANT_ADDON=off) the JavaScript loop below runs, with identical results.
 */
function loadQuantAddon(): QuantAddon | null {
  if (process.env.PRIVLAB_QUANT_ADDON === 'off') return null;
  const file = path.join(packageRoot(), 'native', 'quant', 'build', 'Release', 'privlab_quant.node');
  if (!fs.existsSync(file)) return null;
  return require(file) as QuantAddon;
}
const addon = loadQuantAddon();

/** The JavaScript loop (the fallback): per-column symmetric fake quantization of [rows × cols]. */
export function symmetricColumnsLoop(v: Float32Array, rows: number, cols: number, qmax: number): Float32Array {
  const scale = new Float64Array(cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const m = Math.abs(v[r * cols + c]);
      if (m > scale[c]) scale[c] = m;
    }
  // An all-zero column (a pruned neuron) stays zero whatever its scale.
  for (let c = 0; c < cols; c++) scale[c] = scale[c] > 0 ? scale[c] / qmax : 1;
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      out[i] = Math.round(v[i] / scale[c]) * scale[c];
    }
  return out;
}

/** The native loop, when native/quant is built. */
export function symmetricColumnsNative(v: Float32Array, rows: number, cols: number, qmax: number): Float32Array | null {
  if (!addon) return null;
  const out = new Float32Array(v.length);
  addon.symmetricColumns(v, rows, cols, qmax, out);
  return out;
}

function symmetricColumns({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const v = float32Values(backend, x);
  if (!v || x.shape.length !== 2) throw new Error(`${PrivlabFakeQuantSymmetricColumns} takes a float32 matrix`);
  const [rows, cols] = x.shape;
  const qmax = (attrs as unknown as { qmax: number }).qmax;
  return float32Output(backend, x.shape, symmetricColumnsNative(v, rows, cols, qmax) ?? symmetricColumnsLoop(v, rows, cols, qmax));
}

// The native backend copies the cpu backend's kernels when it registers: register for it
// directly only if that has already happened.
const targets = tf.getKernelsForBackend(NATIVE_BACKEND_NAME).length > 0 ? ['cpu', NATIVE_BACKEND_NAME] : ['cpu'];
for (const backendName of targets) {
  for (const [kernelName, fn] of [
    [PrivlabFakeQuantAffine, affine],
    [PrivlabFakeQuantAffineGrad, affineGrad],
    [PrivlabFakeQuantSymmetricColumns, symmetricColumns],
  ] as const) {
    if (!tf.getKernel(kernelName, backendName)) tf.registerKernel({ kernelName, backendName, kernelFunc: fn as unknown as tf.KernelFunc });
  }
}

/** Whether the active backend has the fused kernel. */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
