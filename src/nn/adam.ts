/**
 * The Adam optimiser over a fixed list of variables, with its state (step count and
 * moments) open for checkpoints. Each update is one fused kernel per variable on the
 * native backend (src/backend/ops/adam-update).
 */
import * as tf from '@tensorflow/tfjs';
import { adamUpdate, AdamHyperparameters } from '../backend/ops';
import { variableFrom } from './variables';

export interface AdamConfig {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  /** PyTorch's default 1e-8 (tfjs's Adam uses 1e-7). */
  epsilon?: number;
}

export class Adam {
  readonly hyper: AdamHyperparameters;
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  /** Updates applied so far. */
  step = 0;

  constructor(
    readonly variables: tf.Variable[],
    config: AdamConfig = {},
  ) {
    this.hyper = {
      learningRate: config.learningRate ?? 2e-4,
      beta1: config.beta1 ?? 0.5,
      beta2: config.beta2 ?? 0.999,
      epsilon: config.epsilon ?? 1e-8,
    };
    const { learningRate, beta1, beta2, epsilon } = this.hyper;
    if (!(learningRate > 0)) throw new RangeError(`learning rate must be positive, got ${learningRate}`);
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new RangeError(`Adam betas must be in [0, 1), got ${beta1}, ${beta2}`);
    if (!(epsilon > 0)) throw new RangeError(`Adam epsilon must be positive, got ${epsilon}`);
    this.m = variables.map((w) => variableFrom(new Float32Array(w.size), w.shape, false));
    this.v = variables.map((w) => variableFrom(new Float32Array(w.size), w.shape, false));
  }

  /**
   * One update from gradients keyed by variable name (as tf.variableGrads returns them), at the
   * configured learning rate times `scale` (a schedule's factor; the moments are unaffected).
   */
  apply(grads: tf.NamedTensorMap, scale = 1): void {
    if (!(scale >= 0 && scale <= 1)) throw new RangeError(`a learning-rate scale must be in [0, 1], got ${scale}`);
    this.step++;
    const hyper = scale === 1 ? this.hyper : { ...this.hyper, learningRate: this.hyper.learningRate * scale };
    this.variables.forEach((w, i) => {
      const g = grads[w.name];
      if (!g) throw new Error(`no gradient for variable ${w.name}`);
      adamUpdate(w, this.m[i], this.v[i], g, hyper, this.step);
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
