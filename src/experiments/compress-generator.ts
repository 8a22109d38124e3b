/**
 * Compress a trained GAN's generator for FHE: fine-tune it with QAT at `bits`, prune it
 * in one shot to `prune` (L1, per layer), fine-tune again with the masks held, and export
 * the integer model the FHE compiler reads. The same recipe as the source's table
 * (gan-compression.ts), starting from a given GAN instead of training one: this is what
 * makes the shipped `qat4-pruned50` generator from the shipped regular one.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { Gan } from '../nn/gan';
import { GanStabilizers, throwIfStoppedEarly, trainGan } from '../nn/train-gan';
import { l1Mask, sparsity } from '../prune/masks';
import { MaskedVariables } from '../prune/masked-variables';
import { QatTransform } from '../quant/qat';
import { QuantizedModel } from '../quant/quantized-model';
import { quantizeInputs, runQuantized } from '../quant/quantized-eval';
import { randomNormal } from '../nn/random';
import { SeededRng } from '../util/rng';
import { ganQatConfig } from './gan-compression';

export interface CompressGeneratorOptions {
  /** The trained GAN (generator and discriminator); its weights are changed in place. */
  gan: Gan;
  dataset: ImageDataset;
  bits: number;
  /** Fraction of each generator layer's weights set to 0, in [0, 1). */
  prune: number;
  /** QAT fine-tuning epochs before pruning. */
  qatEpochs: number;
  /** Fine-tuning epochs after pruning, masks held. */
  finetuneEpochs: number;
  /** Epochs the GAN was trained before (numbering continues from here). */
  startEpoch?: number;
  seed?: number;
  batchSize?: number;
  maxStepsPerEpoch?: number;
  activationPercentile?: number;
  stabilizers?: GanStabilizers;
  onEpoch?: (phase: 'qat' | 'pruned', epoch: number, d: number, g: number) => void;
}

export interface CompressedGenerator {
  model: QuantizedModel;
  /** Measured share of zero weights per generator layer (each ≥ `prune`). */
  layerSparsity: number[];
  epochs: number;
}

export async function compressGenerator(opts: CompressGeneratorOptions): Promise<CompressedGenerator> {
  const { gan, bits, prune } = opts;
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new RangeError(`bits must be an integer in 2..8, got ${bits}`);
  if (!(prune >= 0 && prune < 1)) throw new RangeError(`prune must be a fraction in [0, 1), got ${prune}`);
  for (const [name, n] of [
    ['qatEpochs', opts.qatEpochs],
    ['finetuneEpochs', opts.finetuneEpochs],
  ] as const) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  }
  if (gan.conditional) throw new Error('compressGenerator takes the unconditional reference GAN');
  if (gan.generator.transform) throw new Error('the generator already has a layer transform');
  const seed = opts.seed ?? 0;
  const start = opts.startEpoch ?? 0;
  const qat = new QatTransform(gan.generator, ganQatConfig(bits, opts.activationPercentile ?? 99.9));
  gan.generator.transform = qat;
  const masks = new MaskedVariables();
  try {
    const common = {
      dataset: opts.dataset,
      gan,
      seed,
      batchSize: opts.batchSize,
      sampleEpochs: [],
      maxStepsPerEpoch: opts.maxStepsPerEpoch,
      stabilizers: opts.stabilizers,
    };
    const a = await trainGan({ ...common, epochs: opts.qatEpochs, startEpoch: start, onEpoch: (e) => opts.onEpoch?.('qat', e.epoch, e.d, e.g) });
    a.optimizers.generator.dispose();
    a.optimizers.discriminator.dispose();
    // Ctrl-C: a half-fine-tuned model is not the compressed model; stop before pruning and export.
    throwIfStoppedEarly(a, 'QAT fine-tuning');
    for (const l of gan.generator.layers) masks.setMask(l.kernel, l1Mask(l.kernel.dataSync(), prune));
    const b = await trainGan({
      ...common,
      epochs: opts.finetuneEpochs,
      startEpoch: start + opts.qatEpochs,
      onStep: () => masks.apply(), // Adam moves pruned weights; put them back to 0 after every step
      onEpoch: (e) => opts.onEpoch?.('pruned', e.epoch, e.d, e.g),
    });
    b.optimizers.generator.dispose();
    b.optimizers.discriminator.dispose();
    throwIfStoppedEarly(b, 'fine-tuning with the pruning masks');
    masks.apply();
    qat.training = false;
    const epochs = start + opts.qatEpochs + opts.finetuneEpochs;
    const model = qat.exportModel({ variant: `qat-${bits}bit-pruned-${Math.round(prune * 100)}`, pruning: prune, epochs });
    const layerSparsity = gan.generator.layers.map((l) => sparsity(Uint8Array.from(l.kernel.dataSync(), (w) => (w !== 0 ? 1 : 0))));
    return { model, layerSparsity, epochs };
  } finally {
    masks.dispose();
    gan.generator.transform = undefined;
    qat.dispose();
  }
}

/**
 * `count` images [count, 784] in [-1, 1] from the integer generator, run in the clear
 * (runQuantized: what FHE computes), on seeded N(0, 1) latents.
 */
export function quantizedGeneratorSamples(model: QuantizedModel, count: number, seed = 12345): tf.Tensor2D {
  const inputs = model.layers[0].inputs;
  const outputs = model.layers[model.layers.length - 1].outputs;
  const z = tf.tidy(() => randomNormal(new SeededRng(seed), [count, inputs]).dataSync() as Float32Array);
  const run = runQuantized(model, quantizeInputs(model, z), count);
  return tf.tensor2d(run.values, [count, outputs]);
}
