/**
 * Pix2Pix's U-Net generator (Isola et al. 2017, appendix 6.1.1) for small images.
 *
 * The original, for 256x256: encoder C64-C128-C256-C512-C512-C512-C512-C512 (eight 4x4
 * stride-2 convolutions down to 1x1), decoder CD512-CD512-CD512-C512-C256-C128-C64 (4x4
 * stride-2 transposed convolutions, each output concatenated with the mirror encoder layer's),
 * a last transposed convolution to the output channels and tanh. LeakyReLU 0.2 in the encoder,
 * ReLU in the decoder, BatchNorm everywhere except the first encoder layer — and, as in the
 * authors' PyTorch implementation, the bottleneck (at 1x1 with batch 1, batch statistics
 * would zero it). Convolutions followed by BatchNorm carry no bias (it would be cancelled).
 *
 * Here, for 32x32: the same pattern with five downsamplings (still to 1x1):
 *   encoder C64-C128-C256-C512-C512, decoder CD512-CD256-C128-C64, then 1 channel + tanh,
 * dropout 0.5 in the first `dropoutBlocks` decoder blocks (2 of 4 here, as 3 of 7 in the
 * original — the blocks nearest the bottleneck). Like the original, dropout is the
 * generator's only noise and stays on at test time when masks are given.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../util/rng';
import { activate } from '../../backend/ops/activation';
import { convDown, convKernel, convUp, dropoutMask, norm, NormKind, NormParams, normParams, ParamNetwork, zeroBias } from './layers';

export interface UnetConfig {
  /** Number of stride-2 halvings; input height and width must be divisible by 2^downsamplings. Default 5. */
  downsamplings?: number;
  /** Filters of the first encoder layer (the original's ngf). Default 64. */
  filters?: number;
  /** Cap on filters per layer (the original's 512 = 8·ngf). Default 8·filters. */
  maxFilters?: number;
  inChannels?: number;
  outChannels?: number;
  /** Dropout rate in the dropout blocks. Default 0.5. */
  dropout?: number;
  /** How many decoder blocks, counted from the bottleneck, have dropout. Default 2. */
  dropoutBlocks?: number;
  /** Default 'batch' (the original). */
  norm?: NormKind;
}

export const PIX2PIX_32_GENERATOR: Required<UnetConfig> = {
  downsamplings: 5,
  filters: 64,
  maxFilters: 512,
  inChannels: 1,
  outChannels: 1,
  dropout: 0.5,
  dropoutBlocks: 2,
  norm: 'batch',
};

interface EncoderLayer {
  kernel: tf.Variable;
  bias?: tf.Variable;
  norm?: NormParams;
}

interface DecoderLayer extends EncoderLayer {
  dropout: boolean;
}

const posInt = (name: string, v: number): number => {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`U-Net ${name} must be a positive integer, got ${v}`);
  return v;
};

