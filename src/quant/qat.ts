/**
 * Quantization-aware training for privlab's MLPs (src/nn/mlp.ts): a layer transform
 * that fake-quantizes the first layer's input, every kernel (symmetric, one scale per
 * output neuron, from the kernel's current max |w|) and every layer's output (affine,
 * from an exponential moving average of each batch's range — min/max as TF's QAT does,
 * or percentiles). The backward pass is the straight-through estimator. After
 * training, `exportModel` writes the integer model that the FHE compiler consumes;
 * running it in the clear reproduces the QAT forward pass up to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { fakeQuant } from './fake-quant';
import { hasKernel, hostMinMax, hostValues } from './fake-quant-kernels';
import { PrivlabFakeQuantSymmetricColumns } from '../backend/kernel-names';
import { percentileRange, stridedSample } from './percentile';
import { intRange, paramsFromRange, QuantParams } from './quantizer';
import { ActivationName } from './activations';
import { QuantizedModel } from './quantized-model';
import { floatLayers, integerModel } from './ptq';
import { LayerTransform } from '../nn/mlp';

/** Values per batch that percentile ranges are taken from. */
const PERCENTILE_SAMPLE = 16384;

/** The parts of an MLP that QAT reads (src/nn's Mlp has them). */
export interface MlpLike {
  layers: Array<{ kernel: tf.Variable; bias: tf.Variable; activation: ActivationName }>;
  config: { alpha: number };
}

export interface QatConfig {
  weightBits: number;
  activationBits: number;
  /** Bits of the model input (default activationBits). */
  inputBits?: number;
  /** Bits of the last layer's output, e.g. a classifier's logits (default activationBits). */
  outputBits?: number;
  /** Fixed input range, e.g. {min: -3, max: 3} for N(0, 1) latents or {0, 1} for pixels. Default: EMA. */
  inputRange?: { min: number; max: number };
  /** Fixed output range of the last layer, e.g. [-1, 1] after tanh. Default: EMA. */
  outputRange?: { min: number; max: number };
  /** EMA decay of activation ranges. Default 0.99. */
  emaDecay?: number;
  /**
   * Each batch's range of an activation as its p-th / (100 − p)-th percentiles instead
   * of min/max (e.g. 99.9): at 4 bits a few LeakyReLU outliers would otherwise stretch
   * the step for every other value. Default: min/max.
   */
  activationPercentile?: number;
}

interface Range {
  min: number;
  max: number;
}

/** The forward value of kernel fake quantization, without gradient bookkeeping. */
function fakeQuantKernelValue(x: tf.Tensor2D, qmax: number): tf.Tensor2D {
  if (hasKernel(PrivlabFakeQuantSymmetricColumns) && x.dtype === 'float32') {
    return tf.engine().runKernel(PrivlabFakeQuantSymmetricColumns, { x }, { qmax } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    // A column of zeros (fully pruned neuron) quantizes to zeros whatever its scale.
    const scale = tf.maximum(tf.max(tf.abs(x), 0, true), 1e-12).div(qmax);
    return tf.round(x.div(scale)).mul(scale);
  });
}

/**
 * Per-channel symmetric fake quantization of a kernel [in × out] with the scale taken
 * from the tensor itself (max |w| per column / qmax). The backward pass is the
 * identity (STE through the rounding; nothing is clipped, since the scale covers each
 * column's whole range). `cached`, when given, is the forward value to reuse.
 */
export function fakeQuantKernel(w: tf.Tensor2D, bits: number, cached?: tf.Tensor2D): tf.Tensor2D {
  const { qmax } = intRange({ bits, signed: true, narrow: true, symmetric: true });
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor2D;
    return { value: cached ? cached.clone() : fakeQuantKernelValue(x, qmax), gradFunc: (dy: tf.Tensor) => dy };
  });
  return f(w) as tf.Tensor2D;
}

export class QatTransform implements LayerTransform {
  /** Output ranges per layer (EMA), and of the input. */
  private ranges: Array<Range | undefined>;
  private inputEma: Range | undefined;
  /** Update the EMA ranges in output()/input() (on while training). */
  training = true;
  /**
   * Put the quantizers in the forward pass. Off, the transform only observes ranges (when
   * training): float epochs before QAT start the quantizers from the float ranges.
   */
  quantize = true;
  private kernelCache: Array<{ source: tf.Tensor2D; value: tf.Tensor2D } | undefined> = [];
  private scratch = new Float32Array(0);
  private sample = new Float32Array(PERCENTILE_SAMPLE);

  constructor(
    readonly mlp: MlpLike,
    readonly config: QatConfig,
  ) {
    for (const b of [config.weightBits, config.activationBits, config.outputBits ?? config.activationBits]) intRange({ bits: b, signed: true });
    // 1-bit inputs ({0, 1}, e.g. binarized pixels) are possible only on a fixed non-negative range
    intRange({ bits: config.inputBits ?? config.activationBits, signed: !(config.inputRange && config.inputRange.min >= 0) });
    const p = config.activationPercentile;
    if (p !== undefined && !(p > 50 && p <= 100)) throw new RangeError(`activationPercentile must be in (50, 100], got ${p}`);
    this.ranges = mlp.layers.map(() => undefined);
  }

