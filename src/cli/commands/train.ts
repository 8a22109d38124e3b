/**
 * `privlab train gan`: train the reference MNIST GAN (or its conditional variant) and write
 * the checkpoint, the loss history (JSON) and sample grids (PNG) to --out. Ctrl-C or
 * SIGTERM stop it after the current step with a checkpoint that `--resume` continues from
 * the same step, drawing the same random numbers as the uninterrupted run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Command, numberOption, UsageError } from '../command';
import { BackendInfo, selectBackend } from '../../backend';
import { loadDataset } from '../../data';
import {
  defaultSampleEpochs,
  Gan,
  ganOptimizers,
  GanStabilizers,
  checkResumeState,
  loadGanCheckpoint,
  NO_STABILIZERS,
  RECOMMENDED_STABILIZERS,
  saveGanCheckpoint,
  trainGan,
  TrainGanResult,
  TrainGanResumeState,
} from '../../nn';
import { imageGridPng } from '../../viz/image-grid';
import { writeFileAtomic } from '../../util/files';
import { interruptExitCode } from '../../util/interrupt';
import { claimOutputDir } from '../../util/out-dir';
import { compressCommand, exportCommand } from './train-ship';

export const CHECKPOINT_FILE = 'gan.ckpt';
export const HISTORY_FILE = 'history.json';

function parseEpochList(text: string): number[] {
  return text
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--sample-epochs entries must be positive integers, got "${s}"`);
      return n;
    });
}

async function trainGanCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string' },
      dataset: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      conditional: { type: 'boolean' },
      'sample-epochs': { type: 'string' },
      samples: { type: 'string' },
      backend: { type: 'string' },
      resume: { type: 'string' },
      'max-steps-per-epoch': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'real-target': { type: 'string' },
      'instance-noise': { type: 'string' },
      'd-dropout': { type: 'string' },
      reference: { type: 'boolean' },
    },
  });
  if (!values.out) throw new UsageError('train gan needs --out DIR');
  const epochsOption = numberOption('epochs', values.epochs, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
  if (epochsOption === undefined && !values.resume) throw new UsageError('train gan needs --epochs N (or --resume CKPT to finish a stopped run)');
  const seed = numberOption('seed', values.seed, Number.isInteger, 'an integer') ?? 0;
  // The backend first: loading a checkpoint makes tensors, which would otherwise pick tfjs's default backend.
  const backend = await selectBackend({ backend: values.backend });
  const resumed = values.resume ? loadGanCheckpoint(values.resume) : undefined;
  const resumeMeta = resumed ? resumeFields(values.resume as string, resumed.meta) : undefined;
  // A resumed run keeps the stopped run's data settings unless told otherwise.
  const batchSize = numberOption('batch', values.batch, (n) => Number.isInteger(n) && n > 0, 'a positive integer') ?? resumeMeta?.batchSize ?? 64;
  const learningRate = numberOption('lr', values.lr, (n) => n > 0, 'a positive number');
  const sampleCount = numberOption('samples', values.samples, (n) => Number.isInteger(n) && n > 0, 'a positive integer') ?? 64;
  const maxSteps =
    numberOption('max-steps-per-epoch', values['max-steps-per-epoch'], (n) => Number.isInteger(n) && n > 0, 'a positive integer') ??
    resumeMeta?.maxStepsPerEpoch;
  const checkpointEvery = numberOption('checkpoint-every', values['checkpoint-every'], (n) => Number.isInteger(n) && n > 0, 'a positive integer');
  const out = values.out;
  // The recommended stabilisers by default, or the resumed run's; --reference starts from none (the source's training).
  const base = values.reference ? NO_STABILIZERS : (resumeMeta?.stabilizers ?? RECOMMENDED_STABILIZERS);
  const stabilizers: Required<GanStabilizers> = {
    realTarget: numberOption('real-target', values['real-target'], (n) => n > 0.5 && n <= 1, 'a number in (0.5, 1]') ?? base.realTarget,
    instanceNoise: numberOption('instance-noise', values['instance-noise'], (n) => n >= 0, 'a non-negative number') ?? base.instanceNoise,
    discriminatorDropout: numberOption('d-dropout', values['d-dropout'], (n) => n >= 0 && n < 1, 'a number in [0, 1)') ?? base.discriminatorDropout,
  };

  const ds = loadDataset(values.dataset ?? resumeMeta?.datasetOption ?? 'mnist');
  const startEpoch = resumed ? resumed.meta.epoch : 0;
  // Without --epochs, a resumed run trains up to the epoch the stopped run was asked for.
  if (epochsOption === undefined && resumeMeta?.targetEpoch === undefined)
    throw new UsageError(`--resume ${values.resume}: the checkpoint does not say how many epochs its run was for; give --epochs N`);
  const epochs = epochsOption ?? Math.max(0, (resumeMeta?.targetEpoch ?? startEpoch) - startEpoch);
  const resume = resumeMeta?.resume;
  if (resume && resume.stepInEpoch > 0) {
    // The middle of an epoch is a position in one batch order: same data, same batch size.
    const m = resumed!.meta;
    if (m.dataset !== ds.name) throw new UsageError(`--resume: the run stopped in an epoch of ${String(m.dataset)}; resume it on that dataset, not ${ds.name}`);
    if (m.batchSize !== batchSize)
      throw new UsageError(`--resume: the run stopped in an epoch of batches of ${String(m.batchSize)}; resume it with --batch ${String(m.batchSize)}`);
    if ((m.maxStepsPerEpoch ?? null) !== (maxSteps ?? null)) {
      throw new UsageError(
        `--resume: the run stopped in an epoch of ${String(m.maxStepsPerEpoch ?? 'all')} steps; resume it with the same --max-steps-per-epoch`,
      );
    }
    if (epochs === 0) throw new UsageError('--resume: the run stopped in the middle of an epoch; --epochs must be at least 1 to finish it');
  }
  // Claimed before any slow work: a second run into the same folder is refused at once.
  const claimed = claimOutputDir(out, { subfolders: ['samples'] });
  try {
    for (const f of claimed.removedTemps) process.stderr.write(`privlab train gan: removed ${path.join(out, f)}, left by an interrupted write\n`);
    return await trainInto(out, {
      values,
      backend,
      datasetOption: values.dataset ?? resumeMeta?.datasetOption ?? 'mnist',
      ds,
      epochs,
      startEpoch,
      resumed,
      resume,
      seed,
      batchSize,
      learningRate,
      sampleCount,
      maxSteps,
      checkpointEvery,
      stabilizers,
    });
  } finally {
    claimed.release();
  }
}

interface ResumeFields {
  datasetOption?: string;
  batchSize?: number;
  maxStepsPerEpoch?: number;
  targetEpoch?: number;
  resume?: TrainGanResumeState;
  stabilizers?: Required<GanStabilizers>;
}

/** What a checkpoint of `privlab train gan` says about continuing it (older checkpoints have none of it). */
function resumeFields(file: string, meta: Record<string, unknown>): ResumeFields {
  const out: ResumeFields = {};
  for (const k of ['targetEpoch', 'batchSize', 'maxStepsPerEpoch'] as const) {
    if (meta[k] === undefined || meta[k] === null) continue;
    const min = k === 'targetEpoch' ? 0 : 1;
    if (!Number.isInteger(meta[k]) || (meta[k] as number) < min)
      throw new UsageError(`--resume ${file}: meta.${k} must be an integer ≥ ${min}, got ${String(meta[k])}`);
    out[k] = meta[k] as number;
  }
  if (typeof meta.datasetOption === 'string') out.datasetOption = meta.datasetOption;
  if (meta.resume !== undefined) {
    try {
      out.resume = checkResumeState(meta.resume);
    } catch (err) {
      throw new UsageError(`--resume ${file}: ${(err as Error).message}`);
    }
  }
  const st = meta.stabilizers as Partial<GanStabilizers> | undefined;
  if (st && typeof st === 'object' && [st.realTarget, st.instanceNoise, st.discriminatorDropout].every((v) => typeof v === 'number')) {
    out.stabilizers = st as Required<GanStabilizers>;
  }
  return out;
}

