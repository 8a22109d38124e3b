/**
 * The reference MNIST MLP GAN and its label-conditioned variant.
 *
 *   G: latent (+ one-hot label) → 256 → 512 → 1024 → 784, LeakyReLU(0.2), tanh output
 *   D: 784 (+ one-hot label) → 1024 → 512 → 256 → 1 logit, LeakyReLU(0.2)
 *
 * The conditional variant concatenates the one-hot class to G's latent vector and to D's
 * image (the classic cGAN of Mirza & Osindero for MLPs).
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../util/rng';
import { Mlp } from './mlp';
import { randomNormal } from './random';

export interface GanConfig {
  latentDim: number;
  /** Pixels per image (height·width). */
  imageSize: number;
  imageHeight: number;
  imageWidth: number;
  generatorHidden: number[];
  discriminatorHidden: number[];
  leakyAlpha: number;
  /** Number of classes for a conditional GAN; 0 for an unconditional one. */
  numClasses: number;
}

export const REFERENCE_GAN: Readonly<GanConfig> = Object.freeze({
  latentDim: 100,
  imageSize: 784,
  imageHeight: 28,
  imageWidth: 28,
  generatorHidden: [256, 512, 1024],
  discriminatorHidden: [1024, 512, 256],
  leakyAlpha: 0.2,
  numClasses: 0,
});

export function ganConfig(overrides: Partial<GanConfig> = {}): GanConfig {
  const c: GanConfig = {
    ...REFERENCE_GAN,
    generatorHidden: [...REFERENCE_GAN.generatorHidden],
    discriminatorHidden: [...REFERENCE_GAN.discriminatorHidden],
    ...overrides,
  };
  const posInt = (n: number) => Number.isInteger(n) && n > 0;
  if (!posInt(c.latentDim)) throw new RangeError(`latentDim must be a positive integer, got ${c.latentDim}`);
  if (!posInt(c.imageHeight) || !posInt(c.imageWidth)) throw new RangeError(`image size must be positive integers, got ${c.imageHeight}x${c.imageWidth}`);
  if (overrides.imageSize === undefined) c.imageSize = c.imageHeight * c.imageWidth;
  if (c.imageSize !== c.imageHeight * c.imageWidth) throw new RangeError(`imageSize ${c.imageSize} is not ${c.imageHeight}x${c.imageWidth}`);
  if (!Number.isInteger(c.numClasses) || c.numClasses < 0) throw new RangeError(`numClasses must be a non-negative integer, got ${c.numClasses}`);
  // checked here, not only when the networks are built: a checkpoint's config goes through ganConfig first
  if (!(typeof c.leakyAlpha === 'number' && c.leakyAlpha >= 0 && c.leakyAlpha < 1)) throw new RangeError(`leakyAlpha must be in [0, 1), got ${c.leakyAlpha}`);
  for (const [name, h] of [
    ['generatorHidden', c.generatorHidden],
    ['discriminatorHidden', c.discriminatorHidden],
  ] as const) {
    if (!Array.isArray(h) || !h.every(posInt)) throw new RangeError(`${name} must be positive integers, got [${h}]`);
  }
  return c;
}

export class Gan {
  readonly config: GanConfig;
  readonly generator: Mlp;
  readonly discriminator: Mlp;

  /** New weights drawn from `seed` (PyTorch's nn.Linear initialisation). */
  constructor(config: Partial<GanConfig> = {}, seed = 0) {
    this.config = ganConfig(config);
    const c = this.config;
    const rng = new SeededRng(seed);
    this.generator = new Mlp(
      {
        sizes: [c.latentDim + c.numClasses, ...c.generatorHidden, c.imageSize],
        hiddenActivation: 'leakyrelu',
        outputActivation: 'tanh',
        alpha: c.leakyAlpha,
      },
      rng,
    );
    this.discriminator = new Mlp(
      {
        sizes: [c.imageSize + c.numClasses, ...c.discriminatorHidden, 1],
        hiddenActivation: 'leakyrelu',
        outputActivation: 'linear',
        alpha: c.leakyAlpha,
      },
      rng,
    );
  }

  get conditional(): boolean {
    return this.config.numClasses > 0;
  }

  /** Latent vectors [n, latentDim] ~ N(0, 1) from `rng`. */
  sampleLatent(rng: SeededRng, n: number): tf.Tensor2D {
    return randomNormal(rng, [n, this.config.latentDim]) as tf.Tensor2D;
  }

  /** One-hot labels [n, numClasses] for class indices. */
  oneHot(labels: ArrayLike<number>): tf.Tensor2D {
    const k = this.config.numClasses;
    const out = new Float32Array(labels.length * k);
    for (let i = 0; i < labels.length; i++) {
      const c = labels[i];
      if (!Number.isInteger(c) || c < 0 || c >= k) throw new RangeError(`label ${c} is outside the ${k} classes`);
      out[i * k + c] = 1;
    }
    return tf.tensor2d(out, [labels.length, k]);
  }

  private withLabels(x: tf.Tensor2D, labels: tf.Tensor2D | undefined, what: string): tf.Tensor2D {
    if (!this.conditional) {
      if (labels) throw new Error(`${what}: this GAN is not conditional; pass no labels`);
      return x;
    }
    if (!labels) throw new Error(`${what}: a conditional GAN needs one-hot labels [batch, ${this.config.numClasses}]`);
    if (labels.rank !== 2 || labels.shape[0] !== x.shape[0] || labels.shape[1] !== this.config.numClasses) {
      throw new RangeError(`${what}: labels must be [${x.shape[0]}, ${this.config.numClasses}], got [${labels.shape}]`);
    }
    return tf.concat([x, labels], 1);
  }

  /** Images [n, imageSize] in [-1, 1] from latent vectors (and one-hot labels, if conditional). */
  generate(z: tf.Tensor2D, labels?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.generator.apply(this.withLabels(z, labels, 'generate')));
  }

  /** Real/fake logits [n, 1] for images [n, imageSize] (and one-hot labels, if conditional). */
  discriminate(x: tf.Tensor2D, labels?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.discriminator.apply(this.withLabels(x, labels, 'discriminate')));
  }

  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
  }
}
