/** Activations by name, and their gradients written in terms of the activation's output. */
import * as tf from '@tensorflow/tfjs';
import { PrivlabActivationGrad } from '../kernel-names';
import { ACTIVATION_CODES, NativeActivation } from '../native-addon';

/** The activations privlab's fused kernels know: tfjs's fused set (without prelu) plus tanh. */
export type Activation = NativeActivation;
export const ACTIVATIONS = Object.keys(ACTIVATION_CODES) as Activation[];

export function checkActivation(a: string): Activation {
  if (!(ACTIVATIONS as string[]).includes(a)) throw new RangeError(`unknown activation "${a}"; expected one of ${ACTIVATIONS.join(', ')}`);
  return a as Activation;
}

/** f(x) with standard tfjs ops (and their standard gradients). */
export function applyActivation(x: tf.Tensor, activation: Activation, alpha = 0.2): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'leakyrelu':
      return tf.leakyRelu(x, alpha);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'tanh':
      return tf.tanh(x);
  }
}

/**
 * dy·f'(x) given y = f(x). Every activation here has a derivative that is a function of its
 * output (for leakyrelu with 0 < alpha, y has the sign of x), so backward passes need keep
 * only y. One native kernel where the backend has it, else standard ops.
 */
export function activationGradFromOutput(dy: tf.Tensor, y: tf.Tensor, activation: Activation, alpha = 0.2): tf.Tensor {
  if (tf.getKernel(PrivlabActivationGrad, tf.getBackend()) && dy.dtype === 'float32' && y.dtype === 'float32') {
    return tf.engine().runKernel(PrivlabActivationGrad, { dy, y }, { activation, alpha } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tidy(() => {
    switch (activation) {
      case 'linear':
        return dy.clone();
      case 'relu':
        return tf.mul(dy, tf.step(y));
      case 'relu6':
        return tf.mul(dy, tf.logicalAnd(tf.greater(y, 0), tf.less(y, 6)).toFloat());
      case 'leakyrelu':
        return tf.where(tf.greater(y, 0), dy, tf.mul(dy, alpha));
      case 'sigmoid':
        return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
      case 'elu':
        return tf.where(tf.greater(y, 0), dy, tf.mul(dy, tf.add(y, 1)));
      case 'tanh':
        return tf.mul(dy, tf.sub(1, tf.square(y)));
    }
  });
}

/**
 * f(x) whose gradient is one activationGradFromOutput call (a native kernel on the native
 * backend) instead of tfjs's registered gradients — for leakyrelu a Greater, a Multiply and
 * a Select, each a full pass over the tensor. For convolutional networks, where the
 * activation is not fused into a dense layer.
 */
export function activate(x: tf.Tensor, activation: Activation, alpha = 0.2): tf.Tensor {
  if (activation === 'linear') return x;
  const f = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = applyActivation(input, activation, alpha);
    save([y]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => activationGradFromOutput(dy, saved[0], activation, alpha) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x);
}
