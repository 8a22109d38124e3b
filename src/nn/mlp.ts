/**
 * A multilayer perceptron as plain tfjs variables and privlab's fused dense op: one
 * kernel per layer forward, and a backward pass that keeps the fusion (src/backend/ops/dense).
 */
import * as tf from '@tensorflow/tfjs';
import { Activation, checkActivation, dense } from '../backend/ops';
import { SeededRng } from '../util/rng';
import { fillUniform } from './random';
import { variableFrom } from './variables';

export interface MlpConfig {
  /** Layer widths, input first: [784, 1024, 512, 256, 1] has 4 dense layers. */
  sizes: number[];
  /** Activation after every hidden layer. Default 'leakyrelu'. */
  hiddenActivation?: Activation;
  /** Activation after the last layer. Default 'linear'. */
  outputActivation?: Activation;
  /** leakyrelu's negative slope. Default 0.2. */
  alpha?: number;
}

export interface DenseLayer {
  /** [in, out] */
  kernel: tf.Variable;
  /** [out] */
  bias: tf.Variable;
  activation: Activation;
}

export function checkMlpConfig(c: MlpConfig): Required<MlpConfig> {
  if (!Array.isArray(c.sizes) || c.sizes.length < 2 || !c.sizes.every((s) => Number.isInteger(s) && s > 0)) {
    throw new RangeError(`MLP sizes must be at least two positive integers, got [${c.sizes}]`);
  }
  const alpha = c.alpha ?? 0.2;
  if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`leakyrelu alpha must be in [0, 1), got ${alpha}`);
  return {
    sizes: [...c.sizes],
    hiddenActivation: checkActivation(c.hiddenActivation ?? 'leakyrelu'),
    outputActivation: checkActivation(c.outputActivation ?? 'linear'),
    alpha,
  };
}

/**
 * A hook into apply(): what quantization-aware training needs (src/quant/qat.ts) —
 * transform the first input, each kernel before use, and each layer's output.
 * Gradients flow through whatever the transform does (e.g. a straight-through estimator).
 */
export interface LayerTransform {
  input?(layer: number, x: tf.Tensor2D): tf.Tensor2D;
  kernel?(layer: number, w: tf.Tensor2D): tf.Tensor2D;
  output?(layer: number, y: tf.Tensor2D): tf.Tensor2D;
}

export class Mlp {
  readonly config: Required<MlpConfig>;
  readonly layers: DenseLayer[];
  /** Optional layer transform applied by apply() (QAT). */
  transform?: LayerTransform;

  /**
   * Weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) — PyTorch's nn.Linear default,
   * the initialisation the reference GAN was trained with — drawn from `rng`.
   */
  constructor(config: MlpConfig, rng: SeededRng) {
    this.config = checkMlpConfig(config);
    const { sizes } = this.config;
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const bound = 1 / Math.sqrt(sizes[i]);
      const w = fillUniform(rng, new Float32Array(sizes[i] * sizes[i + 1]), -bound, bound);
      const b = fillUniform(rng, new Float32Array(sizes[i + 1]), -bound, bound);
      this.layers.push({
        kernel: variableFrom(w, [sizes[i], sizes[i + 1]]),
        bias: variableFrom(b, [sizes[i + 1]]),
        activation: i + 2 === sizes.length ? this.config.outputActivation : this.config.hiddenActivation,
      });
    }
  }

  get inputSize(): number {
    return this.config.sizes[0];
  }

  get outputSize(): number {
    return this.config.sizes[this.config.sizes.length - 1];
  }

  /** [batch, in] → [batch, out]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) {
      throw new RangeError(`MLP expects input [batch, ${this.inputSize}], got [${x.shape}]`);
    }
    const t = this.transform;
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach((l, i) => {
        if (t?.input) h = t.input(i, h);
        const w = t?.kernel ? t.kernel(i, l.kernel as tf.Tensor2D) : (l.kernel as tf.Tensor2D);
        h = dense(h, w, l.bias as tf.Tensor1D, { activation: l.activation, alpha: this.config.alpha });
        if (t?.output) h = t.output(i, h);
      });
      return h;
    });
  }

  /** Kernels and biases, layer by layer (kernel then bias). */
  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  /** Stable names for checkpoints: "layer0/kernel", "layer0/bias", … */
  variableNames(): string[] {
    return this.layers.flatMap((_, i) => [`layer${i}/kernel`, `layer${i}/bias`]);
  }

  parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
