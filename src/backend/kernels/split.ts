/**
 * SplitV along the last axis, natively. It is the gradient of a channel concatenation (the
 * U-Net's skip connections); tfjs's cpu SplitV slices each piece with a per-element index
 * computation, which cost more per step than all of the generator's BatchNorms.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native-addon';
import { cpuKernel, float32Output, float32Values, KernelArgs } from './kernel-util';

export function splitV(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
  const xv = float32Values(args.backend, x);
  const rank = x.shape.length;
  const $axis = rank > 0 ? tf.util.parseAxisParam(axis, x.shape)[0] : -1;
  if (!xv || rank < 2 || $axis !== rank - 1) return cpuKernel(tf.SplitV)(args);
  const cols = x.shape[rank - 1];
  const widths = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, $axis);
  const rows = cols === 0 ? 0 : xv.length / cols;
  if (rows === 0) return cpuKernel(tf.SplitV)(args);
  const outs = widths.map((w) => new Float32Array(rows * w));
  nativeKernels().splitColumns(xv, rows, cols, outs);
  return outs.map((o, i) => float32Output(args.backend, [...x.shape.slice(0, -1), widths[i]], o));
}
