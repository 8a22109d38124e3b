/**
 * PrivlabAdamUpdate: one Adam step for a variable, in place when that is invisible.
 *
 * tfjs tensors are immutable, and an Adam step written with ops allocates and frees about
 * ten weight-sized arrays per variable. This kernel updates the variable and its moments in
 * one loop, writing into their own buffers when (a) nothing but the variable refers to the
 * buffer (the backend's refCount is 1) and (b) the buffer was allocated by this kernel — so
 * that an array a caller passed to tf.tensor() is never written to. Otherwise it writes a
 * fresh copy (which it then owns). The outputs share the inputs' dataIds in the in-place
 * case, as tfjs's Reshape kernel does.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { nativeKernels } from '../native-addon';
import { float32Values, KernelArgs, sizeOf } from './kernel-util';
import { requirePositiveInteger } from '../../util/checks';

export interface AdamUpdateAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1-based step number, for the bias corrections. */
  step: number;
}

const owned = new WeakSet<Float32Array>();

/** The buffer to update for `t`, and the TensorInfo that will hold the result. */
function writable(backend: MathBackendCPU, t: tf.TensorInfo, values: Float32Array): { values: Float32Array; info: tf.TensorInfo } {
  if (backend.refCount(t.dataId) === 1 && owned.has(values)) {
    backend.incRef(t.dataId);
    return { values, info: { dataId: t.dataId, shape: t.shape, dtype: 'float32' } };
  }
  const copy = values.slice();
  owned.add(copy);
  return { values: copy, info: backend.makeTensorInfo(t.shape, 'float32', copy) };
}

export function adamUpdate(args: KernelArgs): tf.TensorInfo[] {
  const { variable, m, v, grad } = args.inputs as Record<'variable' | 'm' | 'v' | 'grad', tf.TensorInfo>;
  const a = args.attrs as unknown as AdamUpdateAttrs;
  const backend = args.backend;
  // Check everything before taking any reference, so that a bad call leaves no trace.
  const named = { variable, m, v, grad };
  const values: Partial<Record<keyof typeof named, Float32Array>> = {};
  for (const [name, t] of Object.entries(named) as Array<[keyof typeof named, tf.TensorInfo]>) {
    const vals = float32Values(backend, t);
    if (!vals) throw new Error(`PrivlabAdamUpdate: ${name} must be a float32 tensor`);
    if (vals.length !== sizeOf(variable.shape)) {
      throw new Error(`PrivlabAdamUpdate: ${name} has shape [${t.shape}], the variable [${variable.shape}]`);
    }
    values[name] = vals;
  }
  requirePositiveInteger(a.step, 'Adam step');
  const g = values.grad as Float32Array;
  const w2 = writable(backend, variable, values.variable as Float32Array);
  const m2 = writable(backend, m, values.m as Float32Array);
  const v2 = writable(backend, v, values.v as Float32Array);
  nativeKernels().adamUpdate(
    w2.values,
    m2.values,
    v2.values,
    g,
    a.learningRate,
    a.beta1,
    a.beta2,
    a.epsilon,
    1 - Math.pow(a.beta1, a.step),
    1 - Math.pow(a.beta2, a.step),
  );
  return [w2.info, m2.info, v2.info];
}
