/**
 * Sum over leading or trailing axes natively. tfjs's cpu Sum transposes the reduced axes to
 * the end first with a per-element index computation, which dominates bias gradients
 * (a sum over the batch axis) in training.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native-addon';
import { cpuKernel, float32Output, float32Values, KernelArgs, sizeOf } from './kernel-util';

export function sum(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const xv = float32Values(args.backend, x);
  const rank = x.shape.length;
  if (!xv || rank === 0) return cpuKernel(tf.Sum)(args);
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
  if (axes.length === 0) return cpuKernel(tf.Sum)(args);
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  const leading = contiguous && axes[0] === 0;
  const trailing = contiguous && axes[axes.length - 1] === rank - 1;
  if (!leading && !trailing) return cpuKernel(tf.Sum)(args);
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  const out = new Float32Array(sizeOf(outShape));
  if (leading) {
    const rows = sizeOf(x.shape.slice(0, axes.length));
    nativeKernels().sumRows(xv, rows, out.length, out);
  } else {
    const cols = sizeOf(x.shape.slice(axes[0]));
    nativeKernels().sumCols(xv, out.length, cols, out);
  }
  return float32Output(args.backend, outShape, out);
}
