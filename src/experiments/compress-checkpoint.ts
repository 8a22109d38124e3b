/**
 * A stopped compression run (compressGenerator: QAT fine-tuning, one-shot pruning,
 * fine-tuning with the masks held), saved so that resuming it ends with the weights of a run
 * never stopped, bit for bit: both networks' weights, both Adams' moments and step counts,
 * the pruning masks (once pruned), the QAT quantizers' observed ranges, the phase and
 * epoch, and trainGan's resume state (step in the epoch, the latent-noise and dropout
 * streams, the partial epoch's loss sums). The settings of the run are kept with it: a
 * resumed run takes them from here.
 *
 * The bytes are a resume checkpoint of src/nn/training-checkpoint.ts (a tensor frame), read
 * as an untrusted file: size first, the frame's checks, then every field below; the GAN is
 * built only once its configuration's size equals the tensors the file holds.
 */
import * as tf from '@tensorflow/tfjs';
import { Gan, GanConfig, ganConfig } from '../nn/gan';
import { GanOptimizers, ganOptimizers } from '../nn/gan-step';
import { ganParameterCount, MAX_HIDDEN_LAYERS, namedVariables } from '../nn/checkpoint';
import { checkResumeState, GanStabilizers, TrainGanResumeState } from '../nn/train-gan';
import {
  adamMeta,
  assignTensors,
  CheckpointFields,
  checkTensors,
  readTrainingCheckpoint,
  TrainingCheckpointError,
  writeTrainingCheckpoint,
} from '../nn/training-checkpoint';
import { Mask } from '../prune/masks';

export const COMPRESS_CHECKPOINT_FORMAT = 'privlab.compress-checkpoint';

/** What the run was asked to do; a resumed run must be the same run. */
export interface CompressSettings {
  bits: number;
  prune: number;
  qatEpochs: number;
  finetuneEpochs: number;
  startEpoch: number;
  seed: number;
  batchSize: number;
  maxStepsPerEpoch: number | null;
  activationPercentile: number;
  stabilizers: GanStabilizers;
  /** `${name} (${count})` of the training set: the batches of a stopped epoch are a position in it. */
  train: string;
}

/** QAT's observed ranges (QatTransform.state()). */
export interface QuantizerRanges {
  input?: { min: number; max: number };
  outputs: Array<{ min: number; max: number } | null>;
}

/** Where the run stopped. */
export interface CompressProgress {
  /** 'qat': in the QAT fine-tuning (no masks yet); 'pruned': pruned, fine-tuning with the masks. */
  phase: 'qat' | 'pruned';
  /** Last completed epoch (numbered from settings.startEpoch, as trainGan numbers them). */
  epoch: number;
  resume: TrainGanResumeState;
  qat: QuantizerRanges;
}

export interface CompressCheckpoint {
  settings: CompressSettings;
  progress: CompressProgress;
  /** The GAN (QAT not attached) and the phase's optimisers, restored. */
  gan: Gan;
  optimizers: GanOptimizers;
  /** Per generator layer, once pruned. */
  masks: Mask[] | null;
  /** The caller's own fields, as given to saveCompressCheckpoint (checked by the caller). */
  caller: Record<string, unknown>;
}

function maskNames(gan: Gan): string[] {
  return gan.generator.layers.map((_, i) => `mask/generator/layer${i}/kernel`);
}

export function saveCompressCheckpoint(file: string, c: Omit<CompressCheckpoint, 'caller'> & { caller?: Record<string, unknown> }): void {
  const { gan, optimizers, masks } = c;
  if ((c.progress.phase === 'pruned') !== (masks !== null)) throw new RangeError('a pruned run saves its masks, a QAT run none');
  // Made inside the try: a mask of the wrong length throws part way, and those made before it are freed too.
  const maskTensors: [string, tf.Tensor][] = [];
  try {
    (masks ?? []).forEach((m, i) => maskTensors.push([maskNames(gan)[i], tf.tensor(Float32Array.from(m), gan.generator.layers[i].kernel.shape)]));
    writeTrainingCheckpoint(
      file,
      COMPRESS_CHECKPOINT_FORMAT,
      {
        settings: c.settings,
        config: gan.config,
        progress: c.progress,
        adam: { generator: adamMeta(optimizers.generator), discriminator: adamMeta(optimizers.discriminator) },
        caller: c.caller ?? {},
      },
      [...namedVariables(gan, optimizers), ...maskTensors],
    );
  } finally {
    tf.dispose(maskTensors.map(([, t]) => t));
  }
}

