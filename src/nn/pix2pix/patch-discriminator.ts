/**
 * Pix2Pix's PatchGAN discriminator (Isola et al. 2017, appendix 6.1.2): the 70x70 one,
 * C64-C128-C256-C512 — 4x4 convolutions, the first three stride 2, the fourth stride 1 —
 * then a stride-1 4x4 convolution to one logit per patch. LeakyReLU 0.2; BatchNorm except
 * on the first layer (no bias where BatchNorm follows). It judges the (condition, image)
 * pair concatenated on the channel axis, and outputs a map of patch logits.
 *
 * Each stride-2 layer halves the map and each stride-1 layer (padding 1) shrinks it by one,
 * so an s x s input gives (s/2^L − 2) x (s/2^L − 2) patches for L stride-2 layers: 30x30
 * at 256 (the original), 2x2 at 32. Each patch sees a square of the input of side
 * 9·2^L − 2: 70 for L = 3. At 32x32 a 70-pixel patch covers the whole image (the original's
 * layer pattern is kept); `layers` = 1 or 2 gives the paper's 16x16 and 34x34 PatchGANs.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../util/rng';
import { activate } from '../../backend/ops/activation';
import { convDown, convKernel, convPad1, norm, NormKind, NormParams, normParams, ParamNetwork, zeroBias } from './layers';

export interface PatchDiscriminatorConfig {
  /** Stride-2 layers (the original's n_layers). Default 3: the 70x70 PatchGAN. */
  layers?: number;
  /** Filters of the first layer (ndf). Default 64. */
  filters?: number;
  /** Cap on filters (the original's 8·ndf). Default 8·filters. */
  maxFilters?: number;
  /** Channels of the condition and of the image; the input has their sum. Default 1 and 1. */
  conditionChannels?: number;
  imageChannels?: number;
  norm?: NormKind;
}

export const PIX2PIX_32_DISCRIMINATOR: Required<PatchDiscriminatorConfig> = {
  layers: 3,
  filters: 64,
  maxFilters: 512,
  conditionChannels: 1,
  imageChannels: 1,
  norm: 'batch',
};

/** Patches per side for an input side s (closed form, see the file comment). */
export function patchGridSize(inputSize: number, layers: number): number {
  return inputSize / 2 ** layers - 2;
}

/** Input pixels per side of each patch's receptive field: 9·2^L − 2 (r ← 2r + 2 per stride-2 layer from 7). */
export function patchReceptiveField(layers: number): number {
  return 9 * 2 ** layers - 2;
}

interface Layer {
  kernel: tf.Variable;
  bias?: tf.Variable;
  norm?: NormParams;
  stride: 1 | 2;
}

export function checkPatchConfig(c: PatchDiscriminatorConfig = {}): Required<PatchDiscriminatorConfig> {
  const d = PIX2PIX_32_DISCRIMINATOR;
  const filters = c.filters ?? d.filters;
  const out: Required<PatchDiscriminatorConfig> = {
    layers: c.layers ?? d.layers,
    filters,
    maxFilters: c.maxFilters ?? 8 * filters,
    conditionChannels: c.conditionChannels ?? 1,
    imageChannels: c.imageChannels ?? 1,
    norm: c.norm ?? 'batch',
  };
  for (const k of ['layers', 'filters', 'maxFilters', 'conditionChannels', 'imageChannels'] as const) {
    if (!Number.isInteger(out[k]) || out[k] < 1) throw new RangeError(`PatchGAN ${k} must be a positive integer, got ${out[k]}`);
  }
  if (out.norm !== 'batch' && out.norm !== 'none') throw new RangeError(`norm must be "batch" or "none", got "${String(out.norm)}"`);
  return out;
}

export class PatchDiscriminator extends ParamNetwork {
  readonly config: Required<PatchDiscriminatorConfig>;
  readonly layers: Layer[] = [];

  constructor(config: PatchDiscriminatorConfig, rng: SeededRng) {
    super();
    this.config = checkPatchConfig(config);
    const { layers: n, filters, maxFilters, conditionChannels, imageChannels } = this.config;
    const batch = this.config.norm === 'batch';
    const ch = (i: number): number => Math.min(filters * 2 ** i, maxFilters);
    // n stride-2 layers, one stride-1 layer, then the stride-1 layer to one logit.
    for (let i = 0; i <= n + 1; i++) {
      const name = i === n + 1 ? 'out' : `conv${i + 1}`;
      const inC = i === 0 ? conditionChannels + imageChannels : ch(i - 1);
      const outC = i === n + 1 ? 1 : ch(i);
      const normed = batch && i > 0 && i <= n;
      this.layers.push({
        kernel: convKernel(this.params, rng, name, [4, 4, inC, outC]),
        bias: normed ? undefined : zeroBias(this.params, name, outC),
        norm: normed ? normParams(this.params, rng, name, outC) : undefined,
        stride: i < n ? 2 : 1,
      });
    }
  }

  /** Patches per side for an input of side `size`. */
  patchGrid(size: number): number {
    return patchGridSize(size, this.config.layers);
  }

  checkInput(condition: tf.Tensor, image: tf.Tensor): void {
    const { layers: n, conditionChannels, imageChannels } = this.config;
    if (condition.rank !== 4 || image.rank !== 4 || condition.shape[3] !== conditionChannels || image.shape[3] !== imageChannels) {
      throw new RangeError(
        `PatchGAN expects condition [n, h, w, ${conditionChannels}] and image [n, h, w, ${imageChannels}], got [${condition.shape}] and [${image.shape}]`,
      );
    }
    if (condition.shape.slice(0, 3).join() !== image.shape.slice(0, 3).join()) {
      throw new RangeError(`PatchGAN: condition [${condition.shape}] and image [${image.shape}] differ in batch or size`);
    }
    const f = 2 ** n;
    const [, h, w] = image.shape;
    if (h % f !== 0 || w % f !== 0 || h / f < 3 || w / f < 3) {
      throw new RangeError(`PatchGAN with ${n} stride-2 layers needs height and width divisible by ${f} and at least ${3 * f}, got ${h}x${w}`);
    }
  }

  /** Patch logits [n, g, g, 1] for (condition, image) pairs. */
  apply(condition: tf.Tensor4D, image: tf.Tensor4D): tf.Tensor4D {
    this.checkInput(condition, image);
    return tf.tidy(() => {
      let h = tf.concat([condition, image], 3) as tf.Tensor4D;
      this.layers.forEach((l, i) => {
        const z = l.stride === 2 ? convDown(h, l.kernel, l.bias) : convPad1(h, l.kernel, l.bias);
        h = i === this.layers.length - 1 ? z : (activate(norm(z, l.norm), 'leakyrelu', 0.2) as tf.Tensor4D);
      });
      return h;
    });
  }
}
