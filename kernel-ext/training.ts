/**
 * Training cells for notebooks: GAN training with a live loss chart, a progress bar and
 * sample grids as they are drawn, plus the library's nn and backend modules.
 *
 *   const run = await lab.trainGanLive({ dataset: lab.data.loadMnist(), epochs: 10 });
 */
import { BackendInfo, selectBackend, selectedBackend } from '../src/backend';
import {
  batchesPerEpoch,
  checkResumeState,
  loadGanCheckpoint,
  RECOMMENDED_STABILIZERS,
  Sample,
  saveGanCheckpoint,
  trainGan,
  TrainGanOptions,
  TrainGanResult,
} from '../src/nn';
import { InterruptedError } from '../src/util/interrupt';
import { liveChart } from './charts';
import { images } from './images';
import { progressBar } from './progress';

export * as nn from '../src/nn';
export * as backend from '../src/backend';

export interface TrainGanLiveOptions extends TrainGanOptions {
  /** Points on the loss chart per epoch (each the mean of its steps). Default 8. */
  chartPointsPerEpoch?: number;
  /** Show each sample grid as it is drawn. Default true. */
  showSamples?: boolean;
  /** Save the loss chart and sample grids under figures/ with this prefix (e.g. "mnist-gan/"). */
  savePrefix?: string;
  /** Minimum milliseconds between redraws of the chart and the bar. Default 1000. */
  redrawMs?: number;
  /** Save a checkpoint here when the run ends or is interrupted (the kernel's interrupt button), to continue with `resumeFrom`. */
  checkpoint?: string;
  /** Continue the run saved in this checkpoint (model, optimisers, epoch and step within it); `epochs` more are trained. */
  resumeFrom?: string;
}

export interface TrainGanLiveResult extends TrainGanResult {
  backend: BackendInfo;
  /** Mean milliseconds per training step over the run. */
  msPerStep: number;
}

/** What lab.images needs of a sample: its shape and values. */
export function sampleTensorLike(s: Sample, imageSize: number): { shape: number[]; dataSync(): Float32Array } {
  return { shape: [s.count, imageSize], dataSync: () => s.pixels };
}

/**
 * trainGan with a live chart of the D and G losses, a progress bar (rate, ETA, current
 * losses) and the sample grids. Selects the tfjs backend first if none was selected.
 */
