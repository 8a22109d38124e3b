/**
 * Compress a trained GAN's generator for FHE: fine-tune it with QAT at `bits`, prune it
 * in one shot to `prune` (L1, per layer), fine-tune again with the masks held, and export
 * the integer model the FHE compiler reads. The same recipe as the source's table
 * (gan-compression.ts), starting from a given GAN instead of training one: this is what
 * makes the shipped `qat4-pruned50` generator from the shipped regular one.
 *
 * Interrupts (Ctrl-C, SIGTERM, the kernel's interrupt) stop it after the current step. With
 * `checkpoint`, the run is saved there first (compress-checkpoint.ts) and `resume` with
 * the loaded checkpoint finishes it with the weights of a run never stopped, bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { Gan } from '../nn/gan';
import { GanOptimizers } from '../nn/gan-step';
import { GanStabilizers, StepInfo, throwIfStoppedEarly, trainGan, TrainGanResult } from '../nn/train-gan';
import { InterruptedError } from '../util/interrupt';
import { l1Mask, Mask, sparsity } from '../prune/masks';
import { MaskedVariables } from '../prune/masked-variables';
import { QatTransform } from '../quant/qat';
import { QuantizedModel } from '../quant/quantized-model';
import { quantizeInputs, runQuantized } from '../quant/quantized-eval';
import { randomNormal } from '../nn/random';
import { SeededRng } from '../util/rng';
import { ganQatConfig } from './gan-compression';
import { CompressCheckpoint, CompressProgress, CompressSettings, saveCompressCheckpoint } from './compress-checkpoint';

const STABILIZER_KEYS = ['realTarget', 'instanceNoise', 'discriminatorDropout'] as const;

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
  /** After every training step (after the pruning masks are re-applied). */
  onStep?: (phase: 'qat' | 'pruned', s: StepInfo) => void | Promise<void>;
  /** On an interrupt, save the run here (compress-checkpoint.ts) before stopping with an InterruptedError that names it. */
  checkpoint?: string;
  /** Kept in the checkpoint as given (the CLI's own fields: where the GAN came from, the dataset option). */
  checkpointCaller?: Record<string, unknown>;
  /**
   * Continue a stopped run: `loadCompressCheckpoint`'s result, whose `gan` must be `gan` (its
   * optimisers are used and then disposed here). The settings (bits, prune, epochs, seed,
   * batch size, stabilisers, dataset) must be the stopped run's.
   */
  resume?: Omit<CompressCheckpoint, 'caller'>;
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
  const settings: CompressSettings = {
    bits,
    prune,
    qatEpochs: opts.qatEpochs,
    finetuneEpochs: opts.finetuneEpochs,
    startEpoch: start,
    seed,
    batchSize: opts.batchSize ?? 64,
    maxStepsPerEpoch: opts.maxStepsPerEpoch ?? null,
    activationPercentile: opts.activationPercentile ?? 99.9,
    // in one key order, so that the stopped run's settings compare equal as JSON
    stabilizers: Object.fromEntries(STABILIZER_KEYS.filter((k) => opts.stabilizers?.[k] !== undefined).map((k) => [k, opts.stabilizers![k]])),
    train: `${opts.dataset.name} (${opts.dataset.count})`,
  };
  const resume = opts.resume;
  if (resume) {
    if (resume.gan !== gan) throw new Error("resume: pass the checkpoint's GAN as `gan`");
    for (const [k, v] of Object.entries(settings)) {
      const was = (resume.settings as unknown as Record<string, unknown>)[k];
      if (JSON.stringify(was) !== JSON.stringify(v)) throw new RangeError(`resume: the stopped run had ${k} ${JSON.stringify(was)}, not ${JSON.stringify(v)}`);
    }
  }
  const qat = new QatTransform(gan.generator, ganQatConfig(bits, settings.activationPercentile));
  if (resume) qat.restore(resume.progress.qat);
  gan.generator.transform = qat;
  const masks = new MaskedVariables();
  const qatEnd = start + opts.qatEpochs;
  const end = qatEnd + opts.finetuneEpochs;
  /** Save where `r` stopped (when asked to) and throw InterruptedError; nothing to do when it ran to the end. */
  const stopIfInterrupted = (r: TrainGanResult, phase: CompressProgress['phase'], what: string, kept: Mask[] | null): void => {
    if (!r.stoppedEarly) return;
    if (!opts.checkpoint) throwIfStoppedEarly(r, what);
    const file = opts.checkpoint as string;
    saveCompressCheckpoint(file, {
      settings,
      progress: { phase, epoch: r.epoch, resume: r.resume, qat: qat.state() },
      gan,
      optimizers: r.optimizers,
      masks: kept,
      caller: opts.checkpointCaller,
    });
    const where = r.resume.stepInEpoch > 0 ? `epoch ${r.epoch + 1}, step ${r.resume.stepInEpoch}` : `the end of epoch ${r.epoch}`;
    throw new InterruptedError(`${what} interrupted (${r.stopReason}) at ${where}; saved ${file} for --resume`, r.stopReason);
  };
  const disposeOptimizers = (o: GanOptimizers): void => {
    o.generator.dispose();
    o.discriminator.dispose();
  };
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
    // From where a resumed run stopped: the phase's epoch, optimisers and random streams.
    const from = (phase: CompressProgress['phase'], phaseStart: number) =>
      resume?.progress.phase === phase
        ? { startEpoch: resume.progress.epoch, optimizers: resume.optimizers, resume: resume.progress.resume }
        : { startEpoch: phaseStart };
    let kept: Mask[] | null = resume?.progress.phase === 'pruned' ? resume.masks : null;
    if (!kept) {
      const q = from('qat', start);
      const a = await trainGan({
        ...common,
        ...q,
        epochs: qatEnd - q.startEpoch,
        onStep: (s) => opts.onStep?.('qat', s),
        onEpoch: (e) => opts.onEpoch?.('qat', e.epoch, e.d, e.g),
      });
      try {
        // Ctrl-C: a half-fine-tuned model is not the compressed model; stop (and save) before pruning and export.
        stopIfInterrupted(a, 'qat', 'QAT fine-tuning', null);
      } finally {
        disposeOptimizers(a.optimizers);
      }
      kept = gan.generator.layers.map((l) => l1Mask(l.kernel.dataSync(), prune));
    }
    gan.generator.layers.forEach((l, i) => masks.setMask(l.kernel, kept![i]));
    const f = from('pruned', qatEnd);
    const b = await trainGan({
      ...common,
      ...f,
      epochs: end - f.startEpoch,
      onStep: (s) => {
        masks.apply(); // Adam moves pruned weights; put them back to 0 after every step
        return opts.onStep?.('pruned', s);
      },
      onEpoch: (e) => opts.onEpoch?.('pruned', e.epoch, e.d, e.g),
    });
    try {
      stopIfInterrupted(b, 'pruned', 'fine-tuning with the pruning masks', kept);
    } finally {
      disposeOptimizers(b.optimizers);
    }
    masks.apply();
    qat.training = false;
    const model = qat.exportModel({ variant: `qat-${bits}bit-pruned-${Math.round(prune * 100)}`, pruning: prune, epochs: end });
    const layerSparsity = gan.generator.layers.map((l) => sparsity(Uint8Array.from(l.kernel.dataSync(), (w) => (w !== 0 ? 1 : 0))));
    return { model, layerSparsity, epochs: end };
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
