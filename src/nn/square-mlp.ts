/**
 * An HE-friendly classifier MLP: dense layers with x² after every hidden layer (CryptoNets' square
 * activation, as in TenSEAL's encrypted MNIST CNN), so that encrypted inference under CKKS needs
 * only additions and multiplications (one level per layer, one per activation). The
 * penultimate activations are the features a transfer-learning head is trained on.
 *
 * Plain tfjs ops (tf.matMul, tf.add, tf.square): privlab's fused dense kernels know only the
 * activations whose gradient is a function of their output, and x²'s (2x) is not (the sign is lost).
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../util/rng';
import { fillUniform } from './random';
import { variableFrom } from './variables';
import { Adam } from './adam';
import { requirePositiveInteger } from '../util/checks';

/** x², the activation; its gradient 2x·dy comes from tfjs's own Square kernel. */
export function squareActivation(x: tf.Tensor): tf.Tensor {
  return tf.square(x);
}

export interface SquareMlpConfig {
  /** Layer widths, input first: [196, 64, 32, 5] = two x² hidden layers and 5 logits. */
  sizes: number[];
}

/** A dense layer as plain numbers: weights[out][in] (one row per output neuron), bias[out]. */
export interface PlainDense {
  weights: number[][];
  bias: number[];
  /** x² after the layer (all hidden layers), none after the logits */
  square: boolean;
}

export class SquareMlp {
  readonly sizes: readonly number[];
  /** [in, out] kernels and [out] biases, layer by layer */
  readonly kernels: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];

  /** Weights and biases ~ U(±1/√fan_in) (PyTorch's nn.Linear default), drawn from `rng`. */
  constructor(config: SquareMlpConfig, rng: SeededRng) {
    const s = config.sizes;
    if (!Array.isArray(s) || s.length < 3 || !s.every((v) => Number.isInteger(v) && v > 0))
      throw new RangeError(`SquareMlp sizes must be at least three positive integers (one hidden layer), got [${s}]`);
    this.sizes = Object.freeze([...s]);
    for (let i = 0; i + 1 < s.length; i++) {
      const bound = 1 / Math.sqrt(s[i]);
      this.kernels.push(variableFrom(fillUniform(rng, new Float32Array(s[i] * s[i + 1]), -bound, bound), [s[i], s[i + 1]]));
      this.biases.push(variableFrom(fillUniform(rng, new Float32Array(s[i + 1]), -bound, bound), [s[i + 1]]));
    }
  }

  get layerCount(): number {
    return this.kernels.length;
  }

  /**
   * [batch, in] → the output of the first `layers` layers (default all: the logits). A hidden
   * layer's output is after its x²; `layers = layerCount − 1` gives the penultimate features.
   */
  apply(x: tf.Tensor2D, layers = this.layerCount): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.sizes[0]) throw new RangeError(`SquareMlp expects input [batch, ${this.sizes[0]}], got [${x.shape}]`);
    if (!Number.isInteger(layers) || layers < 1 || layers > this.layerCount)
      throw new RangeError(`layers must be an integer in [1, ${this.layerCount}], got ${layers}`);
    return tf.tidy(() => {
      let h: tf.Tensor2D = x;
      for (let i = 0; i < layers; i++) {
        h = tf.add(tf.matMul(h, this.kernels[i] as tf.Tensor2D), this.biases[i]) as tf.Tensor2D;
        if (i + 1 < this.layerCount) h = squareActivation(h) as tf.Tensor2D;
      }
      return h;
    });
  }

  /** The first `layers` layers as plain numbers (what encrypted inference runs). */
  export(layers = this.layerCount): PlainDense[] {
    const out: PlainDense[] = [];
    for (let i = 0; i < layers; i++) {
      const [n, m] = this.kernels[i].shape;
      const k = this.kernels[i].dataSync();
      out.push({
        weights: Array.from({ length: m }, (_, r) => Array.from({ length: n }, (_, c) => k[c * m + r])),
        bias: Array.from(this.biases[i].dataSync()),
        square: i + 1 < this.layerCount,
      });
    }
    return out;
  }

  variables(): tf.Variable[] {
    return [...this.kernels, ...this.biases];
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

export interface SquareMlpTrainOptions {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /** called after each epoch with its mean training loss */
  onEpoch?: (epoch: number, loss: number) => void;
}

/**
 * Softmax cross-entropy training with Adam (β1 0.9, β2 0.999) on `x` ([rows, in], row-major) and
 * labels 0 … classes−1; minibatches in a seeded order. Returns the mean loss of each epoch.
 */
export function trainSquareMlp(model: SquareMlp, x: Float32Array, labels: ArrayLike<number>, o: SquareMlpTrainOptions): number[] {
  const inputs = model.sizes[0];
  const classes = model.sizes[model.sizes.length - 1];
  const rows = labels.length;
  if (x.length !== rows * inputs) throw new RangeError(`x has ${x.length} values, ${rows} rows × ${inputs} inputs need ${rows * inputs}`);
  for (let i = 0; i < rows; i++)
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= classes)
      throw new RangeError(`label ${i} is ${labels[i]}, expected an integer in [0, ${classes})`);
  requirePositiveInteger(o.epochs, 'epochs');
  const batch = o.batchSize ?? 128;
  requirePositiveInteger(batch, 'batchSize');
  const rng = new SeededRng(o.seed ?? 0);
  const adam = new Adam(model.variables(), { learningRate: o.learningRate ?? 1e-3, beta1: 0.9, beta2: 0.999 });
  const losses: number[] = [];
  try {
    for (let e = 0; e < o.epochs; e++) {
      const order = rng.permutation(rows);
      let sum = 0;
      let batches = 0;
      for (let start = 0; start < rows; start += batch) {
        const idx = order.subarray(start, Math.min(rows, start + batch));
        const xb = new Float32Array(idx.length * inputs);
        const yb = new Int32Array(idx.length);
        idx.forEach((j, i) => {
          xb.set(x.subarray(j * inputs, (j + 1) * inputs), i * inputs);
          yb[i] = labels[j];
        });
        const loss = tf.tidy(() => {
          const xt = tf.tensor2d(xb, [idx.length, inputs]);
          const yt = tf.oneHot(tf.tensor1d(yb, 'int32'), classes);
          const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(yt, model.apply(xt)) as tf.Scalar, model.variables());
          adam.apply(grads);
          return value.dataSync()[0];
        });
        sum += loss;
        batches++;
      }
      losses.push(sum / batches);
      o.onEpoch?.(e + 1, sum / batches);
    }
    return losses;
  } finally {
    adam.dispose();
  }
}

/** Class predictions (argmax of the logits) for `x` ([rows, in], row-major). */
export function predictSquareMlp(model: SquareMlp, x: Float32Array): Int32Array {
  const inputs = model.sizes[0];
  const rows = x.length / inputs;
  return tf.tidy(() => tf.argMax(model.apply(tf.tensor2d(x, [rows, inputs])), 1).dataSync() as Int32Array);
}
