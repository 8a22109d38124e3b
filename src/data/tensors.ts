/** Datasets as tfjs tensors. Kept apart so that loading data does not pull in tfjs. */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from './dataset';

export interface TensorOptions {
  /** Pixel scaling: '[-1,1]' (tanh generators, the default) or '[0,1]'. */
  range?: '[-1,1]' | '[0,1]';
  /** 'flat' → [count, height·width] (MLPs, the default); 'image' → [count, height, width, 1] (CNNs). */
  layout?: 'flat' | 'image';
}

export interface DatasetTensors {
  x: tf.Tensor;
  /** int32 class indices, [count]. */
  y: tf.Tensor1D;
  /** float32 one-hot labels, [count, classes]. */
  yOneHot: tf.Tensor2D;
}

/** Pixels as float32 in the chosen range, plus labels. The caller owns (and disposes) the tensors. */
export function toTensors(ds: ImageDataset, opts: TensorOptions = {}): DatasetTensors {
  const [lo, hi] = (opts.range ?? '[-1,1]') === '[-1,1]' ? [-1, 1] : [0, 1];
  const scale = (hi - lo) / 255;
  const px = new Float32Array(ds.images.length);
  for (let i = 0; i < px.length; i++) px[i] = lo + ds.images[i] * scale;
  const shape = (opts.layout ?? 'flat') === 'flat' ? [ds.count, ds.height * ds.width] : [ds.count, ds.height, ds.width, 1];
  const y = tf.tensor1d(Int32Array.from(ds.labels), 'int32');
  const yOneHot = tf.tidy(() => tf.oneHot(y, ds.classNames.length).toFloat() as tf.Tensor2D);
  return { x: tf.tensor(px, shape, 'float32'), y, yOneHot };
}
