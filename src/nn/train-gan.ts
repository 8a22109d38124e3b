/**
 * The GAN training loop: epochs of shuffled minibatches, per-step and per-epoch loss
 * history, sample grids from a fixed latent batch at chosen epochs, memory readings per
 * epoch (a leak shows as growth), and callbacks that may be async (a notebook's progress
 * bar awaits there, which lets its redraws through while training runs).
 *
 * Interrupts (Ctrl-C, SIGTERM, a kernel's interrupt; src/util/interrupt.ts) stop the loop
 * after the current step; the result then carries a `resume` state (where in the epoch, the
 * random streams' states, the epoch's partial loss sums) from which `resume` in the options
 * continues exactly as the uninterrupted run would have.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureBackend } from '../backend/select';
import { ImageDataset } from '../data/dataset';
import { interruptScope, InterruptedError } from '../util/interrupt';
import { SeededRng } from '../util/rng';
import { AdamConfig } from './adam';
import { batchesPerEpoch, epochBatches } from './batches';
import { Gan, GanConfig } from './gan';
import { DropoutTransform } from './dropout';
import { checkGanStepOptions, ganOptimizers, GanOptimizers, ganTrainStep, StepLosses } from './gan-step';
import { requirePositiveInteger } from '../util/checks';

/** The epochs at which the source shows samples. */
export const REFERENCE_SAMPLE_EPOCHS: readonly number[] = [5, 30, 100, 200];

export interface StepInfo extends StepLosses {
  epoch: number;
  /** Step within the epoch, from 1. */
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** Steps since the start of the run (including resumed ones), from 1. */
  globalStep: number;
}

export interface EpochRecord {
  epoch: number;
  /** Mean losses over the epoch's steps. */
  d: number;
  g: number;
  steps: number;
  seconds: number;
  /** tfjs's tensor count and bytes, and the process's resident set, after the epoch. */
  numTensors: number;
  numBytes: number;
  rssBytes: number;
}

export interface TrainHistory {
  /** Loss of every step, in order. */
  steps: { d: number[]; g: number[] };
  epochs: EpochRecord[];
}

export interface Sample {
  epoch: number;
  /** [count, imageSize] generated images in [-1, 1] (a copy; no tensor to dispose). */
  pixels: Float32Array;
  count: number;
  /** Class of each sample for a conditional GAN. */
  labels?: number[];
}

export interface TrainGanOptions {
  dataset: ImageDataset;
  /** Epochs to train (in this call). */
  epochs: number;
  batchSize?: number;
  /** Seeds the initial weights, the batch order and the latent noise. Default 0. */
  seed?: number;
  /** GAN architecture for a new model (ignored when `gan` is given). */
  config?: Partial<GanConfig>;
  /** Continue training this model (e.g. from a checkpoint). */
  gan?: Gan;
  optimizers?: GanOptimizers;
  adam?: AdamConfig;
  /** Epochs already trained (numbering continues from here). Default 0. */
  startEpoch?: number;
  /** Epochs after which to draw samples. Default: the reference epochs within the run, and the last. */
  sampleEpochs?: number[];
  /** Images per sample grid. Default 64. */
  sampleCount?: number;
  /** Stop each epoch after this many steps (quick runs and tests). */
  maxStepsPerEpoch?: number;
  onStep?: (s: StepInfo) => void | Promise<void>;
  /** After each completed epoch; `state` resumes training from this point (e.g. for a checkpoint). */
  onEpoch?: (e: EpochRecord, state: TrainGanResumeState) => void | Promise<void>;
  onSample?: (s: Sample) => void | Promise<void>;
  /** Checked between steps: abort() stops training after the current step. Interrupts do the same. */
  signal?: AbortSignal;
  /** Continue a run stopped at `startEpoch` + `resume.stepInEpoch` steps (from TrainGanResult.resume). */
  resume?: TrainGanResumeState;
  /** Stabilisers; all off by default (the reference training). */
  stabilizers?: GanStabilizers;
}

/**
 * What keeps the reference MLP GAN from speckled samples and mode collapse. Each was
 * measured on its own (README, Training); `RECOMMENDED_STABILIZERS` are the ones kept.
 */
