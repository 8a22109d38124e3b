/**
 * One Pix2Pix training step, in the order of the authors' implementation: G translates the
 * condition once; D is updated on the real pair and the generated pair (G's output held
 * fixed); then G is updated against the updated D with BCE(D(x, G(x)), 1) + λ·L1. Adam for
 * both, lr 2e-4, β1 0.5.
 *
 * tfjs records gradients only for what runs inside the gradient function, so G's forward is
 * run twice (for D's step and inside G's) with the same dropout masks — the same numbers as
 * the original's single forward.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../util/rng';
import { Adam, AdamConfig } from '../adam';
import { discriminatorLoss, generatorLoss, PIX2PIX_L1_WEIGHT } from './losses';
import { Pix2Pix } from './model';

export interface Pix2PixOptimizers {
  generator: Adam;
  discriminator: Adam;
}

/** Adam with the original's settings (lr 2e-4, β1 0.5, β2 0.999) for each network. */
export function pix2pixOptimizers(model: Pix2Pix, config: AdamConfig = {}): Pix2PixOptimizers {
  const c = { learningRate: 2e-4, beta1: 0.5, beta2: 0.999, ...config };
  return { generator: new Adam(model.generator.variables(), c), discriminator: new Adam(model.discriminator.variables(), c) };
}

export interface Pix2PixStepLosses {
  /** ½·(BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)), before D's update. */
  d: number;
  /** BCE(D(x, G(x)), 1) against the updated D. */
  gGan: number;
  /** mean |G(x) − y| */
  gL1: number;
}

export interface Pix2PixStepOptions {
  /** Default 100. */
  lambda?: number;
}

/**
 * Train on one batch of pairs: `condition` (edges) → `target` (images), both [n, h, w, c] in
 * [-1, 1]. Dropout masks come from `rng`.
 */
export function pix2pixTrainStep(
  model: Pix2Pix,
  opt: Pix2PixOptimizers,
  condition: tf.Tensor4D,
  target: tf.Tensor4D,
  rng: SeededRng,
  opts: Pix2PixStepOptions = {},
): Pix2PixStepLosses {
  const lambda = opts.lambda ?? PIX2PIX_L1_WEIGHT;
  const G = model.generator;
  const D = model.discriminator;
  G.checkInput(condition);
  if (target.rank !== 4 || target.shape.slice(0, 3).join() !== condition.shape.slice(0, 3).join() || target.shape[3] !== G.config.outChannels) {
    throw new RangeError(`target must be [${condition.shape.slice(0, 3)}, ${G.config.outChannels}], got [${target.shape}]`);
  }
  const masks = G.sampleDropout(rng, condition.shape);
  try {
    const dLoss = tf.tidy(() => {
      const fake = G.apply(condition, masks);
      const { value, grads } = tf.variableGrads(() => discriminatorLoss(D.apply(condition, target), D.apply(condition, fake)), opt.discriminator.variables);
      opt.discriminator.apply(grads);
      return value;
    });
    const [gGan, gL1] = tf.tidy(() => {
      let parts: tf.Scalar[] = [];
      const { grads } = tf.variableGrads(() => {
        const fake = G.apply(condition, masks);
        const l = generatorLoss(D.apply(condition, fake), fake, target, lambda);
        parts = [tf.keep(l.gan), tf.keep(l.l1)];
        return l.total;
      }, opt.generator.variables);
      opt.generator.apply(grads);
      return parts;
    });
    const out = { d: dLoss.dataSync()[0], gGan: gGan.dataSync()[0], gL1: gL1.dataSync()[0] };
    tf.dispose([dLoss, gGan, gL1]);
    return out;
  } finally {
    tf.dispose(masks);
  }
}
