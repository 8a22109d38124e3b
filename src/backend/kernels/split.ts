/**
 * SplitV and Concat along the last axis, natively: the U-Net's skip connections concatenate
 * channels, and the gradient of a concatenation is a split. tfjs's cpu SplitV slices each
 * piece with a per-element index computation (in a Pix2Pix step it cost more than all of the
 * BatchNorms); its Concat copies row by row in JS. Other axes and dtypes stay on the cpu kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native-addon';
import { cpuKernel, float32Output, float32Values, KernelArgs } from './kernel-util';

function isLastAxis(shape: number[], axis: number | number[]): boolean {
  const rank = shape.length;
  return rank >= 2 && tf.util.parseAxisParam(axis, shape)[0] === rank - 1;
}

export function splitV(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
  const xv = float32Values(args.backend, x);
  if (!xv || xv.length === 0 || !isLastAxis(x.shape, axis)) return cpuKernel(tf.SplitV)(args);
  const cols = x.shape[x.shape.length - 1];
  const widths = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, x.shape.length - 1);
  const rows = xv.length / cols;
  const outs = widths.map((w) => new Float32Array(rows * w));
  nativeKernels().splitColumns(xv, rows, cols, outs);
  return outs.map((o, i) => float32Output(args.backend, [...x.shape.slice(0, -1), widths[i]], o));
}

export function concat(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const inputs = Object.values(args.inputs) as tf.TensorInfo[];
  const { axis } = args.attrs as unknown as tf.ConcatAttrs;
  const first = inputs[0];
  const values = inputs.map((t) => float32Values(args.backend, t));
  const native =
    first &&
    inputs.length > 1 &&
    isLastAxis(first.shape, axis) &&
    values.every((v) => v !== null && v.length > 0) &&
    inputs.every((t) => t.shape.length === first.shape.length && t.shape.slice(0, -1).every((d, i) => d === first.shape[i]));
  if (!native) return cpuKernel(tf.Concat)(args);
  const widths = inputs.map((t) => t.shape[t.shape.length - 1]);
  const cols = widths.reduce((a, b) => a + b, 0);
  const rows = (values[0] as Float32Array).length / widths[0];
  const out = new Float32Array(rows * cols);
  nativeKernels().concatColumns(values as Float32Array[], rows, cols, out);
  return float32Output(args.backend, [...first.shape.slice(0, -1), cols], out);
}