export interface GanStabilizers {
  /** Target of real images in D's loss (one-sided label smoothing at < 1). Default 1. */
  realTarget?: number;
  /** Initial σ of instance noise on D's inputs, annealed linearly to 0 over the run's steps. Default 0. */
  instanceNoise?: number;
  /** Dropout rate on D's hidden layers while training. Default 0. */
  discriminatorDropout?: number;
}

/** The stabilisers `privlab train gan` uses unless told otherwise (chosen by the measurements in the README). */
export const RECOMMENDED_STABILIZERS: Readonly<Required<GanStabilizers>> = Object.freeze({ realTarget: 0.9, instanceNoise: 0, discriminatorDropout: 0.3 });

/** The reference training: no stabiliser. */
export const NO_STABILIZERS: Readonly<Required<GanStabilizers>> = Object.freeze({ realTarget: 1, instanceNoise: 0, discriminatorDropout: 0 });

/**
 * Where a run stopped, beyond the model and optimiser (which hold the weights and step
 * counts): enough to continue bit-identically for the same seed, dataset and batch size.
 * Plain JSON, so it can go into a checkpoint's meta.
 */
export interface TrainGanResumeState {
  /** Steps done in the epoch after the last completed one (0 at an epoch boundary). */
  stepInEpoch: number;
  /** The epoch's latent-noise stream (null at an epoch boundary: each epoch starts its own). */
  noiseRng: number[] | null;
  /** The discriminator-dropout stream, which runs across epochs (null without dropout). */
  dropoutRng: number[] | null;
  /** Loss sums and seconds of the partial epoch, so its record is the uninterrupted run's. */
  dSum: number;
  gSum: number;
  seconds: number;
}

/** Check a resume state read from a file; throws RangeError naming the bad field. */
export function checkResumeState(x: unknown): TrainGanResumeState {
  const r = x as Partial<TrainGanResumeState> | null;
  const rngOk = (v: unknown): boolean => v === null || (Array.isArray(v) && v.length === 4 && v.every((u) => Number.isInteger(u) && u >= 0 && u <= 0xffffffff));
  if (typeof r !== 'object' || r === null) throw new RangeError(`a resume state must be an object, got ${JSON.stringify(x)}`);
  if (!Number.isInteger(r.stepInEpoch) || (r.stepInEpoch as number) < 0)
    throw new RangeError(`resume.stepInEpoch must be a non-negative integer, got ${r.stepInEpoch}`);
  if (!rngOk(r.noiseRng) || !rngOk(r.dropoutRng)) throw new RangeError('resume.noiseRng and resume.dropoutRng must be null or four uint32s');
  if (r.stepInEpoch! > 0 && r.noiseRng === null) throw new RangeError('resume.noiseRng is needed in the middle of an epoch');
  for (const k of ['dSum', 'gSum', 'seconds'] as const) if (!Number.isFinite(r[k])) throw new RangeError(`resume.${k} must be a finite number, got ${r[k]}`);
  return r as TrainGanResumeState;
}

export interface TrainGanResult {
  gan: Gan;
  optimizers: GanOptimizers;
  history: TrainHistory;
  samples: Sample[];
  /** Last completed epoch. */
  epoch: number;
  seconds: number;
  stoppedEarly: boolean;
  /** Why it stopped early: the abort reason (e.g. "SIGINT", "kernel interrupt"). */
  stopReason?: string;
  /** The state to continue from (TrainGanOptions.resume), in the middle of an epoch or at its end. */
  resume: TrainGanResumeState;
}

