/**
 * Conv2D, its two gradients and FusedConv2D as im2col + sgemm (native/kernels/src/conv2d.cc),
 * for NHWC tensors. NCHW goes to the cpu kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ACTIVATION_CODES, isNativeActivation, nativeKernels } from '../native-addon';
import { cpuKernel, float32Output, float32Values, KernelArgs, sizeOf } from './kernel-util';

type ConvInfo = tf.backend_util.Conv2DInfo;

/** The 15 numbers native ConvShape expects, in its field order. */
export function convShape(info: ConvInfo): Int32Array {
  return Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.filterHeight,
    info.filterWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]);
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function forwardInfo(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: ConvAttrs): ConvInfo {
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

function convForward(backend: MathBackendCPU, xv: Float32Array, fv: Float32Array, info: ConvInfo): { out: Float32Array; shape: number[] } {
  const out = new Float32Array(sizeOf(info.outShape));
  nativeKernels().conv2d(xv, fv, out, convShape(info));
  return { out, shape: info.outShape };
}

export function conv2D(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs;
  const xv = float32Values(args.backend, x);
  const fv = float32Values(args.backend, filter);
  if (!xv || !fv || attrs.dataFormat === 'NCHW') return cpuKernel(tf.Conv2D)(args);
  const { out, shape } = convForward(args.backend, xv, fv, forwardInfo(x, filter, attrs));
  return float32Output(args.backend, shape, out);
}

export function fusedConv2D(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { x, filter, bias } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { activation?: string; leakyreluAlpha?: number };
  const backend = args.backend;
  const xv = float32Values(backend, x);
  const fv = float32Values(backend, filter);
  const activation = attrs.activation ?? 'linear';
  const biasValues = bias ? float32Values(backend, bias) : null;
  const outChannels = filter.shape[3];
  // Native: NHWC, a per-channel (or absent) bias and a non-prelu activation.
  const biasOk = !bias || (biasValues !== null && sizeOf(bias.shape) === outChannels && bias.shape[bias.shape.length - 1] === outChannels);
  if (!xv || !fv || attrs.dataFormat === 'NCHW' || !biasOk || !isNativeActivation(activation)) {
    return cpuKernel(tf.FusedConv2D)(args);
  }
  const info = forwardInfo(x, filter, attrs);
  const { out, shape } = convForward(backend, xv, fv, info);
  const rows = info.batchSize * info.outHeight * info.outWidth;
  nativeKernels().biasActivation(out, rows, info.outChannels, biasValues, ACTIVATION_CODES[activation], attrs.leakyreluAlpha ?? 0.2);
  return float32Output(backend, shape, out);
}

export function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  const dyv = float32Values(args.backend, dy);
  const fv = float32Values(args.backend, filter);
  if (!dyv || !fv || attrs.dataFormat === 'NCHW') return cpuKernel(tf.Conv2DBackpropInput)(args);
  // tfjs's conv2d gradients support dilation 1 only; the kernels are called that way.
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const dx = new Float32Array(sizeOf(info.inShape));
  nativeKernels().conv2dBackpropInput(dyv, fv, dx, convShape(info));
  return float32Output(args.backend, info.inShape, dx);
}

export function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const xv = float32Values(args.backend, x);
  const dyv = float32Values(args.backend, dy);
  if (!xv || !dyv || attrs.dataFormat === 'NCHW') return cpuKernel(tf.Conv2DBackpropFilter)(args);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const df = new Float32Array(sizeOf(info.filterShape));
  nativeKernels().conv2dBackpropFilter(xv, dyv, df, convShape(info));
  return float32Output(args.backend, info.filterShape, df);
}
