/**
 * dense(x, w, bias, activation): the fully connected layer as ONE kernel with a gradient
 * of its own, so training keeps the fusion. (tfjs's fused matMul un-fuses itself under a
 * gradient tape whenever the activation is not linear, and cannot compute leakyrelu's
 * gradient at all.) The gradient saves x, w and the output y, and computes only the
 * input gradients backprop asks for.
 */
import * as tf from '@tensorflow/tfjs';
import { PrivlabDense } from '../kernel-names';
import { Activation, activationGradFromOutput, applyActivation, checkActivation } from './activation';

export interface DenseOptions {
  activation?: Activation;
  /** Negative slope of leakyrelu. Default 0.2. */
  alpha?: number;
}

interface DenseKernelAttrs {
  activation: Activation;
  alpha: number;
}

tf.registerGradient({
  kernelName: PrivlabDense,
  inputsToSave: ['x', 'w'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, w, y] = saved;
    const { activation, alpha } = attrs as unknown as DenseKernelAttrs;
    // Computed once, here, and shared by the three lazily evaluated input gradients.
    const dz = activationGradFromOutput(dy as tf.Tensor, y, activation, alpha);
    return {
      x: () => tf.matMul(dz, w, false, true),
      w: () => tf.matMul(x, dz, true, false),
      bias: () => tf.sum(dz, 0),
    };
  },
});

/** act(x·w + bias) for x [batch, in], w [in, out], bias [out]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D, opts: DenseOptions = {}): tf.Tensor2D {
  const activation = checkActivation(opts.activation ?? 'linear');
  const alpha = opts.alpha ?? 0.2;
  if (x.rank !== 2 || w.rank !== 2 || bias.rank !== 1) {
    throw new RangeError(`dense takes x [batch, in], w [in, out], bias [out]; got [${x.shape}], [${w.shape}], [${bias.shape}]`);
  }
  if (x.shape[1] !== w.shape[0] || bias.shape[0] !== w.shape[1]) {
    throw new RangeError(`dense shapes do not fit: x [${x.shape}], w [${w.shape}], bias [${bias.shape}]`);
  }
  const fused = tf.getKernel(PrivlabDense, tf.getBackend()) && x.dtype === 'float32' && w.dtype === 'float32' && bias.dtype === 'float32';
  if (fused) {
    return tf.engine().runKernel(PrivlabDense, { x, w, bias }, { activation, alpha } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  }
  return tf.tidy(() => applyActivation(tf.add(tf.matMul(x, w), bias), activation, alpha)) as tf.Tensor2D;
}