function readSettings(f: CheckpointFields, v: unknown): CompressSettings {
  const s = f.object('settings', v);
  const st = f.object('settings.stabilizers', s.stabilizers);
  const stabilizers: GanStabilizers = {};
  for (const k of ['realTarget', 'instanceNoise', 'discriminatorDropout'] as const)
    if (st[k] !== undefined) stabilizers[k] = f.finite(`settings.stabilizers.${k}`, st[k]);
  const prune = f.finite('settings.prune', s.prune);
  const percentile = f.finite('settings.activationPercentile', s.activationPercentile);
  if (!(prune >= 0 && prune < 1)) f.fail('settings.prune', 'a fraction in [0, 1)', prune);
  return {
    bits: f.int('settings.bits', s.bits, 2, 8),
    prune,
    qatEpochs: f.int('settings.qatEpochs', s.qatEpochs, 0),
    finetuneEpochs: f.int('settings.finetuneEpochs', s.finetuneEpochs, 0),
    startEpoch: f.int('settings.startEpoch', s.startEpoch, 0),
    seed: f.int('settings.seed', s.seed, Number.MIN_SAFE_INTEGER),
    batchSize: f.int('settings.batchSize', s.batchSize, 1),
    maxStepsPerEpoch: s.maxStepsPerEpoch === null ? null : f.int('settings.maxStepsPerEpoch', s.maxStepsPerEpoch, 1),
    activationPercentile: percentile > 50 && percentile <= 100 ? percentile : f.fail('settings.activationPercentile', 'a percentile in (50, 100]', percentile),
    stabilizers,
    train: f.string('settings.train', s.train),
  };
}

function readConfig(f: CheckpointFields, v: unknown): GanConfig {
  const c = f.object('config', v) as Partial<GanConfig>;
  for (const k of ['generatorHidden', 'discriminatorHidden'] as const)
    if (!Array.isArray(c[k]) || (c[k] as unknown[]).length > MAX_HIDDEN_LAYERS) f.fail(`config.${k}`, `a list of at most ${MAX_HIDDEN_LAYERS} widths`, c[k]);
  let config: GanConfig;
  try {
    config = ganConfig(c);
  } catch (e) {
    return f.fail('config', `a GAN configuration (${(e as Error).message})`, v);
  }
  if (config.numClasses !== 0) f.fail('config.numClasses', '0 (compression takes the unconditional GAN)', config.numClasses);
  return config;
}

/** Read and check a compression checkpoint; the GAN and optimisers it returns are the caller's to dispose. */
export function loadCompressCheckpoint(file: string): CompressCheckpoint {
  const { meta, weights } = readTrainingCheckpoint(file, COMPRESS_CHECKPOINT_FORMAT);
  const f = new CheckpointFields(file);
  const settings = readSettings(f, meta.settings);
  const config = readConfig(f, meta.config);
  const p = f.object('progress', meta.progress);
  const phase = p.phase === 'qat' || p.phase === 'pruned' ? p.phase : f.fail('progress.phase', '"qat" or "pruned"', p.phase);
  const qatEnd = settings.startEpoch + settings.qatEpochs;
  const [first, last] = phase === 'qat' ? [settings.startEpoch, qatEnd] : [qatEnd, qatEnd + settings.finetuneEpochs];
  const epoch = f.int('progress.epoch', p.epoch, first, last);
  let resume: TrainGanResumeState;
  try {
    resume = checkResumeState(p.resume);
  } catch (e) {
    return f.fail('progress.resume', `a trainGan resume state (${(e as Error).message})`, p.resume);
  }
  if (resume.stepInEpoch > 0 && epoch === last) f.fail('progress.resume.stepInEpoch', `0 after the phase's last epoch ${last}`, resume.stepInEpoch);
  const layers = config.generatorHidden.length + 1;
  const qat = f.quantizerRanges('progress.qat', p.qat, layers);
  const adam = f.object('adam', meta.adam);
  const caller = f.object('caller', meta.caller);
  // The GAN is built only when its size is what the file holds: weights + two moments (+ masks of the generator's kernels).
  const sizes = [config.latentDim, ...config.generatorHidden, config.imageSize];
  const maskValues = phase === 'pruned' ? sizes.slice(1).reduce((n, out, i) => n + sizes[i] * out, 0) : 0;
  const expected = 3 * ganParameterCount(config, ['generator', 'discriminator']) + maskValues;
  const held = weights.values.reduce((n, v) => n + v.length, 0);
  if (held !== expected) throw new TrainingCheckpointError(file, `its GAN configuration needs ${expected} values, the file holds ${held}`);
  const gan = new Gan(config, settings.seed);
  const optimizers = ganOptimizers(gan);
  try {
    const targets = namedVariables(gan, optimizers);
    const kernels = gan.generator.layers.map((l) => l.kernel);
    const maskSpecs = phase === 'pruned' ? maskNames(gan).map((name, i) => ({ name, shape: kernels[i].shape })) : [];
    checkTensors(file, weights, [...targets.map(([name, v]) => ({ name, shape: v.shape })), ...maskSpecs]);
    assignTensors(file, { specs: weights.specs.slice(0, targets.length), values: weights.values.slice(0, targets.length) }, targets);
    optimizers.generator.step = f.adam('adam.generator', adam.generator, optimizers.generator);
    optimizers.discriminator.step = f.adam('adam.discriminator', adam.discriminator, optimizers.discriminator);
    const masks = phase === 'pruned' ? weights.values.slice(targets.length).map((v, i) => f.mask(`tensor ${maskSpecs[i].name}`, v)) : null;
    return { settings, progress: { phase, epoch, resume, qat }, gan, optimizers, masks, caller };
  } catch (e) {
    gan.dispose();
    optimizers.generator.dispose();
    optimizers.discriminator.dispose();
    throw e;
  }
}