interface TrainSettings {
  values: { conditional?: boolean; 'sample-epochs'?: string };
  backend: BackendInfo;
  /** --dataset as given (a name or a path), for --resume. */
  datasetOption: string;
  ds: ReturnType<typeof loadDataset>;
  epochs: number;
  startEpoch: number;
  resumed?: ReturnType<typeof loadGanCheckpoint>;
  resume?: TrainGanResumeState;
  seed: number;
  batchSize: number;
  learningRate?: number;
  sampleCount: number;
  maxSteps?: number;
  checkpointEvery?: number;
  stabilizers: Required<GanStabilizers>;
}

async function trainInto(out: string, t: TrainSettings): Promise<number> {
  const { values, backend, ds, epochs, startEpoch, resumed, resume, seed, batchSize, learningRate, sampleCount, maxSteps, checkpointEvery, stabilizers } = t;
  const sampleEpochs = values['sample-epochs'] !== undefined ? parseEpochList(values['sample-epochs']) : defaultSampleEpochs(startEpoch, startEpoch + epochs);
  process.stderr.write(
    `privlab train gan: ${ds.name} (${ds.count} images), ${epochs} epochs of batch ${batchSize}${
      resumed ? `, resuming at epoch ${startEpoch}${resume?.stepInEpoch ? ` step ${resume.stepInEpoch}` : ''}` : ''
    }\n`,
  );

  const targetEpoch = startEpoch + epochs;
  const save = (r: Pick<TrainGanResult, 'gan' | 'optimizers' | 'epoch' | 'resume'>) => {
    saveGanCheckpoint(path.join(out, CHECKPOINT_FILE), r.gan, {
      optimizers: r.optimizers,
      meta: {
        epoch: r.epoch,
        seed: resumed?.meta.seed ?? seed,
        globalStep: r.optimizers.generator.step,
        dataset: ds.name,
        backend: backend.name,
        // What --resume needs to continue this run where it stopped.
        datasetOption: t.datasetOption,
        batchSize,
        maxStepsPerEpoch: maxSteps ?? null,
        targetEpoch,
        stabilizers,
        resume: r.resume,
      },
    });
  };
  // Ctrl-C and SIGTERM (src/util/interrupt.ts, installed by the CLI) end the run after the current step; it is saved below.
  // The model and optimisers are made here (as trainGan would) so that --checkpoint-every can save them between epochs.
  const runSeed = resumed?.meta.seed ?? seed;
  const gan = resumed?.gan ?? new Gan({ imageHeight: ds.height, imageWidth: ds.width, numClasses: values.conditional ? ds.classNames.length : 0 }, runSeed);
  const optimizers = resumed?.optimizers ?? ganOptimizers(gan, learningRate ? { learningRate } : undefined);
  const result = await trainGan({
    dataset: ds,
    epochs,
    batchSize,
    seed: runSeed,
    startEpoch,
    gan,
    optimizers,
    sampleEpochs,
    sampleCount,
    maxStepsPerEpoch: maxSteps,
    resume,
    stabilizers,
    onEpoch: (e, state) => {
      if (checkpointEvery !== undefined && e.epoch % checkpointEvery === 0 && e.epoch !== targetEpoch) save({ gan, optimizers, epoch: e.epoch, resume: state });
      process.stderr.write(
        `epoch ${e.epoch}: D ${e.d.toFixed(4)}  G ${e.g.toFixed(4)}  ${e.seconds.toFixed(1)} s  (${e.numTensors} tensors, rss ${(e.rssBytes / 2 ** 20).toFixed(0)} MB)\n`,
      );
    },
    onSample: (s) => {
      const png = imageGridPng(s.pixels, s.count, ds.height, ds.width, { range: '[-1,1]', columns: Math.ceil(Math.sqrt(s.count)), scale: 2 });
      writeFileAtomic(path.join(out, 'samples', `epoch-${String(s.epoch).padStart(3, '0')}.png`), png);
    },
  });
  // An interrupted run is always saved (it may be in the middle of an epoch); else as --checkpoint-every says.
  if (result.stoppedEarly || checkpointEvery === undefined || result.epoch % checkpointEvery === 0 || result.epoch === targetEpoch) save(result);
  const earlier = resumed ? earlierHistory(out, resumed.meta.seed, startEpoch, resume?.stepInEpoch ?? 0) : undefined;
  const history = {
    dataset: ds.name,
    backend: backend.name,
    seed: resumed?.meta.seed ?? seed,
    batchSize,
    config: result.gan.config,
    stabilizers,
    startEpoch: earlier?.startEpoch ?? startEpoch,
    lastEpoch: result.epoch,
    seconds: result.seconds + (earlier?.seconds ?? 0),
    stoppedEarly: result.stoppedEarly,
    // Where a stopped run stopped: the step in the epoch after lastEpoch.
    stepInEpoch: result.resume.stepInEpoch,
    epochs: [...(earlier?.epochs ?? []), ...result.history.epochs],
    steps: { d: [...(earlier?.steps.d ?? []), ...result.history.steps.d], g: [...(earlier?.steps.g ?? []), ...result.history.steps.g] },
  };
  writeFileAtomic(path.join(out, HISTORY_FILE), `${JSON.stringify(history)}\n`);
  console.log(
    JSON.stringify({
      out,
      checkpoint: path.join(out, CHECKPOINT_FILE),
      history: path.join(out, HISTORY_FILE),
      samples: result.samples.map((s) => path.join(out, 'samples', `epoch-${String(s.epoch).padStart(3, '0')}.png`)),
      epochs: result.epoch,
      seconds: Math.round(result.seconds * 10) / 10,
      stoppedEarly: result.stoppedEarly,
    }),
  );
  if (!result.stoppedEarly) return 0;
  const where = result.resume.stepInEpoch > 0 ? `epoch ${result.epoch + 1}, step ${result.resume.stepInEpoch}` : `the end of epoch ${result.epoch}`;
  process.stderr.write(
    `privlab train gan: stopped (${result.stopReason}) at ${where}; saved ${path.join(out, CHECKPOINT_FILE)}. ` +
      `Continue with: privlab train gan --resume ${path.join(out, CHECKPOINT_FILE)} --out ${out}\n`,
  );
  return interruptExitCode(result.stopReason);
}

