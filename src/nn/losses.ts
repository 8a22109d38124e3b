/** Losses of GAN training. */
import * as tf from '@tensorflow/tfjs';

/**
 * Mean binary cross-entropy of logits against targets (PyTorch's BCEWithLogitsLoss), with
 * `target` one number for every row or one per row.
 *
 * Targets of only 0s and 1s take the short, stable form softplus(x·(1 − 2t)) — three
 * kernels; other targets (e.g. label smoothing, 0.9) use max(x, 0) − x·t + log1p(exp(−|x|)).
 */
export function bceWithLogits(logits: tf.Tensor, target: number | ArrayLike<number>): tf.Scalar {
  const targets = typeof target === 'number' ? [target] : Array.from(target);
  if (typeof target !== 'number' && targets.length !== logits.shape[0]) {
    throw new RangeError(`BCE: ${targets.length} targets for ${logits.shape[0]} rows of logits`);
  }
  if (!targets.every((t) => t >= 0 && t <= 1)) throw new RangeError('BCE targets must be in [0, 1]');
  // Per-row targets broadcast over the remaining dimensions.
  const targetShape = typeof target === 'number' ? [] : [targets.length, ...logits.shape.slice(1).map(() => 1)];
  return tf.tidy(() => {
    if (targets.every((t) => t === 0 || t === 1)) {
      const sign =
        typeof target === 'number'
          ? 1 - 2 * target
          : tf.tensor(
              targets.map((t) => 1 - 2 * t),
              targetShape,
              'float32',
            );
      return tf.mean(tf.softplus(tf.mul(logits, sign)));
    }
    const t = typeof target === 'number' ? target : tf.tensor(targets, targetShape, 'float32');
    return tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, t)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
  }) as tf.Scalar;
}