export function checkUnetConfig(c: UnetConfig = {}): Required<UnetConfig> {
  const filters = posInt('filters', c.filters ?? PIX2PIX_32_GENERATOR.filters);
  const out: Required<UnetConfig> = {
    downsamplings: posInt('downsamplings', c.downsamplings ?? PIX2PIX_32_GENERATOR.downsamplings),
    filters,
    maxFilters: posInt('maxFilters', c.maxFilters ?? 8 * filters),
    inChannels: posInt('inChannels', c.inChannels ?? 1),
    outChannels: posInt('outChannels', c.outChannels ?? 1),
    dropout: c.dropout ?? 0.5,
    dropoutBlocks: c.dropoutBlocks ?? 2,
    norm: c.norm ?? 'batch',
  };
  if (out.downsamplings < 2) throw new RangeError(`a U-Net needs at least 2 downsamplings, got ${out.downsamplings}`);
  if (!(out.dropout >= 0 && out.dropout < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${out.dropout}`);
  if (!Number.isInteger(out.dropoutBlocks) || out.dropoutBlocks < 0 || out.dropoutBlocks > out.downsamplings - 1) {
    throw new RangeError(`dropoutBlocks must be an integer in [0, ${out.downsamplings - 1}], got ${out.dropoutBlocks}`);
  }
  if (out.norm !== 'batch' && out.norm !== 'none') throw new RangeError(`norm must be "batch" or "none", got "${String(out.norm)}"`);
  return out;
}

/** Per-forward dropout masks, one per dropout block (drawn once per step, so a recomputed forward matches). */
export type DropoutMasks = tf.Tensor[];

export class UnetGenerator extends ParamNetwork {
  readonly config: Required<UnetConfig>;
  readonly encoder: EncoderLayer[] = [];
  /** decoder[0] is the block next to the bottleneck; the last entry is the output layer. */
  readonly decoder: DecoderLayer[] = [];

  /** Seeded initialisation: conv weights N(0, 0.02), BatchNorm γ N(1, 0.02), biases and β 0. */
  constructor(config: UnetConfig, rng: SeededRng) {
    super();
    this.config = checkUnetConfig(config);
    const { downsamplings: d, inChannels, outChannels } = this.config;
    const batch = this.config.norm === 'batch';
    const ch = this.channels();
    for (let i = 0; i < d; i++) {
      const name = `enc${i + 1}`;
      const normed = batch && i > 0 && i < d - 1;
      this.encoder.push({
        kernel: convKernel(this.params, rng, name, [4, 4, i === 0 ? inChannels : ch[i - 1], ch[i]]),
        bias: normed ? undefined : zeroBias(this.params, name, ch[i]),
        norm: normed ? normParams(this.params, rng, name, ch[i]) : undefined,
      });
    }
    // Decoder block k (k = 0 at the bottleneck) maps to the channels of encoder layer d−2−k;
    // its input is the bottleneck (k = 0) or the previous block's output concatenated with
    // the skip, twice those channels.
    for (let k = 0; k < d - 1; k++) {
      const name = `dec${k + 1}`;
      const inC = k === 0 ? ch[d - 1] : 2 * ch[d - 1 - k];
      const outC = ch[d - 2 - k];
      this.decoder.push({
        kernel: convKernel(this.params, rng, name, [4, 4, outC, inC]),
        bias: batch ? undefined : zeroBias(this.params, name, outC),
        norm: batch ? normParams(this.params, rng, name, outC) : undefined,
        dropout: k < this.config.dropoutBlocks && this.config.dropout > 0,
      });
    }
    this.decoder.push({
      kernel: convKernel(this.params, rng, 'out', [4, 4, outChannels, 2 * ch[0]]),
      bias: zeroBias(this.params, 'out', outChannels),
      dropout: false,
    });
  }

  /** Channels of each encoder layer: filters·2^i, capped at maxFilters. */
  channels(): number[] {
    const { downsamplings, filters, maxFilters } = this.config;
    return Array.from({ length: downsamplings }, (_, i) => Math.min(filters * 2 ** i, maxFilters));
  }

  checkInput(x: tf.Tensor): void {
    const { downsamplings: d, inChannels } = this.config;
    const f = 2 ** d;
    if (x.rank !== 4 || x.shape[3] !== inChannels) {
      throw new RangeError(`U-Net expects NHWC input [batch, height, width, ${inChannels}], got [${x.shape}]`);
    }
    const [, h, w] = x.shape as number[];
    if (h % f !== 0 || w % f !== 0 || h === 0 || w === 0) {
      throw new RangeError(`U-Net with ${d} downsamplings needs height and width divisible by ${f}, got ${h}x${w}`);
    }
  }

  /** Shapes of the dropout masks for an input of this shape (one per dropout block). */
  dropoutShapes(inputShape: readonly number[]): number[][] {
    const { downsamplings: d } = this.config;
    const ch = this.channels();
    const [n, h, w] = inputShape;
    return this.decoder
      .map((l, k) => ({ l, k }))
      .filter(({ l }) => l.dropout)
      .map(({ k }) => [n, h / 2 ** (d - 1 - k), w / 2 ** (d - 1 - k), ch[d - 2 - k]]);
  }

  /** Fresh dropout masks from `rng` for an input of this shape. The caller disposes them. */
  sampleDropout(rng: SeededRng, inputShape: readonly number[]): DropoutMasks {
    return this.dropoutShapes(inputShape).map((s) => dropoutMask(rng, s, this.config.dropout));
  }

  /**
   * [batch, h, w, inChannels] in [-1, 1] → [batch, h, w, outChannels] in (−1, 1). With
   * `masks` (from sampleDropout) the dropout blocks apply them; without, dropout is off.
   */
  apply(x: tf.Tensor4D, masks?: DropoutMasks): tf.Tensor4D {
    this.checkInput(x);
    const shapes = this.dropoutShapes(x.shape);
    if (masks && (masks.length !== shapes.length || masks.some((m, i) => m.shape.join() !== shapes[i]?.join()))) {
      throw new RangeError(`dropout masks must have shapes ${JSON.stringify(shapes)}, got ${JSON.stringify(masks.map((m) => m.shape))}`);
    }
    return tf.tidy(() => {
      // Skips are the encoder layers' outputs before their activation, as in the original.
      const skips: tf.Tensor4D[] = [];
      let h: tf.Tensor4D = x;
      this.encoder.forEach((l, i) => {
        const input = i === 0 ? h : (activate(h, 'leakyrelu', 0.2) as tf.Tensor4D);
        h = norm(convDown(input, l.kernel, l.bias), l.norm);
        skips.push(h);
      });
      let m = 0;
      const d = this.encoder.length;
      this.decoder.forEach((l, k) => {
        const up = convUp(activate(h, 'relu') as tf.Tensor4D, l.kernel, l.bias);
        if (k === this.decoder.length - 1) {
          h = tf.tanh(up);
          return;
        }
        let y = norm(up, l.norm);
        if (l.dropout && masks) y = tf.mul(y, masks[m++]);
        h = tf.concat([skips[d - 2 - k], y], 3);
      });
      return h;
    });
  }
}
