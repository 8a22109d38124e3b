/**
 * The compute party's base model: a SquareMlp (default 121 → 64 → 5, x² after the hidden layer)
 * trained in the clear on digits 0–4, and the feature extractor cut from it — the hidden layers
 * with their x², followed by a standardization of each feature, as the DenseLayer list the encrypted
 * inference runs. One hidden layer by default: the 32 penultimate features of 121 → 64 → 32 → 5 are
 * too specific to digits 0–4 (measured, 512 head rows, the transfer head's training settings, test
 * digits 5–9: the one-vs-rest head reaches 49.8 % after 3 epochs and at most 54.8 % in 10,
 * scikit-learn's logistic regression 74.4 %; on the 64 features of 121 → 64 → 5: 62.3 % after 3
 * epochs, 68.7 % after 10, scikit-learn 85.8 %).
 *
 * The standardization (mean and spread over the base training set, known to the compute party)
 * costs no level: the scale 1/σ folds into the last hidden layer before its x² ((h/√σ)² = h²/σ)
 * and the centring is a plaintext offset after it.
 */
import * as tf from '@tensorflow/tfjs';
import { SquareMlp, trainSquareMlp, predictSquareMlp } from '../../nn';
import { SeededRng } from '../../util/rng';
import type { DenseLayer } from '../../fhe/ckks/mlp';
import { INPUT_SIZE, type TaskRows } from './inputs';

export const BASE_HIDDEN: readonly number[] = Object.freeze([64]);

export interface BaseModel {
  /** hidden layers + standardization, for plain (inferPlain) and encrypted inference */
  extractor: DenseLayer[];
  /** accuracy on the base task's test rows (digits 0–4) */
  testAccuracy: number;
  /** mean training loss per epoch */
  losses: number[];
  seconds: number;
}

export interface BaseTrainOptions {
  epochs: number;
  seed: number;
  /** target spread of the standardized features (default 1) */
  featureScale?: number;
  /** hidden widths (default BASE_HIDDEN) */
  hidden?: readonly number[];
}

export function trainBaseModel(train: TaskRows, test: TaskRows, o: BaseTrainOptions): BaseModel {
  const t0 = performance.now();
  const mlp = new SquareMlp({ sizes: [INPUT_SIZE, ...(o.hidden ?? BASE_HIDDEN), 5] }, new SeededRng(o.seed));
  try {
    const losses = trainSquareMlp(mlp, train.x, train.y, { epochs: o.epochs, batchSize: 128, learningRate: 1e-3, seed: o.seed + 1 });
    const predicted = predictSquareMlp(mlp, test.x);
    const testAccuracy = test.y.reduce((n, y, i) => n + (predicted[i] === y ? 1 : 0), 0) / test.count;
    const hidden = mlp.layerCount - 1;
    const { mean, std } = tf.tidy(() => {
      const f = mlp.apply(tf.tensor2d(train.x, [train.count, INPUT_SIZE]), hidden);
      const m = tf.moments(f, 0);
      return { mean: Array.from(m.mean.dataSync()), std: Array.from(tf.sqrt(m.variance).dataSync()) };
    });
    const c = o.featureScale ?? 1;
    const layers = mlp.export(hidden);
    const last = layers[hidden - 1];
    const extractor: DenseLayer[] = layers.map((l) => ({ weights: l.weights, bias: l.bias, activation: 'square' }));
    // f_r = c(h_r² − μ_r)/σ_r = (√(c/σ_r)·h_r)² − c·μ_r/σ_r
    const gain = std.map((s) => Math.sqrt(c / Math.max(s, 1e-12)));
    extractor[hidden - 1] = {
      weights: last.weights.map((row, r) => row.map((w) => w * gain[r])),
      bias: last.bias.map((b, r) => b * gain[r]),
      activation: 'square',
      offset: mean.map((m, r) => (-c * m) / Math.max(std[r], 1e-12)),
    };
    return { extractor, testAccuracy, losses, seconds: (performance.now() - t0) / 1000 };
  } finally {
    mlp.dispose();
  }
}
