/**
 * The source paper's MNIST GAN table on this machine: a regular GAN, generators
 * trained with 6- and 4-bit QAT, and the 4-bit one pruned (L1 unstructured, one shot,
 * then fine-tuned with the masks held), each scored by FID against the held-out
 * digits; training time per epoch, and the accumulator bit-widths each quantized
 * generator needs in FHE. Shared by the notebook (02-qat-pruning) and
 * `privlab bench gan-compression`.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { loadMnist } from '../data/mnist';
import { MNIST_SPLIT, trainTestSplit } from '../data/splits';
import { FeatureModel, loadFeatureModel } from '../metrics/feature-model';
import { frechetDistance } from '../metrics/frechet';
import { GaussianStats } from '../metrics/gaussian-stats';
import { datasetStats, generatorFid } from '../metrics/gan-fid';
import { Gan } from '../nn/gan';
import { trainGan, StepInfo } from '../nn/train-gan';
import { l1Mask } from '../prune/masks';
import { MaskedVariables } from '../prune/masked-variables';
import { accumulatorReport, LayerAccumulatorReport } from '../prune/accumulator-report';
import { QatConfig, QatTransform } from '../quant/qat';
import { QuantizedModel } from '../quant/quantized-model';
import { SeededRng } from '../util/rng';

export interface GanCompressionOptions {
  /** Training epochs of the regular, 6-bit and 4-bit models. */
  epochs: number;
  /** Fine-tuning epochs of each pruned model (from the 4-bit one). */
  finetuneEpochs: number;
  /** Pruning fractions of the 4-bit generator. Default [0.2, 0.5, 0.7, 0.8] (the paper's). */
  pruneFractions?: number[];
  /** QAT bit-widths. Default [6, 4]; the last is the one pruned. */
  qatBits?: number[];
  seed?: number;
  /** Generated images per FID. Default 2000 (as many as held-out digits). */
  fidSamples?: number;
  /** Cap steps per epoch (quick runs). */
  maxStepsPerEpoch?: number;
  featureModel?: FeatureModel;
  onStep?: (variant: string, s: StepInfo) => void | Promise<void>;
  onEpoch?: (variant: string, epoch: number, of: number) => void | Promise<void>;
  onVariant?: (row: GanCompressionRow) => void | Promise<void>;
}

export interface GanCompressionRow {
  variant: string;
  /** null for the float model. */
  bits: number | null;
  pruning: number;
  fid: number;
  epochs: number;
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
  options: Omit<GanCompressionOptions, 'featureModel' | 'onStep' | 'onEpoch' | 'onVariant'>;
}

const LATENT_RANGE = { min: -3, max: 3 };
const IMAGE_RANGE = { min: -1, max: 1 };

function qatConfig(bits: number): QatConfig {
  return { weightBits: bits, activationBits: bits, inputBits: bits, inputRange: LATENT_RANGE, outputRange: IMAGE_RANGE };
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
  const seed = opts.seed ?? 0;
  const fractions = opts.pruneFractions ?? [0.2, 0.5, 0.7, 0.8];
  const qatBits = opts.qatBits ?? [6, 4];
  const fm = opts.featureModel ?? (await loadFeatureModel());
  try {
    return await compress(opts, fm, seed, fractions, qatBits);
  } finally {
    if (!opts.featureModel) fm.dispose();
  }
}

