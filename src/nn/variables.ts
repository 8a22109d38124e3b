import * as tf from '@tensorflow/tfjs';

/**
 * A variable holding `values`. The temporary tensor is released at once, so the variable
 * is the only holder of its storage (which lets the Adam kernel update it in place).
 */
export function variableFrom(values: Float32Array, shape: number[], trainable = true): tf.Variable {
  const t = tf.tensor(values, shape, 'float32');
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}
