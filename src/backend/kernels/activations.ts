/**
 * Elementwise activations and privlab's Dense / ActivationGrad kernels, native. The
 * forward activations replace tfjs's cpu loops (which call Math.exp/Math.tanh per element);
 * their gradients stay tfjs's registered ones.
 */
import * as tf from '@tensorflow/tfjs';
import { ACTIVATION_CODES, BIAS_KINDS, isNativeActivation, NativeActivation, nativeKernels } from '../native-addon';
import { cpuKernel, float32Output, float32Values, KernelArgs } from './kernel-util';

/** A unary activation kernel (Relu, LeakyRelu, Sigmoid, Tanh, Elu, Relu6) on the addon. */
export function unaryActivation(kernelName: string, activation: NativeActivation): (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const xv = float32Values(args.backend, x);
    if (!xv) return cpuKernel(kernelName)(args);
    const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0;
    const y = new Float32Array(xv.length);
    nativeKernels().activation(xv, y, ACTIVATION_CODES[activation], alpha);
    return float32Output(args.backend, x.shape, y);
  };
}

export interface DenseAttrs {
  activation: NativeActivation;
  alpha: number;
}

function checkActivation(a: unknown): NativeActivation {
  if (!isNativeActivation(a)) throw new Error(`unknown activation "${String(a)}"; expected one of ${Object.keys(ACTIVATION_CODES).join(', ')}`);
  return a;
}

/** PrivlabDense: x[m,k]·w[k,n] + bias[n], activation — one GEMM call with a fused epilogue. */
export function dense(args: KernelArgs): tf.TensorInfo {
  const { x, w, bias } = args.inputs as { x: tf.TensorInfo; w: tf.TensorInfo; bias: tf.TensorInfo };
  const { activation, alpha } = args.attrs as unknown as DenseAttrs;
  const xv = float32Values(args.backend, x);
  const wv = float32Values(args.backend, w);
  const bv = float32Values(args.backend, bias);
  if (!xv || !wv || !bv) throw new Error('PrivlabDense takes float32 tensors');
  const [m, k] = x.shape;
  const n = w.shape[1];
  const out = new Float32Array(m * n);
  nativeKernels().fusedBatchMatMul(xv, wv, out, 1, m, n, k, false, false, 0, 0, bv, BIAS_KINDS.perColumn, ACTIVATION_CODES[checkActivation(activation)], alpha);
  return float32Output(args.backend, [m, n], out);
}

/** PrivlabActivationGrad: dx = dy·f'(x) from y = f(x). */
export function activationGrad(args: KernelArgs): tf.TensorInfo {
  const { dy, y } = args.inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
  const { activation, alpha } = args.attrs as unknown as DenseAttrs;
  const dyv = float32Values(args.backend, dy);
  const yv = float32Values(args.backend, y);
  if (!dyv || !yv) throw new Error('PrivlabActivationGrad takes float32 tensors');
  const dx = new Float32Array(dyv.length);
  nativeKernels().activationGradFromOutput(dyv, yv, dx, ACTIVATION_CODES[checkActivation(activation)], alpha);
  return float32Output(args.backend, dy.shape, dx);
}