/** Independent seeded streams for (seed, purpose, epoch). */
export function streamRng(seed: number, purpose: number, epoch = 0): SeededRng {
  return new SeededRng(((seed >>> 0) ^ Math.imul(purpose + 1, 0x9e3779b9) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
}
const SHUFFLE = 1;
const NOISE = 2;
const SAMPLES = 3;
const DROPOUT = 4;

/** The sample epochs for a run of `startEpoch+1 … lastEpoch`: the reference ones in range, and the last. */
export function defaultSampleEpochs(startEpoch: number, lastEpoch: number): number[] {
  const e = REFERENCE_SAMPLE_EPOCHS.filter((x) => x > startEpoch && x <= lastEpoch);
  if (!e.includes(lastEpoch)) e.push(lastEpoch);
  return e;
}

/** Images from a fixed latent batch (seeded), so grids of different epochs are comparable. */
export function sampleImages(gan: Gan, count: number, seed: number, epoch: number): Sample {
  const rng = streamRng(seed, SAMPLES);
  const labels = gan.conditional ? Array.from({ length: count }, (_, i) => i % gan.config.numClasses) : undefined;
  const pixels = tf.tidy(() => {
    const z = gan.sampleLatent(rng, count);
    const oneHot = labels ? gan.oneHot(labels) : undefined;
    return gan.generate(z, oneHot);
  });
  const values = pixels.dataSync().slice() as Float32Array;
  pixels.dispose();
  return { epoch, pixels: values, count, labels };
}

export async function trainGan(opts: TrainGanOptions): Promise<TrainGanResult> {
  const ds = opts.dataset;
  const batchSize = opts.batchSize ?? 64;
  const seed = opts.seed ?? 0;
  const startEpoch = opts.startEpoch ?? 0;
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new RangeError(`epochs must be a non-negative integer, got ${opts.epochs}`);
  requirePositiveInteger(batchSize, 'batch size');
  if (!Number.isInteger(startEpoch) || startEpoch < 0) throw new RangeError(`startEpoch must be a non-negative integer, got ${startEpoch}`);
  if (ds.count === 0) throw new RangeError(`dataset ${ds.name} is empty`);
  await ensureBackend();
  const gan = opts.gan ?? new Gan({ imageHeight: ds.height, imageWidth: ds.width, ...opts.config }, seed);
  if (gan.config.imageSize !== ds.height * ds.width) {
    throw new RangeError(`the GAN makes ${gan.config.imageHeight}x${gan.config.imageWidth} images but ${ds.name} has ${ds.height}x${ds.width}`);
  }
  if (gan.conditional && gan.config.numClasses !== ds.classNames.length) {
    throw new RangeError(`the conditional GAN has ${gan.config.numClasses} classes but ${ds.name} has ${ds.classNames.length}`);
  }
  const optimizers = opts.optimizers ?? ganOptimizers(gan, opts.adam);
  const lastEpoch = startEpoch + opts.epochs;
  const sampleEpochs = new Set(opts.sampleEpochs ?? defaultSampleEpochs(startEpoch, lastEpoch));
  const sampleCount = opts.sampleCount ?? 64;
  const stepsPerEpoch = Math.min(batchesPerEpoch(ds.count, batchSize), opts.maxStepsPerEpoch ?? Infinity);
  const history: TrainHistory = { steps: { d: [], g: [] }, epochs: [] };
  const samples: Sample[] = [];
  const stab = opts.stabilizers ?? {};
  const { realTarget, instanceNoise } = checkGanStepOptions(stab);
  const dropout = stab.discriminatorDropout ?? 0;
  if (dropout !== 0 && gan.discriminator.transform) throw new Error('the discriminator already has a layer transform; dropout cannot be added');
  const resume = opts.resume ? checkResumeState(opts.resume) : undefined;
  if (resume && resume.stepInEpoch >= stepsPerEpoch)
    throw new RangeError(`resume.stepInEpoch ${resume.stepInEpoch} is not below the ${stepsPerEpoch} steps of an epoch`);
  const dropoutRng = streamRng(seed, DROPOUT, startEpoch);
  if (resume?.dropoutRng) dropoutRng.setState(resume.dropoutRng);
  const dropoutTransform = dropout !== 0 ? new DropoutTransform(dropout, gan.discriminator.layers.length - 1, dropoutRng) : undefined;
  // Instance noise falls linearly to 0 at the run's last step (counted from step 0, so a resumed run continues the same schedule).
  const annealSteps = lastEpoch * stepsPerEpoch;
  const t0 = performance.now();
  let globalStep = optimizers.generator.step;
  let epoch = startEpoch;
  let stoppedEarly = false;
  const stateAt = (stepInEpoch: number, noise: SeededRng | null, dSum: number, gSum: number, seconds: number): TrainGanResumeState => ({
    stepInEpoch,
    noiseRng: stepInEpoch > 0 && noise ? noise.getState() : null,
    dropoutRng: dropoutTransform ? dropoutRng.getState() : null,
    dSum: stepInEpoch > 0 ? dSum : 0,
    gSum: stepInEpoch > 0 ? gSum : 0,
    seconds: stepInEpoch > 0 ? seconds : 0,
  });
  let state = resume ?? stateAt(0, null, 0, 0, 0);
  // Signal handlers run between steps only if the loop yields a macrotask now and then: the scope's pause() does.
  const scope = interruptScope(opts.signal);

  gan.discriminator.transform = dropoutTransform;
  try {
    for (let e = startEpoch + 1; e <= lastEpoch && !stoppedEarly; e++) {
      if (scope.signal.aborted) {
        stoppedEarly = true; // interrupted between epochs (while sampling, or in onEpoch)
        break;
      }
      const resumed = e === startEpoch + 1 ? resume : undefined;
      const te = performance.now() - (resumed?.seconds ?? 0) * 1000;
      const shuffle = streamRng(seed, SHUFFLE, e);
      const noise = streamRng(seed, NOISE, e);
      if (resumed?.noiseRng) noise.setState(resumed.noiseRng);
      let dSum = resumed?.dSum ?? 0;
      let gSum = resumed?.gSum ?? 0;
      let steps = resumed?.stepInEpoch ?? 0;
      for (const batch of epochBatches(ds, batchSize, shuffle, steps)) {
        let losses: StepLosses;
        try {
          const sigma = instanceNoise * Math.max(0, 1 - globalStep / annealSteps);
          losses = ganTrainStep(gan, optimizers, batch.images, noise, gan.conditional ? batch.labels : undefined, { realTarget, instanceNoise: sigma });
        } finally {
          batch.images.dispose();
        }
        steps++;
        globalStep++;
        dSum += losses.d;
        gSum += losses.g;
        history.steps.d.push(losses.d);
        history.steps.g.push(losses.g);
        if (opts.onStep) await opts.onStep({ ...losses, epoch: e, stepInEpoch: steps, stepsPerEpoch, globalStep });
        if (await scope.pause()) {
          stoppedEarly = true;
          break;
        }
        if (steps >= stepsPerEpoch) break;
      }
      if (stoppedEarly && steps < stepsPerEpoch) {
        // A partial epoch is not recorded as one; its state is kept to finish it on resume.
        state = stateAt(steps, noise, dSum, gSum, (performance.now() - te) / 1000);
        break;
      }
      const mem = tf.memory();
      const record: EpochRecord = {
        epoch: e,
        d: dSum / steps,
        g: gSum / steps,
        steps,
        seconds: (performance.now() - te) / 1000,
        numTensors: mem.numTensors,
        numBytes: mem.numBytes,
        rssBytes: process.memoryUsage().rss,
      };
      history.epochs.push(record);
      epoch = e;
      state = stateAt(0, null, 0, 0, 0);
      if (opts.onEpoch) await opts.onEpoch(record, state);
      if (sampleEpochs.has(e)) {
        const s = sampleImages(gan, sampleCount, seed, e);
        samples.push(s);
        if (opts.onSample) await opts.onSample(s);
      }
    }
  } finally {
    scope.dispose();
    // Dropout belongs to training only: the returned model evaluates D without it.
    if (dropoutTransform) gan.discriminator.transform = undefined;
  }
  const stopReason = stoppedEarly ? String(scope.signal.reason) : undefined;
  return { gan, optimizers, history, samples, epoch, seconds: (performance.now() - t0) / 1000, stoppedEarly, stopReason, resume: state };
}

/**
 * For callers that cannot use a partial run (a fine-tuning stage of a pipeline, a benchmark
 * variant): throw InterruptedError when `r` stopped early, naming `what` and where.
 */
export function throwIfStoppedEarly(r: TrainGanResult, what: string): void {
  if (!r.stoppedEarly) return;
  const where = r.resume.stepInEpoch > 0 ? `epoch ${r.epoch + 1}, step ${r.resume.stepInEpoch}` : `the end of epoch ${r.epoch}`;
  throw new InterruptedError(`${what} interrupted (${r.stopReason}) at ${where}; nothing was saved`, r.stopReason);
}
