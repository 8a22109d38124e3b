/**
 * Pix2Pix's objective (Isola et al. 2017, eq. 4): G* = arg min_G max_D L_cGAN(G, D) + λ·L_L1(G),
 * with λ = 100, the non-saturating generator loss and BCE on every patch logit.
 */
import * as tf from '@tensorflow/tfjs';
import { bceWithLogits } from '../losses';

/** The original's λ. */
export const PIX2PIX_L1_WEIGHT = 100;

/** Mean absolute difference between the generated and the target image. */
export function l1Loss(fake: tf.Tensor, target: tf.Tensor): tf.Scalar {
  if (fake.shape.join() !== target.shape.join()) throw new RangeError(`L1: shapes differ, [${fake.shape}] vs [${target.shape}]`);
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(fake, target))) as tf.Scalar);
}

/**
 * D's loss on patch logits of a real pair and a generated pair: ½·(BCE(real, 1) + BCE(fake, 0)).
 * The original halves it "to slow down the rate at which D learns relative to G".
 */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.add(bceWithLogits(realLogits, 1), bceWithLogits(fakeLogits, 0)), 0.5) as tf.Scalar);
}

export interface GeneratorLoss {
  /** BCE(D(x, G(x)), 1) */
  gan: tf.Scalar;
  /** mean |G(x) − y| */
  l1: tf.Scalar;
  /** gan + λ·l1 */
  total: tf.Scalar;
}

/** G's loss: fool D on every patch, and stay close to the target in L1. */
export function generatorLoss(fakeLogits: tf.Tensor, fake: tf.Tensor, target: tf.Tensor, lambda = PIX2PIX_L1_WEIGHT): GeneratorLoss {
  if (!(lambda >= 0)) throw new RangeError(`L1 weight must be non-negative, got ${lambda}`);
  const gan = bceWithLogits(fakeLogits, 1);
  const l1 = l1Loss(fake, target);
  const total = tf.tidy(() => tf.add(gan, tf.mul(l1, lambda)) as tf.Scalar);
  return { gan, l1, total };
}
