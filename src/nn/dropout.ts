/**
 * Dropout on an Mlp's hidden layers, as a LayerTransform (the hook QAT uses), with masks
 * drawn from a SeededRng so a run depends only on its seed. Used in the GAN's
 * discriminator: a D that cannot rely on any single feature gives G smoother gradients
 * (the classic MLP GAN on MNIST trains D with dropout 0.3).
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../util/rng';
import { LayerTransform } from './mlp';

export class DropoutTransform implements LayerTransform {
  /** While false (evaluation), outputs pass unchanged. */
  training = true;

  /**
   * @param rate probability of zeroing a unit, in [0, 1)
   * @param hiddenLayers number of hidden layers (all but the last dense layer get dropout)
   */
  constructor(
    readonly rate: number,
    readonly hiddenLayers: number,
    /** Public so a checkpoint can save where its stream is (a resumed run draws the same masks). */
    readonly rng: SeededRng,
  ) {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${rate}`);
    if (!Number.isInteger(hiddenLayers) || hiddenLayers < 0) throw new RangeError(`hiddenLayers must be a non-negative integer, got ${hiddenLayers}`);
  }

  output(layer: number, y: tf.Tensor2D): tf.Tensor2D {
    if (!this.training || this.rate === 0 || layer >= this.hiddenLayers) return y;
    // Inverted dropout: kept units are scaled by 1/(1 − rate), so evaluation needs no rescaling.
    const keep = 1 / (1 - this.rate);
    const mask = new Float32Array(y.size);
    for (let i = 0; i < mask.length; i++) mask[i] = this.rng.next() < this.rate ? 0 : keep;
    return tf.tidy(() => tf.mul(y, tf.tensor2d(mask, y.shape)));
  }
}