async function compress(opts: GanCompressionOptions, fm: FeatureModel, seed: number, fractions: number[], qatBits: number[]): Promise<GanCompressionResult> {
  const split = trainTestSplit(loadMnist(), MNIST_SPLIT);
  const real = datasetStats(fm, split.test);
  const realFloor = frechetDistance(datasetStats(fm, split.train), real);
  const rows: GanCompressionRow[] = [];

  const train = async (variant: string, gan: Gan, epochs: number, masks?: MaskedVariables): Promise<{ seconds: number; cpuSeconds: number }> => {
    const cpu0 = process.cpuUsage();
    const r = await trainGan({
      dataset: split.train as ImageDataset, epochs, gan, seed, sampleEpochs: [], maxStepsPerEpoch: opts.maxStepsPerEpoch,
      onStep: async (s) => {
        masks?.apply();
        await opts.onStep?.(variant, s);
      },
      onEpoch: (e) => opts.onEpoch?.(variant, e.epoch, epochs),
    });
    const cpu = process.cpuUsage(cpu0);
    r.optimizers.generator.dispose();
    r.optimizers.discriminator.dispose();
    return { seconds: r.seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };

  const finish = async (variant: string, gan: Gan, bits: number | null, pruning: number, epochs: number, t: { seconds: number; cpuSeconds: number }, qat?: QatTransform): Promise<void> => {
    if (qat) qat.training = false;
    const fid = generatorFid(gan, fm, real, { count: opts.fidSamples ?? 2000, seed: seed + 777 });
    let model: QuantizedModel | undefined;
    let accumulators: LayerAccumulatorReport[] | undefined;
    if (qat) {
      model = qat.exportModel({ variant, pruning, epochs });
      accumulators = accumulatorReport(model, latents(gan, 500, seed + 999), 500);
    }
    const perEpoch = (x: number): number => x / Math.max(1, epochs);
    const row: GanCompressionRow = {
      variant, bits, pruning, fid, epochs, trainSeconds: t.seconds, secondsPerEpoch: perEpoch(t.seconds), cpuSecondsPerEpoch: perEpoch(t.cpuSeconds),
      samples: fixedSamples(gan, seed + 555), accumulators, model,
    };
    rows.push(row);
    await opts.onVariant?.(row);
  };

  const regular = new Gan({}, seed);
  const t0 = await train('regular', regular, opts.epochs);
  await finish('regular', regular, null, 0, opts.epochs, t0);
  regular.dispose();

  let base: { gan: Gan; qat: QatTransform } | undefined;
  for (const bits of qatBits) {
    const gan = new Gan({}, seed);
    const qat = new QatTransform(gan.generator, qatConfig(bits));
    gan.generator.transform = qat;
    const t = await train(`qat-${bits}bit`, gan, opts.epochs);
    await finish(`qat-${bits}bit`, gan, bits, 0, opts.epochs, t, qat);
    if (base) { base.qat.dispose(); base.gan.dispose(); }
    base = { gan, qat };
  }
  if (!base) throw new Error('no QAT bit-width given');
  const bits = qatBits[qatBits.length - 1];
  for (const p of fractions) {
    const gan = cloneGan(base.gan, seed);
    const qat = new QatTransform(gan.generator, qatConfig(bits));
    qat.restore(base.qat.state());
    gan.generator.transform = qat;
    const masks = new MaskedVariables();
    for (const l of gan.generator.layers) masks.setMask(l.kernel, l1Mask(l.kernel.dataSync(), p));
    const t = await train(`qat-${bits}bit-pruned-${Math.round(p * 100)}`, gan, opts.finetuneEpochs, masks);
    await finish(`qat-${bits}bit-pruned-${Math.round(p * 100)}`, gan, bits, p, opts.finetuneEpochs, t, qat);
    masks.dispose();
    qat.dispose();
    gan.dispose();
  }
  base.qat.dispose();
  base.gan.dispose();

  const qatRows = rows.filter((r) => r.bits !== null && r.pruning === 0);
  const qatOverhead = Object.fromEntries(qatRows.map((r) => [r.variant, r.cpuSecondsPerEpoch / rows[0].cpuSecondsPerEpoch]));
  const qatOverheadWall = Object.fromEntries(qatRows.map((r) => [r.variant, r.secondsPerEpoch / rows[0].secondsPerEpoch]));
  const { featureModel: _f, onStep: _s, onEpoch: _e, onVariant: _v, ...rest } = opts;
  return { rows, realFloor, qatOverhead, qatOverheadWall, options: { ...rest, pruneFractions: fractions, qatBits, seed } };
}
