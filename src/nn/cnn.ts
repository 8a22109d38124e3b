/**
 * A small classifier CNN for encrypted inference: 3x3 convolutions with stride 2 (valid
 * padding, ReLU), then one dense layer to the logits. Strided convolutions by default
 * instead of pooling, because in FHE a max-pool costs extra bootstrapped comparisons while
 * a strided convolution is one linear combination and one table per output. A k×k pooling
 * (average or max, stride k) may follow any convolution (`pools`), as LeNet's do: average
 * pooling costs no PBS (it folds into the next layer, src/quant/pooling.ts), max pooling 7
 * per pooled output.
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

/** Output shape of a k×k pooling with stride k (valid: a partial window at the edge is dropped). */
export function poolOutputShape(input: ConvShape, k: number): ConvShape {
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`pool size must be an integer ≥ 2, got ${k}`);
  const height = Math.floor(input.height / k);
  const width = Math.floor(input.width / k);
  if (height < 1 || width < 1) throw new RangeError(`a ${k}x${k} pool does not fit a ${input.height}x${input.width} map`);
  return { height, width, channels: input.channels };
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
  /** Stride of each convolution (overrides `stride`), e.g. [1, 2, 1, 2] for a deeper net that halves every other layer. */
  strides?: number[];
  /** Widths of hidden dense layers (ReLU) between the convolutions and the head, e.g. LeNet's [120, 84]. Default none. */
  dense?: number[];
  /** Pool size after each convolution's activation (0 or 1: none), e.g. LeNet's [2, 2]. Default none. */
  pools?: number[];
  /** 'avg' (default) or 'max'. */
  pool?: 'avg' | 'max';
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
  /** The convolutions, then the hidden dense layers, then the dense head. */
  readonly layers: CnnLayer[];
  /** Feature-map shapes: the input, then each convolution's output. */
  readonly shapes: ConvShape[];
  transform?: LayerTransform;

  constructor(config: StridedCnnConfig, rng: SeededRng) {
    const stride = config.stride ?? 2;
    const c = {
      ...config,
      kernelSize: config.kernelSize ?? 3,
      stride,
      strides: config.strides ?? config.filters.map(() => stride),
      dense: config.dense ?? [],
      pools: config.pools ?? config.filters.map(() => 0),
      pool: config.pool ?? 'avg',
      alpha: 0,
    };
    const posInt = (n: number): boolean => Number.isInteger(n) && n > 0;
    if (!c.filters.length || !c.filters.every(posInt)) throw new RangeError(`filters must be positive integers, got [${c.filters}]`);
    if (c.strides.length !== c.filters.length || !c.strides.every(posInt))
      throw new RangeError(`strides must be ${c.filters.length} positive integers (one per convolution), got [${c.strides}]`);
    if (!c.dense.every(posInt)) throw new RangeError(`dense widths must be positive integers, got [${c.dense}]`);
    if (c.pools.length !== c.filters.length || !c.pools.every((p) => Number.isInteger(p) && p >= 0))
      throw new RangeError(`pools must be ${c.filters.length} non-negative integers (one per convolution, 0: none), got [${c.pools}]`);
    if (c.pool !== 'avg' && c.pool !== 'max') throw new RangeError(`pool must be "avg" or "max", got "${String(c.pool)}"`);
    if (![c.input.height, c.input.width, c.input.channels, c.classes, c.kernelSize, c.stride].every(posInt))
      throw new RangeError('CNN sizes must be positive integers');
    this.config = c;
    const k = c.kernelSize;
    this.shapes = [c.input];
    this.layers = c.filters.map((f, i) => {
      const cin = this.shapes[i].channels;
      this.shapes.push(convOutputShape(this.convInput(i), { kernelHeight: k, kernelWidth: k, outChannels: f, stride: c.strides[i] }));
      return { kernel: uniformVariable(rng, [k, k, cin, f], k * k * cin), bias: uniformVariable(rng, [f], k * k * cin), activation: 'relu' as Activation };
    });
    const widths = [this.flatFeatures, ...c.dense, c.classes];
    for (let j = 1; j < widths.length; j++) {
      const [fin, fout] = [widths[j - 1], widths[j]];
      const activation: Activation = j === widths.length - 1 ? 'linear' : 'relu';
      this.layers.push({ kernel: uniformVariable(rng, [fin, fout], fin), bias: uniformVariable(rng, [fout], fin), activation });
    }
  }

  /** Number of convolutions (the first layers; the rest are dense). */
  get convolutions(): number {
    return this.config.filters.length;
  }

  /** The feature map convolution i reads: the input, or the previous convolution's output after its pooling. */
  convInput(i: number): ConvShape {
    if (i === 0) return this.shapes[0];
    const p = this.config.pools[i - 1];
    return p > 1 ? poolOutputShape(this.shapes[i], p) : this.shapes[i];
  }

  /** Features entering the dense head. */
  get flatFeatures(): number {
    const s = this.convInput(this.convolutions);
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
      const convs = this.convolutions;
      for (let i = 0; i < convs; i++) {
        const l = this.layers[i];
        const [kh, kw, cin, cout] = l.kernel.shape;
        const w = t?.kernel ? t.kernel(i, l.kernel.reshape([kh * kw * cin, cout]) as tf.Tensor2D).reshape(l.kernel.shape) : l.kernel;
        const z = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, w as tf.Tensor4D, this.config.strides[i], 'valid'), l.bias));
        h = t?.output ? t.output(i, z.reshape([-1, cout]) as tf.Tensor2D).reshape(z.shape) : z;
        // pooling after the quantizer: the mean / max of quantized values, which the integer model computes exactly
        const p = this.config.pools[i];
        if (p > 1) h = this.config.pool === 'max' ? tf.maxPool(h as tf.Tensor4D, p, p, 'valid') : tf.avgPool(h as tf.Tensor4D, p, p, 'valid');
      }
      let d = h.reshape([-1, this.flatFeatures]) as tf.Tensor2D;
      for (let i = convs; i < this.layers.length; i++) {
        const l = this.layers[i];
        const w = t?.kernel ? t.kernel(i, l.kernel as tf.Tensor2D) : (l.kernel as tf.Tensor2D);
        let z = tf.add(tf.matMul(d, w), l.bias) as tf.Tensor2D;
        if (l.activation === 'relu') z = tf.relu(z);
        d = t?.output ? t.output(i, z) : z;
      }
      return d;
    });
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  variableNames(): string[] {
    const convs = this.convolutions;
    const last = this.layers.length - 1;
    return this.layers.flatMap((_, i) =>
      i < convs ? [`conv${i}/kernel`, `conv${i}/bias`] : i === last ? ['dense/kernel', 'dense/bias'] : [`dense${i - convs}/kernel`, `dense${i - convs}/bias`],
    );
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}
