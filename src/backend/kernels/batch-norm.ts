/** PrivlabBatchNorm and PrivlabBatchNormGrad (src/backend/ops/batch-norm.ts) on the addon. */
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native-addon';
import { float32Output, float32Values, KernelArgs } from './kernel-util';

function need(v: Float32Array | null, what: string): Float32Array {
  if (!v) throw new Error(`batch norm kernels take float32 tensors (${what})`);
  return v;
}

/** x's values, and x as [rows, channels] (channels last). */
function rowsOf(args: KernelArgs, x: tf.TensorInfo): { xv: Float32Array; rows: number; channels: number } {
  const xv = need(float32Values(args.backend, x), 'x');
  const channels = x.shape[x.shape.length - 1];
  return { xv, rows: xv.length / channels, channels };
}

export function batchNorm(args: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const b = args.backend;
  const { xv, rows, channels } = rowsOf(args, x);
  const y = new Float32Array(xv.length);
  const mean = new Float32Array(channels);
  const invStd = new Float32Array(channels);
  nativeKernels().batchNormForward(xv, rows, channels, need(float32Values(b, gamma), 'gamma'), need(float32Values(b, beta), 'beta'), epsilon, y, mean, invStd);
  return [float32Output(b, x.shape, y), float32Output(b, [channels], mean), float32Output(b, [channels], invStd)];
}

export function batchNormGrad(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, mean, invStd, gamma } = args.inputs as Record<'dy' | 'x' | 'mean' | 'invStd' | 'gamma', tf.TensorInfo>;
  const b = args.backend;
  const { xv, rows, channels } = rowsOf(args, x);
  const dx = new Float32Array(xv.length);
  const dgamma = new Float32Array(channels);
  const dbeta = new Float32Array(channels);
  nativeKernels().batchNormBackward(
    need(float32Values(b, dy), 'dy'),
    xv,
    need(float32Values(b, mean), 'mean'),
    need(float32Values(b, invStd), 'invStd'),
    need(float32Values(b, gamma), 'gamma'),
    rows,
    channels,
    dx,
    dgamma,
    dbeta,
  );
  return [float32Output(b, x.shape, dx), float32Output(b, [channels], dgamma), float32Output(b, [channels], dbeta)];
}