  private observe(prev: Range | undefined, t: tf.Tensor): Range {
    const p = this.config.activationPercentile;
    let mn: number;
    let mx: number;
    if (p !== undefined) {
      // A sample of 16k values per batch: the EMA averages the sampling noise away, and
      // selecting over a whole [64 × 1024] batch costs a third of a GAN step.
      const all = hostValues(t) ?? (t.dataSync() as Float32Array);
      const values = stridedSample(all, t.shape[t.rank - 1], PERCENTILE_SAMPLE, this.sample);
      if (this.scratch.length < values.length) this.scratch = new Float32Array(values.length);
      ({ min: mn, max: mx } = percentileRange(values, p, this.scratch));
    } else {
      const host = hostMinMax(t);
      [mn, mx] = host ? [host.min, host.max] : tf.tidy(() => tf.stack([t.min(), t.max()]).dataSync() as Float32Array);
    }
    if (!prev) return { min: mn, max: mx };
    const d = this.config.emaDecay ?? 0.99;
    return { min: d * prev.min + (1 - d) * mn, max: d * prev.max + (1 - d) * mx };
  }

  /** Quantizer of layer k's output (or of the model input, k = -1). */
  params(k: number): QuantParams {
    const last = k === this.mlp.layers.length - 1;
    const fixed = k < 0 ? this.config.inputRange : last ? this.config.outputRange : undefined;
    const r = fixed ?? (k < 0 ? this.inputEma : this.ranges[k]);
    if (!r) throw new Error(`QAT: no range observed yet for ${k < 0 ? 'the input' : `layer ${k}`}; run training steps (or set a fixed range) first`);
    const bits =
      k < 0
        ? (this.config.inputBits ?? this.config.activationBits)
        : last
          ? (this.config.outputBits ?? this.config.activationBits)
          : this.config.activationBits;
    return paramsFromRange(r.min, r.max, { bits, signed: r.min < 0 });
  }

  input(layer: number, x: tf.Tensor2D): tf.Tensor2D {
    if (layer !== 0) return x;
    if (!this.config.inputRange && this.training) this.inputEma = this.observe(this.inputEma, x);
    return this.quantize ? (fakeQuant(x, this.params(-1)) as tf.Tensor2D) : x;
  }

  /**
   * A GAN step runs the generator twice (for D's batch, then for its own update) with
   * the same kernels, so the quantized kernel is kept until the variable's value
   * changes. The cache holds a clone of the kernel it quantized: while that reference
   * exists no kernel may write the buffer in place (privlab's fused Adam writes in place
   * only when the variable is the buffer's sole owner), so new weights always come in
   * new storage, and a different dataId is exactly "the weights changed".
   */
  kernel(layer: number, w: tf.Tensor2D): tf.Tensor2D {
    if (!this.quantize) return w;
    const hit = this.kernelCache[layer];
    if (!hit || hit.source.dataId !== w.dataId) {
      if (hit) tf.dispose([hit.source, hit.value]);
      const { qmax } = intRange({ bits: this.config.weightBits, signed: true, narrow: true, symmetric: true });
      this.kernelCache[layer] = { source: tf.keep(w.clone()), value: tf.keep(fakeQuantKernelValue(w, qmax)) };
    }
    return fakeQuantKernel(w, this.config.weightBits, this.kernelCache[layer]!.value);
  }

  /** Release the cached kernels. */
  dispose(): void {
    for (const c of this.kernelCache) if (c) tf.dispose([c.source, c.value]);
    this.kernelCache = [];
  }

  output(layer: number, y: tf.Tensor2D): tf.Tensor2D {
    const last = layer === this.mlp.layers.length - 1;
    if (this.training && !(last && this.config.outputRange)) this.ranges[layer] = this.observe(this.ranges[layer], y);
    return this.quantize ? (fakeQuant(y, this.params(layer)) as tf.Tensor2D) : y;
  }

  /** The integer model of the MLP as trained (weights quantized exactly as in the forward pass). */
  exportModel(meta: Record<string, unknown> = {}): QuantizedModel {
    return integerModel(floatLayers(this.mlp), this.params(-1), this.config.weightBits, (k) => this.params(k), {
      method: 'qat',
      weightBits: this.config.weightBits,
      activationBits: this.config.activationBits,
      inputBits: this.config.inputBits ?? this.config.activationBits,
      ...(this.config.outputBits === undefined ? {} : { outputBits: this.config.outputBits }),
      ...meta,
    });
  }

  /** For checkpoints: the observed ranges. */
  state(): { input?: Range; outputs: Array<Range | null> } {
    return { input: this.inputEma, outputs: this.ranges.map((r) => r ?? null) };
  }

  restore(s: { input?: Range; outputs: Array<Range | null> }): void {
    if (s.outputs.length !== this.ranges.length) throw new RangeError(`QAT state has ${s.outputs.length} layers, the model ${this.ranges.length}`);
    this.inputEma = s.input;
    this.ranges = s.outputs.map((r) => r ?? undefined);
  }
}