interface SavedHistory {
  seed: number;
  startEpoch: number;
  lastEpoch: number;
  stepInEpoch?: number;
  seconds: number;
  epochs: unknown[];
  steps: { d: number[]; g: number[] };
}

/**
 * The history.json of the run being resumed, when it is the same run and ends where the
 * checkpoint does (else the new history starts at the resumed epoch, as before).
 */
function earlierHistory(out: string, seed: number, epoch: number, stepInEpoch: number): SavedHistory | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(path.join(out, HISTORY_FILE), 'utf8')) as SavedHistory;
    const same = h.seed === seed && h.lastEpoch === epoch && (h.stepInEpoch ?? 0) === stepInEpoch;
    return same && Array.isArray(h.epochs) && Array.isArray(h.steps?.d) && Array.isArray(h.steps?.g) ? h : undefined;
  } catch {
    return undefined;
  }
}

export const train: Command = {
  name: 'train',
  usage: `privlab train gan --epochs N --out DIR [--dataset mnist|mnist-test|mnist-small|fashion|<images idx path>] [--conditional]
      [--seed S] [--batch B] [--lr LR] [--sample-epochs 5,30,100,200] [--samples 64] [--resume CKPT]
      [--backend auto|native|cpu|…] [--max-steps-per-epoch N]
      [--real-target 0.9] [--d-dropout 0.3] [--instance-noise 0] [--reference]
    Train the reference MLP GAN; write DIR/gan.ckpt, DIR/history.json (losses per step and
    epoch) and DIR/samples/epoch-NNN.png. DIR's parent must exist; DIR is locked while the
    run lasts (a second run into it is refused). Ctrl-C or SIGTERM stop after the current
    step and save a checkpoint (exit status 130 / 143); --resume DIR/gan.ckpt without
    --epochs finishes the run from that step, as if it had not stopped.
    Stabilisers (defaults shown): --real-target is D's target for real digits (one-sided
    label smoothing), --d-dropout the dropout rate in D's hidden layers, --instance-noise
    the initial σ of noise on D's inputs (annealed to 0). --reference turns all of them off.
  privlab train export --from CKPT --out DIR --command "privlab train gan …"
    Write DIR/generator.ckpt and DIR/discriminator.ckpt (weights only, no optimiser state)
    and DIR/manifest.json: the command, each file's SHA-256, FID and mode coverage.
  privlab train compress --from CKPT|DIR --out DIR [--bits 4] [--prune 0.5] [--qat-epochs 1]
      [--finetune-epochs 1] [--seed S] [--dataset mnist|…] [--max-steps-per-epoch N] [--save-float]
  privlab train compress --resume DIR/compress.ckpt --out DIR
    Fine-tune a trained GAN's generator with QAT, prune it in one shot, fine-tune with the
    masks held; write DIR/generator.quantized.json (the FHE compiler's input) and
    DIR/manifest.json (command, SHA-256, FID and coverage of the integer model). Ctrl-C or
    SIGTERM stop after the current step and save DIR/compress.ckpt (exit status 130 / 143);
    --resume finishes that run with its settings, as if it had not stopped.`,
  async run(argv) {
    const [what, ...rest] = argv;
    if (what === 'gan') return trainGanCommand(rest);
    if (what === 'export') return exportCommand(rest);
    if (what === 'compress') return compressCommand(rest);
    throw new UsageError(`unknown train target "${what ?? ''}" (expected: gan, export, compress)`);
  },
};
