/**
 * A Pix2Pix step with example-level DP-SGD (pix2pix-fashion under the DP-SGD keys). Unlike the
 * MLP GAN (./dp-gan-step.ts), where only D reads real digits and G's step is post-processing,
 * here both networks read the examples: D's loss compares the real pair (x, y) with the pair
 * (x, G(x)) built from the private edges x, and G's loss is BCE(D(x, G(x)), 1) + λ·|G(x) − y|.
 * So both updates are privatised, in the original's order: each example's D-loss gradient is
 * clipped to C, N(0, σ²C²) goes on the sum, divided by the expected batch size q·n
 * (src/fl/dp/dp-sgd.ts), D steps; then the same for G against the updated D. One step thus
 * releases two noisy gradients of the same Poisson batch, which the server's accountant composes
 * as two sampled Gaussian mechanisms (the task's dpReleasesPerStep = 2).
 *
 * Each example is its own forward pass at batch 1, as the non-private training runs (BatchNorm
 * on one image is instance normalisation), so per-example gradients are exactly those of the
 * non-private step. Dropout masks come from the round's seeded generator: they choose the
 * network's randomness, not which examples are used, and leak nothing about the data.
 */
import * as tf from '@tensorflow/tfjs';
import { EdgePairs } from '../../data/pix2pix-pairs';
import { DropoutMasks } from '../../nn/pix2pix/unet-generator';
import { discriminatorLoss, generatorLoss, PIX2PIX_L1_WEIGHT } from '../../nn/pix2pix/losses';
import { Pix2Pix } from '../../nn/pix2pix/model';
import { Pix2PixOptimizers } from '../../nn/pix2pix/train-step';
import { SeededRng } from '../../util/rng';
import { dpSgdGradients, DpSgdOptions, gradientsByName } from '../dp/dp-sgd';
import { Adam } from '../../nn/adam';

export interface DpPix2PixStepOptions extends DpSgdOptions {
  /** Default 100. */
  lambda?: number;
}

export interface DpPix2PixStepNorms {
  /** Each example's gradient norm before clipping, D's then G's, in batch order. */
  d: number[];
  g: number[];
}

/**
 * One DP-SGD step on the pairs `batch` (indices into `pairs`, e.g. a Poisson draw; may be
 * empty: the step is then noise alone, and still counts). Returns the pre-clipping norms.
 */
export function dpPix2PixTrainStep(
  model: Pix2Pix,
  opt: Pix2PixOptimizers,
  pairs: EdgePairs,
  batch: readonly number[],
  rng: SeededRng,
  o: DpPix2PixStepOptions,
): DpPix2PixStepNorms {
  const lambda = o.lambda ?? PIX2PIX_L1_WEIGHT;
  const G = model.generator;
  const D = model.discriminator;
  const x = (i: number): tf.Tensor4D => pairs.edges.slice([batch[i], 0, 0, 0], [1, -1, -1, -1]);
  const y = (i: number): tf.Tensor4D => pairs.images.slice([batch[i], 0, 0, 0], [1, -1, -1, -1]);
  // One set of masks per example, shared by D's fake pair and G's pass, as in the non-private step.
  const masks: DropoutMasks[] = batch.map(() => G.sampleDropout(rng, [1, ...pairs.edges.shape.slice(1)]));
  const rows = batch.map((_, i) => i);
  const step = (adam: Adam, lossOf: (i: number) => tf.Scalar): number[] => {
    const { grads, norms } = dpSgdGradients(adam.variables, lossOf, rows, o);
    const named = gradientsByName(adam.variables, grads);
    adam.apply(named);
    tf.dispose(Object.values(named));
    return norms;
  };
  try {
    const d = step(opt.discriminator, (i) => {
      const c = x(i);
      // G's output is a constant for D's gradient (only D's variables are differentiated).
      return discriminatorLoss(D.apply(c, y(i)), D.apply(c, G.apply(c, masks[i])));
    });
    const g = step(opt.generator, (i) => {
      const c = x(i);
      const fake = G.apply(c, masks[i]);
      return generatorLoss(D.apply(c, fake), fake, y(i), lambda).total;
    });
    return { d, g };
  } finally {
    masks.forEach((m) => tf.dispose(m));
  }
}
