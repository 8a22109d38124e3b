/**
 * The source paper's MNIST GAN table on this machine: a regular GAN, generators
 * trained with 6- and 4-bit QAT, and the 4-bit one pruned (L1 unstructured, one shot,
 * then fine-tuned with the masks held), each scored by FID against the held-out
 * digits; training time per epoch, and the accumulator bit-widths each quantized
 * generator needs in FHE. Shared by the notebook (02-qat-pruning) and
 * `privlab bench gan-compression`.
 *
 * Two choices make the comparison fair and stable (measured, seed 0, 20 epochs):
 * - QAT fine-tunes: each QAT model starts from the regular GAN's weights `qatEpochs`
 *   before its end and trains quantized for the rest, so it has the same epochs in all.
 *   4-bit QAT from scratch lagged the regular GAN throughout (FID 197/244 vs 136/158
 *   at epochs 15/20); fine-tuned from epoch 15 it reached 103 at epoch 20.
 * - FID is the mean over the last `fidEpochs` epochs: a GAN's FID swings by 15-40 %
 *   from one epoch to the next (136 → 158 for the regular GAN from epoch 15 to 20), more
 *   than the effects the table measures.
 *
 * `from` starts from a GAN trained elsewhere (the shipped data/gan/regular): every row then
 * fine-tunes the same trained weights, so a short run compares trained generators rather
 * than the noise of a few epochs from scratch.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { MnistSource, mnistSplit } from '../data/mnist-canonical';
import { FeatureModel, loadFeatureModel } from '../metrics/feature-model';
import { frechetDistance } from '../metrics/frechet';
import { GaussianStats } from '../metrics/gaussian-stats';
import { generatorFid } from '../metrics/gan-fid';
import { cachedDatasetStats } from '../metrics/stats-cache';
import { Gan } from '../nn/gan';
import { GanStabilizers, throwIfStoppedEarly, trainGan, StepInfo } from '../nn/train-gan';
import { l1Mask } from '../prune/masks';
import { GradualSchedule, sparsityAt } from '../prune/schedule';
import { MaskedVariables } from '../prune/masked-variables';
import { accumulatorReport, LayerAccumulatorReport } from '../prune/accumulator-report';
import { QatConfig, QatTransform } from '../quant/qat';
import { QuantizedModel } from '../quant/quantized-model';
import { SeededRng } from '../util/rng';
import { ensureBackend } from '../backend/select';
import { requirePositiveInteger } from '../util/checks';

export interface GanCompressionOptions {
  /** Where the digits come from: the canonical MNIST (60,000 / 10,000; default) or the small 10k set ('small', for quick runs). */
  mnist?: MnistSource;
  /**
   * Training epochs of the regular, 6-bit and 4-bit models. Required unless `from` is
   * given; then it is `from.epochs + qatEpochs` (and may be left out).
   */
  epochs?: number;
  /**
   * Start from this trained GAN (generator and discriminator; not changed) after
   * `epochs` epochs, instead of training the regular GAN from scratch. The regular row
   * then trains on unquantized for `qatEpochs` from the same weights as the QAT rows: the
   * control, trained the same steps with fresh optimisers like them.
   */
  from?: { gan: Gan; epochs: number };
  /** D's stabilisers while training (label smoothing, dropout, …). Default: none (the source's training). */
  stabilizers?: GanStabilizers;
  /** Fine-tuning epochs of each pruned model (from the 4-bit one). */
  finetuneEpochs: number;
  /** Pruning fractions of the 4-bit generator. Default DEFAULT_PRUNE_FRACTIONS (the paper's). */
  pruneFractions?: number[];
  /** QAT bit-widths. Default DEFAULT_QAT_BITS; the last is the one pruned. */
  qatBits?: number[];
  /**
   * Epochs each QAT model trains quantized, from the regular GAN's weights at epoch
   * `epochs − qatEpochs` (QAT as fine-tuning). `qatEpochs = epochs` trains from
   * scratch. Default max(1, round(epochs / 4)); 1 with `from`.
   */
  qatEpochs?: number;
  /** Activation ranges of QAT from each batch's percentiles (QatConfig.activationPercentile). Default 99.9. */
  activationPercentile?: number;
  /** FID of a variant: the mean over its last this-many epochs. Default 3. */
  fidEpochs?: number;
  /**
   * 'one-shot': prune to the fraction, then fine-tune with the masks held. 'gradual'
   * (Zhu & Gupta): sparsity rises along their cubic over the first 60 % of the
   * fine-tuning steps, masks recomputed 25 times, then held. Default 'one-shot'.
   */
  pruneSchedule?: 'one-shot' | 'gradual';
  seed?: number;
  /** Generated images per FID. Default 2000. */
  fidSamples?: number;
  /** Cap steps per epoch (quick runs). */
  maxStepsPerEpoch?: number;
  featureModel?: FeatureModel;
  onStep?: (variant: string, s: StepInfo) => void | Promise<void>;
  onEpoch?: (variant: string, epoch: number, of: number) => void | Promise<void>;
  onVariant?: (row: GanCompressionRow) => void | Promise<void>;
  /** Sees each variant's trained GAN before it is disposed (its float weights: e.g. that pruned ones stay exactly 0). */
  onTrained?: (variant: string, gan: Gan) => void | Promise<void>;
}

