/**
 * adamUpdate(): one Adam step of a variable and its moment variables, with tfjs's formula
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  w ← w − lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + ε).
 * One native kernel where the backend has it; standard ops otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import { PrivlabAdamUpdate } from '../kernel-names';
import { requirePositiveInteger } from '../../util/checks';

export interface AdamHyperparameters {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export function adamUpdate(variable: tf.Variable, m: tf.Variable, v: tf.Variable, grad: tf.Tensor, h: AdamHyperparameters, step: number): void {
  requirePositiveInteger(step, 'Adam step');
  for (const [name, t] of [
    ['m', m],
    ['v', v],
    ['gradient', grad],
  ] as const) {
    if (!tf.util.arraysEqual(t.shape, variable.shape)) {
      throw new RangeError(`Adam: ${name} has shape [${t.shape}] but variable ${variable.name} has [${variable.shape}]`);
    }
  }
  const native = tf.getKernel(PrivlabAdamUpdate, tf.getBackend()) && [variable, m, v, grad].every((t) => t.dtype === 'float32');
  if (native) {
    const outs = tf.engine().runKernel(PrivlabAdamUpdate, { variable, m, v, grad }, { ...h, step } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
    variable.assign(outs[0]);
    m.assign(outs[1]);
    v.assign(outs[2]);
    tf.dispose(outs);
    return;
  }
  tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, h.beta1), tf.mul(grad, 1 - h.beta1));
    const v1 = tf.add(tf.mul(v, h.beta2), tf.mul(tf.square(grad), 1 - h.beta2));
    const mHat = tf.div(m1, 1 - Math.pow(h.beta1, step));
    const vHat = tf.div(v1, 1 - Math.pow(h.beta2, step));
    variable.assign(tf.sub(variable, tf.div(tf.mul(mHat, h.learningRate), tf.add(tf.sqrt(vHat), h.epsilon))));
    m.assign(m1);
    v.assign(v1);
  });
}