export async function trainGanLive(opts: TrainGanLiveOptions): Promise<TrainGanLiveResult> {
  const backend = selectedBackend() ?? (await selectBackend());
  if (opts.resumeFrom) opts = { ...opts, ...resumeOptions(opts.resumeFrom) };
  const batchSize = opts.batchSize ?? 64;
  const stepsPerEpoch = Math.min(batchesPerEpoch(opts.dataset.count, batchSize), opts.maxStepsPerEpoch ?? Infinity);
  const pointsPerEpoch = Math.max(1, Math.min(stepsPerEpoch, opts.chartPointsPerEpoch ?? 8));
  // Rounded up, so that the last point of an epoch is not the mean of a few left-over steps (a spike on the chart).
  const stepsPerPoint = Math.max(1, Math.ceil(stepsPerEpoch / pointsPerEpoch));
  // Redraws at most once a second: a training run lasts minutes, and every redraw is a
  // message the notebook front end (or a headless report runner) has to keep up with.
  const redrawMs = opts.redrawMs ?? 1000;
  const chart = liveChart({ series: ['D loss', 'G loss'], title: 'GAN losses (BCE)', xTitle: 'epoch', yTitle: 'loss', intervalMs: redrawMs });
  const bar = progressBar({ total: opts.epochs * stepsPerEpoch, label: `training on ${backend.name}`, unit: 'step', intervalMs: redrawMs });
  // A failed redraw must not end a long training run: warn once and train on.
  let displayFailed = false;
  const show = (f: () => void): void => {
    try {
      f();
    } catch (err) {
      if (!displayFailed) console.error(`privlab: a training display update failed (${(err as Error).message}); training continues`);
      displayFailed = true;
    }
  };
  let dSum = 0;
  let gSum = 0;
  let n = 0;
  const imageSize = opts.dataset.height * opts.dataset.width;
  let result: TrainGanResult;
  try {
    result = await trainGan({
      ...opts,
      // As `privlab train gan`: the stabilisers that measured best unless the notebook says otherwise.
      stabilizers: opts.stabilizers ?? RECOMMENDED_STABILIZERS,
      onStep: async (s) => {
        dSum += s.d;
        gSum += s.g;
        n++;
        if (n === stepsPerPoint || s.stepInEpoch === s.stepsPerEpoch) {
          const point = { 'D loss': dSum / n, 'G loss': gSum / n };
          show(() => chart.push(point, s.epoch - 1 + s.stepInEpoch / s.stepsPerEpoch));
          dSum = gSum = n = 0;
        }
        await opts.onStep?.(s);
        // The await lets the notebook receive the bar's (and chart's) redraws during training.
        let tick: Promise<void> = Promise.resolve();
        show(() => {
          tick = bar.tick(1, { epoch: s.epoch, D: s.d, G: s.g });
        });
        await tick;
      },
      onSample: async (s) => {
        if (opts.showSamples ?? true) {
          show(() =>
            images(sampleTensorLike(s, imageSize), {
              range: '[-1,1]',
              columns: Math.ceil(Math.sqrt(s.count)),
              height: opts.dataset.height,
              width: opts.dataset.width,
              caption: `samples after epoch ${s.epoch}`,
              save: opts.savePrefix ? `${opts.savePrefix}samples-epoch-${String(s.epoch).padStart(3, '0')}` : undefined,
            }),
          );
        }
        await opts.onSample?.(s);
      },
    });
  } finally {
    show(() => bar.close());
    show(() => chart.close(opts.savePrefix ? { save: `${opts.savePrefix}losses` } : {}));
  }
  const seed = opts.seed ?? 0;
  if (opts.checkpoint) {
    saveGanCheckpoint(opts.checkpoint, result.gan, {
      optimizers: result.optimizers,
      meta: {
        epoch: result.epoch,
        seed,
        globalStep: result.optimizers.generator.step,
        dataset: opts.dataset.name,
        backend: backend.name,
        resume: result.resume,
      },
    });
  }
  // Stopped by an interrupt (not by the caller's own signal): the cell ends with an error, as interrupted cells do.
  if (result.stoppedEarly && !opts.signal?.aborted) {
    result.gan.dispose();
    result.optimizers.generator.dispose();
    result.optimizers.discriminator.dispose();
    const where = result.resume.stepInEpoch > 0 ? `epoch ${result.epoch + 1}, step ${result.resume.stepInEpoch}` : `the end of epoch ${result.epoch}`;
    const next = opts.checkpoint
      ? `; saved ${opts.checkpoint} — continue with resumeFrom: ${JSON.stringify(opts.checkpoint)}`
      : ' (pass checkpoint: FILE to keep such runs)';
    throw new InterruptedError(`training interrupted (${result.stopReason}) at ${where}${next}`, result.stopReason);
  }
  const steps = result.history.steps.d.length;
  return { ...result, backend, msPerStep: steps ? (result.seconds * 1000) / steps : NaN };
}

/** The trainGan options that continue the run saved in `file`. */
function resumeOptions(file: string): Partial<TrainGanOptions> {
  const c = loadGanCheckpoint(file);
  if (!c.optimizers) throw new RangeError(`${file} has no optimiser state: it cannot resume a run`);
  return {
    gan: c.gan,
    optimizers: c.optimizers,
    seed: c.meta.seed,
    startEpoch: c.meta.epoch,
    resume: c.meta.resume === undefined ? undefined : checkResumeState(c.meta.resume),
  };
}