export interface GanCompressionRow {
  variant: string;
  /** null for the float model. */
  bits: number | null;
  pruning: number;
  /** Mean of `fidTrail`. */
  fid: number;
  /** FID after each of the variant's last epochs (up to `fidEpochs`), oldest first. */
  fidTrail: number[];
  /** Epochs this variant trained itself (the time per epoch is over these). */
  epochs: number;
  /** Epochs it inherited: float pre-training of QAT models, the 4-bit model's for pruned ones. */
  startEpoch: number;
  trainSeconds: number;
  secondsPerEpoch: number;
  /** CPU seconds (all threads of this process) per epoch: robust to other load on the machine. */
  cpuSecondsPerEpoch: number;
  /** 64 samples (fixed latents), [64 × 784] in [-1, 1]. */
  samples: Float32Array;
  /** Per generator layer, for quantized variants. */
  accumulators?: LayerAccumulatorReport[];
  /** The exported integer generator (the FHE compiler's input), for quantized variants. */
  model?: QuantizedModel;
}

export interface GanCompressionResult {
  rows: GanCompressionRow[];
  /** FID of real training digits against the held-out ones: the floor. */
  realFloor: number;
  /** CPU time per epoch of each QAT model over the regular one. */
  qatOverhead: Record<string, number>;
  /** The same ratio in wall-clock time (sensitive to other load). */
  qatOverheadWall: Record<string, number>;
  /** The options, with `epochs` and `qatEpochs` resolved, and `from` reduced to the epochs it had trained. */
  options: Omit<GanCompressionOptions, 'from' | 'featureModel' | 'onStep' | 'onEpoch' | 'onVariant' | 'onTrained'> & { epochs: number; fromEpochs?: number };
}

/** The source paper's rows: QAT at 6 and 4 bits, the 4-bit generator pruned 20 / 50 / 70 / 80 %. */
export const DEFAULT_QAT_BITS: readonly number[] = Object.freeze([6, 4]);
export const DEFAULT_PRUNE_FRACTIONS: readonly number[] = Object.freeze([0.2, 0.5, 0.7, 0.8]);

const LATENT_RANGE = { min: -3, max: 3 };
const IMAGE_RANGE = { min: -1, max: 1 };

/** QAT of the GAN generator: latents clipped to ±3, images in [-1, 1] (tanh), every quantizer at `bits`. */
export function ganQatConfig(bits: number, activationPercentile: number): QatConfig {
  return { weightBits: bits, activationBits: bits, inputBits: bits, inputRange: LATENT_RANGE, outputRange: IMAGE_RANGE, activationPercentile };
}

