/**
 * The optimizer of one round of local training, shared by plain and DP-SGD training: plain SGD
 * or Adam (β 0.9/0.999), fresh each round, so a classifier site keeps no state between rounds (the GAN
 * tasks can keep theirs: fit key keepOptimizerState, ./optimizer-slot.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../nn/adam';
import { TaskModel } from './task';

export interface LocalOptimizer {
  /** One step with gradients keyed by variable name (the caller disposes them), at the learning rate times `scale`. */
  apply(grads: tf.NamedTensorMap, scale?: number): void;
  dispose(): void;
}

export function localOptimizer(model: TaskModel, plan: { optimizer: 'sgd' | 'adam'; learningRate: number }): LocalOptimizer {
  if (plan.optimizer === 'adam') {
    const adam = new Adam(model.variables, { learningRate: plan.learningRate, beta1: 0.9, beta2: 0.999 });
    return { apply: (grads, scale) => adam.apply(grads, scale), dispose: () => adam.dispose() };
  }
  return {
    apply(grads, scale = 1) {
      for (const v of model.variables) {
        const next = tf.tidy(() => tf.sub(v, tf.mul(grads[v.name], plan.learningRate * scale)));
        v.assign(next);
        next.dispose();
      }
    },
    dispose: () => undefined,
  };
}
