/**
 * The 'privlab-native' tfjs backend: tfjs's cpu backend (same class, same storage, every
 * kernel inherited) with the heavy kernels replaced by native ones (./kernels) and
 * privlab's own kernels added (./kernel-names). Registering it is cheap; tfjs creates
 * the backend object on first use.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeKernels, nativeKernelsError } from './native-addon';
import { PrivlabActivationGrad, PrivlabAdamUpdate, PrivlabBatchNorm, PrivlabBatchNormGrad, PrivlabDense } from './kernel-names';
import { KernelArgs } from './kernels/kernel-util';
import { batchMatMul, fusedMatMul } from './kernels/mat-mul';
import { conv2D, conv2DBackpropFilter, conv2DBackpropInput, fusedConv2D } from './kernels/conv2d';
import { sum } from './kernels/reduce';
import { add, multiply, realDiv, sub } from './kernels/binary';
import { activationGrad, dense, unaryActivation } from './kernels/activations';
import { adamUpdate } from './kernels/adam';
import { batchNorm, batchNormGrad } from './kernels/batch-norm';
import { concat, splitV } from './kernels/split';

export const NATIVE_BACKEND_NAME = 'privlab-native';

/** Priority among tfjs backends: above wasm (2) and cpu (1), below tfjs-node's 'tensorflow' (3). */
const PRIORITY = 2.5;

type KernelFn = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** The kernels this backend implements itself, by kernel name. */
export const NATIVE_KERNELS: Readonly<Record<string, KernelFn>> = {
  [tf.BatchMatMul]: batchMatMul,
  [tf._FusedMatMul]: fusedMatMul,
  [tf.Conv2D]: conv2D,
  [tf.FusedConv2D]: fusedConv2D,
  [tf.Conv2DBackpropInput]: conv2DBackpropInput,
  [tf.Conv2DBackpropFilter]: conv2DBackpropFilter,
  [tf.Sum]: sum,
  [tf.Add]: add,
  [tf.Sub]: sub,
  [tf.Multiply]: multiply,
  [tf.RealDiv]: realDiv,
  [tf.Relu]: unaryActivation(tf.Relu, 'relu'),
  [tf.Relu6]: unaryActivation(tf.Relu6, 'relu6'),
  [tf.LeakyRelu]: unaryActivation(tf.LeakyRelu, 'leakyrelu'),
  [tf.Sigmoid]: unaryActivation(tf.Sigmoid, 'sigmoid'),
  [tf.Tanh]: unaryActivation(tf.Tanh, 'tanh'),
  [tf.Elu]: unaryActivation(tf.Elu, 'elu'),
  [PrivlabDense]: dense,
  [PrivlabActivationGrad]: activationGrad,
  [PrivlabAdamUpdate]: adamUpdate,
  [PrivlabBatchNorm]: batchNorm as KernelFn,
  [PrivlabBatchNormGrad]: batchNormGrad as KernelFn,
  [tf.SplitV]: splitV,
  [tf.Concat]: concat,
};

export type RegistrationResult = { ok: true } | { ok: false; reason: string };

/**
 * Register the backend (idempotent). Fails, with the reason, when the addon is not built or
 * tfjs's cpu backend is missing; nothing is registered then.
 */
export function registerNativeBackend(): RegistrationResult {
  if (tf.findBackendFactory(NATIVE_BACKEND_NAME)) return { ok: true };
  if (!loadNativeKernels()) return { ok: false, reason: nativeKernelsError() ?? 'native kernels unavailable' };
  // The cpu backend's class, taken from the instance tfjs itself registered, so this backend
  // is exactly the MathBackendCPU that the inherited kernels expect.
  const cpu = tf.findBackend('cpu') as MathBackendCPU | null;
  if (!cpu) return { ok: false, reason: "tfjs's cpu backend is not registered" };
  const CpuBackend = cpu.constructor as typeof MathBackendCPU;

  class NativeBackend extends CpuBackend {
    constructor() {
      super();
      // MathBackendCPU prints an "install tfjs-node" banner on its first write; this backend
      // is the fast path that banner asks for.
      (this as unknown as { firstUse: boolean }).firstUse = false;
    }
  }

  for (const config of tf.getKernelsForBackend('cpu')) {
    if (!(config.kernelName in NATIVE_KERNELS)) tf.registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME });
  }
  for (const [kernelName, kernelFunc] of Object.entries(NATIVE_KERNELS)) {
    tf.registerKernel({ kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(), PRIORITY);
  return { ok: true };
}
