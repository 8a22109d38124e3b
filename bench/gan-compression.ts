/**
 * `privlab bench gan-compression`: the MNIST GAN table (regular, 6/4-bit QAT, 4-bit
 * pruned 20/50/70/80 %) with FID, training time per epoch and accumulator widths.
 * Writes figures/gan-compression/{results.json, <variant>.png, <variant>.quantized.json}.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend';
import { runGanCompression } from '../src/experiments/gan-compression';
import { loadTrainedGan } from '../src/experiments/shipped-generators';
import { RECOMMENDED_STABILIZERS } from '../src/nn/train-gan';
import { summarize, writeGanCompressionFigures } from '../src/experiments/gan-compression-report';
import { packageRoot } from '../src/util/files';
import type { NamedBenchmark } from './benchmark';
import { intOption, numberOption, mnistOption } from '../src/cli/command';

export const ganCompressionBenchmark: NamedBenchmark = {
  name: 'gan-compression',
  usage: `gan-compression [--mnist canonical|small] [--from DIR|CKPT] [--epochs E] [--qat-epochs Q] [--finetune-epochs F] [--prune 0.2,0.5,0.7,0.8] [--fid-samples N] [--fid-epochs K] [--percentile P] [--gradual] [--max-steps S] [--seed S] [--out DIR]
      The MNIST GAN table: regular, 6-bit and 4-bit QAT (the last Q of the E epochs, from the
      regular GAN's weights; Q = E: from scratch), the 4-bit generator pruned and fine-tuned F
      epochs; FID (LeNet features, mean over each variant's last K epochs) against held-out
      digits, s/epoch, QAT overhead, accumulator widths. Defaults: E 30, Q E/4, F 10, K 3,
      activation ranges from batch percentile P 99.9; pruning one shot (--gradual: Zhu & Gupta).
      --from data/gan/regular: start from that trained GAN instead (E = its epochs + Q, Q default 1):
      every row fine-tunes it, the regular one unquantized, with label smoothing and dropout in D
      as it was trained (notebook 02's default: --from data/gan/regular --qat-epochs 2
      --finetune-epochs 2 --max-steps 75 --fid-epochs 2).`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        mnist: { type: 'string' },
        from: { type: 'string' },
        epochs: { type: 'string' },
        'qat-epochs': { type: 'string' },
        'fid-epochs': { type: 'string' },
        percentile: { type: 'string' },
        gradual: { type: 'boolean' },
        'finetune-epochs': { type: 'string' },
        prune: { type: 'string' },
        'fid-samples': { type: 'string' },
        'max-steps': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
      },
    });
    const prune = values.prune?.split(',').map((s) => {
      const p = Number(s);
      if (!(p >= 0 && p < 1)) throw new RangeError(`--prune fractions must be in [0, 1), got "${s}"`);
      return p;
    });
    await selectBackend({ quiet: true });
    const percentile = numberOption('percentile', values.percentile, (n) => n > 50 && n <= 100, 'a percentile in (50, 100]');
    const from = values.from === undefined ? undefined : loadTrainedGan(values.from);
    const result = await runGanCompression({
      mnist: mnistOption(values.mnist),
      from,
      stabilizers: from ? RECOMMENDED_STABILIZERS : undefined,
      epochs: intOption('epochs', values.epochs, 1) ?? (from ? undefined : 30),
      qatEpochs: intOption('qat-epochs', values['qat-epochs'], 1),
      fidEpochs: intOption('fid-epochs', values['fid-epochs'], 1),
      activationPercentile: percentile,
      pruneSchedule: values.gradual ? 'gradual' : undefined,
      finetuneEpochs: intOption('finetune-epochs', values['finetune-epochs'], 0) ?? 10,
      pruneFractions: prune,
      fidSamples: intOption('fid-samples', values['fid-samples'], 2),
      maxStepsPerEpoch: intOption('max-steps', values['max-steps'], 1),
      seed: intOption('seed', values.seed, 0),
      onEpoch: (v, e, of) => log(`${v}: epoch ${e}/${of}`),
      onVariant: (row) => log(`${row.variant}: FID ${row.fid.toFixed(2)} (${row.secondsPerEpoch.toFixed(1)} s/epoch)`),
    });
    from?.gan.dispose();
    writeGanCompressionFigures(result, values.out ?? path.join(packageRoot(), 'figures', 'gan-compression'));
    return summarize(result);
  },
};
