/**
 * `privlab bench gan-compression`: the MNIST GAN table (regular, 6/4-bit QAT, 4-bit
 * pruned 20/50/70/80 %) with FID, training time per epoch and accumulator widths.
 * Writes figures/gan-compression/{results.json, <variant>.png, <variant>.quantized.json}.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend';
import { runGanCompression } from '../src/experiments/gan-compression';
import { summarize, writeGanCompressionFigures } from '../src/experiments/gan-compression-report';
import { packageRoot } from '../src/util/files';
import type { NamedBenchmark } from './benchmarks';
import { numberOption } from '../src/cli/command';

const int = (name: string, v: string | undefined, min: number): number | undefined =>
  numberOption(name, v, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);

export const ganCompressionBenchmark: NamedBenchmark = {
  name: 'gan-compression',
  usage: `gan-compression [--epochs E] [--finetune-epochs F] [--prune 0.2,0.5,0.7,0.8] [--fid-samples N] [--max-steps S] [--seed S] [--out DIR]
      The MNIST GAN table: regular, 6-bit and 4-bit QAT, the 4-bit generator pruned and
      fine-tuned; FID (LeNet features) against held-out digits, s/epoch, QAT overhead,
      accumulator widths. Defaults: 30 epochs, 10 fine-tuning epochs.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: { epochs: { type: 'string' }, 'finetune-epochs': { type: 'string' }, prune: { type: 'string' }, 'fid-samples': { type: 'string' }, 'max-steps': { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
    });
    const prune = values.prune?.split(',').map((s) => {
      const p = Number(s);
      if (!(p >= 0 && p < 1)) throw new RangeError(`--prune fractions must be in [0, 1), got "${s}"`);
      return p;
    });
    await selectBackend({ quiet: true });
    const result = await runGanCompression({
      epochs: int('epochs', values.epochs, 1) ?? 30,
      finetuneEpochs: int('finetune-epochs', values['finetune-epochs'], 0) ?? 10,
      pruneFractions: prune,
      fidSamples: int('fid-samples', values['fid-samples'], 2),
      maxStepsPerEpoch: int('max-steps', values['max-steps'], 1),
      seed: int('seed', values.seed, 0),
      onEpoch: (v, e, of) => log(`${v}: epoch ${e}/${of}`),
      onVariant: (row) => log(`${row.variant}: FID ${row.fid.toFixed(2)} (${row.secondsPerEpoch.toFixed(1)} s/epoch)`),
    });
    writeGanCompressionFigures(result, values.out ?? path.join(packageRoot(), 'figures', 'gan-compression'));
    return summarize(result);
  },
};