/** A copy of a GAN's weights (both networks) under the same configuration. */
function cloneGan(src: Gan, seed: number): Gan {
  const copy = new Gan(src.config, seed);
  const from = [...src.generator.variables(), ...src.discriminator.variables()];
  const to = [...copy.generator.variables(), ...copy.discriminator.variables()];
  to.forEach((v, i) => v.assign(from[i]));
  return copy;
}

function fixedSamples(gan: Gan, seed: number): Float32Array {
  const rng = new SeededRng(seed);
  return tf.tidy(() => gan.generate(gan.sampleLatent(rng, 64)).dataSync() as Float32Array).slice();
}

function latents(gan: Gan, n: number, seed: number): Float32Array {
  return tf.tidy(() => gan.sampleLatent(new SeededRng(seed), n).dataSync() as Float32Array).slice();
}

export async function runGanCompression(opts: GanCompressionOptions): Promise<GanCompressionResult> {
  // Trains in process: the fast backend unless one was chosen.
  await ensureBackend();
  const seed = opts.seed ?? 0;
  const fractions = opts.pruneFractions ?? [...DEFAULT_PRUNE_FRACTIONS];
  const qatBits = opts.qatBits ?? [...DEFAULT_QAT_BITS];
  const { from } = opts;
  if (from) {
    if (!Number.isInteger(from.epochs) || from.epochs < 0) throw new RangeError(`from.epochs must be a non-negative integer, got ${from.epochs}`);
    if (from.gan.conditional) throw new TypeError('from must be the unconditional reference GAN, got a conditional one');
  }
  const qatEpochs = opts.qatEpochs ?? (from ? 1 : Math.max(1, Math.round((opts.epochs ?? 0) / 4)));
  const epochs = from ? from.epochs + qatEpochs : opts.epochs;
  if (epochs === undefined) throw new TypeError('runGanCompression needs epochs (or from, a trained GAN to start from)');
  if (from && opts.epochs !== undefined && opts.epochs !== epochs)
    throw new RangeError(`with from (${from.epochs} epochs trained) and qatEpochs ${qatEpochs}, epochs is ${epochs}, got ${opts.epochs}`);
  if (!Number.isInteger(qatEpochs) || qatEpochs < 1 || qatEpochs > epochs)
    throw new RangeError(`qatEpochs must be an integer in 1..epochs (${epochs}), got ${qatEpochs}`);
  const fidEpochs = opts.fidEpochs ?? 3;
  requirePositiveInteger(fidEpochs, 'fidEpochs');
  const fm = opts.featureModel ?? (await loadFeatureModel());
  try {
    return await compress({ ...opts, epochs, qatEpochs, fidEpochs }, fm, seed, fractions, qatBits);
  } finally {
    if (!opts.featureModel) fm.dispose();
  }
}

