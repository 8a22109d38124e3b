/** What the native kernels share: typed access to the cpu backend's storage, and fallbacks. */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/** The arguments tfjs passes a kernel function. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: MathBackendCPU;
  attrs?: tf.NamedAttrMap;
}

/**
 * The float32 values of a tensor held by this backend, or null when the kernel should leave
 * the tensor to the cpu implementation (other dtypes, complex numbers).
 */
export function float32Values(backend: MathBackendCPU, t: tf.TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : null;
}

/** A new float32 tensor of this backend that owns `values`. */
export function float32Output(backend: MathBackendCPU, shape: number[], values: Float32Array): tf.TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

/**
 * The cpu backend's own implementation of a kernel, run on this backend. The native backend is
 * a MathBackendCPU, so every cpu kernel works on its tensors unchanged: cases the native code
 * does not cover (odd broadcasts, int32, NCHW) go there.
 */
export function cpuKernel(kernelName: string): (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] {
  const config = tf.getKernel(kernelName, 'cpu');
  if (!config) throw new Error(`tfjs's cpu backend has no kernel ${kernelName}`);
  return config.kernelFunc as unknown as (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
