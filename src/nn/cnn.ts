/**
 * A small classifier CNN for encrypted inference: 3x3 convolutions with stride 2 (valid
 * padding, ReLU), then one dense layer to the logits. Strided convolutions instead of
 * pooling, because in FHE a max-pool costs extra bootstrapped comparisons while a strided
 * convolution is one linear combination and one table per output.
 *
 * Like Mlp it takes a LayerTransform (quantization-aware training, src/quant/qat.ts): the
 * input, each kernel viewed as [k·k·C_in × C_out] (one column per output channel, as a
 * dense kernel has one per neuron) and each layer's output.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../util/rng';
import { Activation } from '../backend/ops';
import { LayerTransform } from './mlp';
import { fillUniform } from './random';
import { variableFrom } from './variables';

/** An NHWC feature map's shape (one sample). */
export interface ConvShape {
  height: number;
  width: number;
  channels: number;
}

/** Output shape of a valid-padding convolution. */
export function convOutputShape(input: ConvShape, c: { kernelHeight: number; kernelWidth: number; outChannels: number; stride: number }): ConvShape {
  const height = Math.floor((input.height - c.kernelHeight) / c.stride) + 1;
  const width = Math.floor((input.width - c.kernelWidth) / c.stride) + 1;
  if (height < 1 || width < 1) throw new RangeError(`a ${c.kernelHeight}x${c.kernelWidth} kernel does not fit a ${input.height}x${input.width} input`);
  return { height, width, channels: c.outChannels };
}

export interface StridedCnnConfig {
  input: ConvShape;
  /** Filters of each convolution, e.g. [6, 12]. */
  filters: number[];
  classes: number;
  /** Square kernel size. Default 3. */
  kernelSize?: number;
  /** Default 2. */
  stride?: number;
}

export interface CnnLayer {
  /** [k, k, C_in, C_out] for a convolution, [in, out] for the dense head. */
  kernel: tf.Variable;
  bias: tf.Variable;
  activation: Activation;
}

/** A variable ~ U(±1/√fan_in), PyTorch's default initialisation, from `rng`. */
function uniformVariable(rng: SeededRng, shape: number[], fanIn: number): tf.Variable {
  const b = 1 / Math.sqrt(fanIn);
  return variableFrom(fillUniform(rng, new Float32Array(shape.reduce((a, d) => a * d, 1)), -b, b), shape);
}

export class StridedCnn {
  readonly config: Required<StridedCnnConfig> & { alpha: number };
  /** The convolutions, then the dense head. */
  readonly layers: CnnLayer[];
  /** Feature-map shapes: the input, then each convolution's output. */
  readonly shapes: ConvShape[];
  transform?: LayerTransform;

  constructor(config: StridedCnnConfig, rng: SeededRng) {
    const c = { kernelSize: 3, stride: 2, ...config, alpha: 0 };
    const posInt = (n: number): boolean => Number.isInteger(n) && n > 0;
    if (!c.filters.length || !c.filters.every(posInt)) throw new RangeError(`filters must be positive integers, got [${c.filters}]`);
    if (![c.input.height, c.input.width, c.input.channels, c.classes, c.kernelSize, c.stride].every(posInt))
      throw new RangeError('CNN sizes must be positive integers');
    this.config = c;
    const k = c.kernelSize;
    this.shapes = [c.input];
    this.layers = c.filters.map((f, i) => {
      const cin = this.shapes[i].channels;
      this.shapes.push(convOutputShape(this.shapes[i], { kernelHeight: k, kernelWidth: k, outChannels: f, stride: c.stride }));
      return { kernel: uniformVariable(rng, [k, k, cin, f], k * k * cin), bias: uniformVariable(rng, [f], k * k * cin), activation: 'relu' as Activation };
    });
    const flat = this.flatFeatures;
    this.layers.push({ kernel: uniformVariable(rng, [flat, c.classes], flat), bias: uniformVariable(rng, [c.classes], flat), activation: 'linear' });
  }

  /** Features entering the dense head. */
  get flatFeatures(): number {
    const s = this.shapes[this.shapes.length - 1];
    return s.height * s.width * s.channels;
  }

  /** Flattened NHWC inputs [batch, H·W·C] → logits [batch, classes]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const { input } = this.config;
    if (x.rank !== 2 || x.shape[1] !== input.height * input.width * input.channels) {
      throw new RangeError(`CNN expects input [batch, ${input.height * input.width * input.channels}], got [${x.shape}]`);
    }
    const t = this.transform;
    return tf.tidy(() => {
      const x0 = t?.input ? t.input(0, x) : x;
      let h: tf.Tensor = x0.reshape([-1, input.height, input.width, input.channels]);
      const convs = this.layers.length - 1;
      for (let i = 0; i < convs; i++) {
        const l = this.layers[i];
        const [kh, kw, cin, cout] = l.kernel.shape;
        const w = t?.kernel ? t.kernel(i, l.kernel.reshape([kh * kw * cin, cout]) as tf.Tensor2D).reshape(l.kernel.shape) : l.kernel;
        const z = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, w as tf.Tensor4D, this.config.stride, 'valid'), l.bias));
        h = t?.output ? t.output(i, z.reshape([-1, cout]) as tf.Tensor2D).reshape(z.shape) : z;
      }
      const head = this.layers[convs];
      const w = t?.kernel ? t.kernel(convs, head.kernel as tf.Tensor2D) : (head.kernel as tf.Tensor2D);
      const z = tf.add(tf.matMul(h.reshape([-1, this.flatFeatures]) as tf.Tensor2D, w), head.bias) as tf.Tensor2D;
      return t?.output ? t.output(convs, z) : z;
    });
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  variableNames(): string[] {
    return this.layers.flatMap((_, i) => (i < this.layers.length - 1 ? [`conv${i}/kernel`, `conv${i}/bias`] : ['dense/kernel', 'dense/bias']));
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}