async function compress(
  opts: GanCompressionOptions & { epochs: number; qatEpochs: number; fidEpochs: number },
  fm: FeatureModel,
  seed: number,
  fractions: number[],
  qatBits: number[],
): Promise<GanCompressionResult> {
  const split = mnistSplit(opts.mnist);
  const real = cachedDatasetStats(fm, split.test);
  const realFloor = frechetDistance(cachedDatasetStats(fm, split.train), real);
  const rows: GanCompressionRow[] = [];

  const fidOf = (gan: Gan, qat?: QatTransform): number => {
    const was = qat?.training;
    if (qat) qat.training = false;
    try {
      return generatorFid(gan, fm, real, { count: opts.fidSamples ?? 2000, seed: seed + 777 });
    } finally {
      if (qat) qat.training = was!;
    }
  };

  interface Trained {
    seconds: number;
    cpuSeconds: number;
    fidTrail: number[];
  }
  /**
   * Epochs startEpoch+1 … startEpoch+epochs; FID after each of the last `fidEpochs`
   * (the time spent on those is not training time); `atEpoch` sees the GAN after each.
   */
  const train = async (
    variant: string,
    gan: Gan,
    startEpoch: number,
    epochs: number,
    extra: { masks?: MaskedVariables; qat?: QatTransform; atEpoch?: (epoch: number) => void; atStep?: (s: StepInfo) => void } = {},
  ): Promise<Trained> => {
    const end = startEpoch + epochs;
    const fidTrail: number[] = [];
    let fidSeconds = 0;
    let fidCpu = 0;
    const cpu0 = process.cpuUsage();
    const r = await trainGan({
      dataset: split.train as ImageDataset,
      epochs,
      startEpoch,
      gan,
      seed,
      sampleEpochs: [],
      maxStepsPerEpoch: opts.maxStepsPerEpoch,
      stabilizers: opts.stabilizers,
      onStep: async (s) => {
        extra.atStep?.(s);
        extra.masks?.apply();
        await opts.onStep?.(variant, s);
      },
      onEpoch: async (e) => {
        extra.atEpoch?.(e.epoch);
        if (e.epoch > end - opts.fidEpochs) {
          const t0 = performance.now();
          const c0 = process.cpuUsage();
          fidTrail.push(fidOf(gan, extra.qat));
          const c = process.cpuUsage(c0);
          fidSeconds += (performance.now() - t0) / 1000;
          fidCpu += (c.user + c.system) / 1e6;
        }
        await opts.onEpoch?.(variant, e.epoch - startEpoch, epochs);
      },
    });
    const cpu = process.cpuUsage(cpu0);
    r.optimizers.generator.dispose();
    r.optimizers.discriminator.dispose();
    throwIfStoppedEarly(r, `training of ${variant}`);
    if (fidTrail.length === 0) fidTrail.push(fidOf(gan, extra.qat)); // no epochs trained
    return { seconds: r.seconds - fidSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 - fidCpu, fidTrail };
  };

  const finish = async (
    variant: string,
    gan: Gan,
    bits: number | null,
    pruning: number,
    startEpoch: number,
    epochs: number,
    t: Trained,
    qat?: QatTransform,
  ): Promise<void> => {
    if (qat) qat.training = false;
    await opts.onTrained?.(variant, gan);
    const fid = t.fidTrail.reduce((a, b) => a + b, 0) / t.fidTrail.length;
    let model: QuantizedModel | undefined;
    let accumulators: LayerAccumulatorReport[] | undefined;
    if (qat) {
      model = qat.exportModel({ variant, pruning, epochs: startEpoch + epochs });
      accumulators = accumulatorReport(model, latents(gan, 500, seed + 999), 500);
    }
    const perEpoch = (x: number): number => x / Math.max(1, epochs);
    const row: GanCompressionRow = {
      variant,
      bits,
      pruning,
      fid,
      fidTrail: t.fidTrail,
      epochs,
      startEpoch,
      trainSeconds: t.seconds,
      secondsPerEpoch: perEpoch(t.seconds),
      cpuSecondsPerEpoch: perEpoch(t.cpuSeconds),
      samples: fixedSamples(gan, seed + 555),
      accumulators,
      model,
    };
    rows.push(row);
    await opts.onVariant?.(row);
  };

  const pct = opts.activationPercentile ?? 99.9;
  const qatStart = opts.epochs - opts.qatEpochs;
  const { from } = opts;
  // Trained from scratch, or on from `from` (then qatStart = from.epochs) as the QAT rows' control.
  const regular = from ? cloneGan(from.gan, seed) : new Gan({}, seed);
  const regularStart = from ? qatStart : 0;
  // The QAT models' starting point: the regular GAN after qatStart epochs.
  let pretrained = from || qatStart === 0 ? cloneGan(regular, seed) : undefined;
  const t0 = await train('regular', regular, regularStart, opts.epochs - regularStart, {
    atEpoch: (e) => {
      if (e === qatStart) pretrained = cloneGan(regular, seed);
    },
  });
  await finish('regular', regular, null, 0, regularStart, opts.epochs - regularStart, t0);
  regular.dispose();
  if (!pretrained) throw new Error('the regular GAN stopped before the QAT starting epoch');

  let base: { gan: Gan; qat: QatTransform } | undefined;
  for (const bits of qatBits) {
    const gan = cloneGan(pretrained, seed);
    const qat = new QatTransform(gan.generator, ganQatConfig(bits, pct));
    gan.generator.transform = qat;
    const t = await train(`qat-${bits}bit`, gan, qatStart, opts.qatEpochs, { qat });
    await finish(`qat-${bits}bit`, gan, bits, 0, qatStart, opts.qatEpochs, t, qat);
    if (base) {
      base.qat.dispose();
      base.gan.dispose();
    }
    base = { gan, qat };
  }
  pretrained.dispose();
  if (!base) throw new Error('no QAT bit-width given');
  const bits = qatBits[qatBits.length - 1];
  for (const p of fractions) {
    const gan = cloneGan(base.gan, seed);
    const qat = new QatTransform(gan.generator, ganQatConfig(bits, pct));
    qat.restore(base.qat.state());
    gan.generator.transform = qat;
    const masks = new MaskedVariables();
    const prune = (fraction: number): void => {
      for (const l of gan.generator.layers) masks.setMask(l.kernel, l1Mask(l.kernel.dataSync(), fraction));
    };
    const gradual = opts.pruneSchedule === 'gradual' && opts.finetuneEpochs > 0;
    prune(gradual ? 0 : p);
    let step = 0;
    let schedule: GradualSchedule | undefined; // steps per epoch are known from the first step
    const atStep = !gradual
      ? undefined
      : (s: StepInfo): void => {
          if (!schedule) {
            const span = 0.6 * s.stepsPerEpoch * opts.finetuneEpochs;
            schedule = { initial: 0, final: p, startStep: 0, endStep: Math.max(1, Math.round(span)), frequency: Math.max(1, Math.round(span / 25)) };
          }
          step++;
          if (step <= schedule.endStep && (step % schedule.frequency === 0 || step === schedule.endStep)) prune(sparsityAt(schedule, step));
        };
    const name = `qat-${bits}bit-pruned-${Math.round(p * 100)}`;
    const t = await train(name, gan, opts.epochs, opts.finetuneEpochs, { masks, qat, atStep });
    if (gradual) prune(p); // a run shorter than the schedule (maxStepsPerEpoch) still ends at p
    await finish(name, gan, bits, p, opts.epochs, opts.finetuneEpochs, t, qat);
    masks.dispose();
    qat.dispose();
    gan.dispose();
  }
  base.qat.dispose();
  base.gan.dispose();

  const qatRows = rows.filter((r) => r.bits !== null && r.pruning === 0);
  const qatOverhead = Object.fromEntries(qatRows.map((r) => [r.variant, r.cpuSecondsPerEpoch / rows[0].cpuSecondsPerEpoch]));
  const qatOverheadWall = Object.fromEntries(qatRows.map((r) => [r.variant, r.secondsPerEpoch / rows[0].secondsPerEpoch]));
  const { from: _from, featureModel: _f, onStep: _s, onEpoch: _e, onVariant: _v, onTrained: _t, ...rest } = opts;
  return {
    rows,
    realFloor,
    qatOverhead,
    qatOverheadWall,
    options: {
      ...rest,
      ...(from ? { fromEpochs: from.epochs } : {}),
      pruneFractions: fractions,
      qatBits,
      seed,
      activationPercentile: pct,
      pruneSchedule: opts.pruneSchedule ?? 'one-shot',
    },
  };
}
