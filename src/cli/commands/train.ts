/**
 * `privlab train gan`: train the reference MNIST GAN (or its conditional variant) and write
 * the checkpoint, the loss history (JSON) and sample grids (PNG) to --out.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Command, numberOption, UsageError } from '../command';
import { selectBackend } from '../../backend';
import { loadDataset } from '../../data';
import {
  defaultSampleEpochs,
  Gan,
  ganOptimizers,
  GanStabilizers,
  loadGanCheckpoint,
  NO_STABILIZERS,
  RECOMMENDED_STABILIZERS,
  saveGanCheckpoint,
  trainGan,
  TrainGanResult,
} from '../../nn';
import { imageGridPng } from '../../viz/image-grid';
import { writeFileAtomic } from '../../util/files';
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
      dataset: { type: 'string', default: 'mnist' },
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
  const epochs = numberOption('epochs', values.epochs, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
  if (epochs === undefined) throw new UsageError('train gan needs --epochs N');
  const seed = numberOption('seed', values.seed, Number.isInteger, 'an integer') ?? 0;
  const batchSize = numberOption('batch', values.batch, (n) => Number.isInteger(n) && n > 0, 'a positive integer') ?? 64;
  const learningRate = numberOption('lr', values.lr, (n) => n > 0, 'a positive number');
  const sampleCount = numberOption('samples', values.samples, (n) => Number.isInteger(n) && n > 0, 'a positive integer') ?? 64;
  const maxSteps = numberOption('max-steps-per-epoch', values['max-steps-per-epoch'], (n) => Number.isInteger(n) && n > 0, 'a positive integer');
  const checkpointEvery = numberOption('checkpoint-every', values['checkpoint-every'], (n) => Number.isInteger(n) && n > 0, 'a positive integer');
  const out = values.out;
  // The recommended stabilisers by default; --reference starts from none (the source's training).
  const base = values.reference ? NO_STABILIZERS : RECOMMENDED_STABILIZERS;
  const stabilizers: Required<GanStabilizers> = {
    realTarget: numberOption('real-target', values['real-target'], (n) => n > 0.5 && n <= 1, 'a number in (0.5, 1]') ?? base.realTarget,
    instanceNoise: numberOption('instance-noise', values['instance-noise'], (n) => n >= 0, 'a non-negative number') ?? base.instanceNoise,
    discriminatorDropout: numberOption('d-dropout', values['d-dropout'], (n) => n >= 0 && n < 1, 'a number in [0, 1)') ?? base.discriminatorDropout,
  };

  const ds = loadDataset(values.dataset ?? 'mnist');
  const backend = await selectBackend({ backend: values.backend });
  const resumed = values.resume ? loadGanCheckpoint(values.resume) : undefined;
  const startEpoch = resumed ? resumed.meta.epoch : 0;
  const sampleEpochs = values['sample-epochs'] !== undefined ? parseEpochList(values['sample-epochs']) : defaultSampleEpochs(startEpoch, startEpoch + epochs);
  process.stderr.write(
    `privlab train gan: ${ds.name} (${ds.count} images), ${epochs} epochs of batch ${batchSize}${resumed ? `, resuming at epoch ${startEpoch}` : ''}\n`,
  );

  const save = (r: Pick<TrainGanResult, 'gan' | 'optimizers' | 'epoch'>) => {
    saveGanCheckpoint(path.join(out, CHECKPOINT_FILE), r.gan, {
      optimizers: r.optimizers,
      meta: { epoch: r.epoch, seed: resumed?.meta.seed ?? seed, globalStep: r.optimizers.generator.step, dataset: ds.name, backend: backend.name },
    });
  };
  // Ctrl-C ends the run after the current step; the completed epochs are saved below.
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let result: TrainGanResult;
  try {
    // The model and optimisers are made here (as trainGan would) so that --checkpoint-every can save them between epochs.
    const runSeed = resumed?.meta.seed ?? seed;
    const gan = resumed?.gan ?? new Gan({ imageHeight: ds.height, imageWidth: ds.width, numClasses: values.conditional ? ds.classNames.length : 0 }, runSeed);
    const optimizers = resumed?.optimizers ?? ganOptimizers(gan, learningRate ? { learningRate } : undefined);
    result = await trainGan({
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
      signal: abort.signal,
      stabilizers,
      onEpoch: (e) => {
        if (checkpointEvery !== undefined && e.epoch % checkpointEvery === 0 && e.epoch !== startEpoch + epochs) save({ gan, optimizers, epoch: e.epoch });
        process.stderr.write(
          `epoch ${e.epoch}: D ${e.d.toFixed(4)}  G ${e.g.toFixed(4)}  ${e.seconds.toFixed(1)} s  (${e.numTensors} tensors, rss ${(e.rssBytes / 2 ** 20).toFixed(0)} MB)\n`,
        );
      },
      onSample: (s) => {
        const png = imageGridPng(s.pixels, s.count, ds.height, ds.width, { range: '[-1,1]', columns: Math.ceil(Math.sqrt(s.count)), scale: 2 });
        writeFileAtomic(path.join(out, 'samples', `epoch-${String(s.epoch).padStart(3, '0')}.png`), png);
      },
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  if (checkpointEvery === undefined || result.epoch % checkpointEvery === 0 || result.epoch === startEpoch + epochs) save(result);
  const history = {
    dataset: ds.name,
    backend: backend.name,
    seed: resumed?.meta.seed ?? seed,
    batchSize,
    config: result.gan.config,
    stabilizers,
    startEpoch,
    lastEpoch: result.epoch,
    seconds: result.seconds,
    stoppedEarly: result.stoppedEarly,
    epochs: result.history.epochs,
    steps: result.history.steps,
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
  return result.stoppedEarly ? 130 : 0;
}

export const train: Command = {
  name: 'train',
  usage: `privlab train gan --epochs N --out DIR [--dataset mnist|mnist-test|mnist-small|fashion|<images idx path>] [--conditional]
      [--seed S] [--batch B] [--lr LR] [--sample-epochs 5,30,100,200] [--samples 64] [--resume CKPT]
      [--backend auto|native|cpu|…] [--max-steps-per-epoch N]
      [--real-target 0.9] [--d-dropout 0.3] [--instance-noise 0] [--reference]
    Train the reference MLP GAN; write DIR/gan.ckpt, DIR/history.json (losses per step and
    epoch) and DIR/samples/epoch-NNN.png. Ctrl-C stops after the current step and saves.
    Stabilisers (defaults shown): --real-target is D's target for real digits (one-sided
    label smoothing), --d-dropout the dropout rate in D's hidden layers, --instance-noise
    the initial σ of noise on D's inputs (annealed to 0). --reference turns all of them off.
  privlab train export --from CKPT --out DIR --command "privlab train gan …"
    Write DIR/generator.ckpt and DIR/discriminator.ckpt (weights only, no optimiser state)
    and DIR/manifest.json: the command, each file's SHA-256, FID and mode coverage.
  privlab train compress --from CKPT|DIR --out DIR [--bits 4] [--prune 0.5] [--qat-epochs 1]
      [--finetune-epochs 1] [--seed S] [--max-steps-per-epoch N] [--save-float]
    Fine-tune a trained GAN's generator with QAT, prune it in one shot, fine-tune with the
    masks held; write DIR/generator.quantized.json (the FHE compiler's input) and
    DIR/manifest.json (command, SHA-256, FID and coverage of the integer model).`,
  async run(argv) {
    const [what, ...rest] = argv;
    if (what === 'gan') return trainGanCommand(rest);
    if (what === 'export') return exportCommand(rest);
    if (what === 'compress') return compressCommand(rest);
    throw new UsageError(`unknown train target "${what ?? ''}" (expected: gan, export, compress)`);
  },
};
