/**
 * `privlab bench gan-compression`: the MNIST GAN table (regular, 6/4-bit QAT, 4-bit
 * pruned 20/50/70/80 %) with FID, training time per epoch and accumulator widths.
 * Writes figures/gan-compression/{results.json, <variant>.png, <variant>.quantized.json}.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend';
import { GanCompressionResult, runGanCompression } from '../src/experiments/gan-compression';
import { saveQuantizedModel } from '../src/quant/quantized-model';
import { imageGridPng } from '../src/viz/image-grid';
import { packageRoot, writeFileAtomic } from '../src/util/files';
import type { NamedBenchmark } from './benchmarks';
import { numberOption } from '../src/cli/command';

/** The JSON summary: no pixel arrays or weights (those go to files). */
export function summarize(r: GanCompressionResult): object {
  const regular = r.rows[0].fid;
  const byVariant = Object.fromEntries(r.rows.map((x) => [x.variant, x]));
  const ratio = (v: string): number | null => (byVariant[v] ? byVariant[v].fid / regular : null);
  const bits = r.options.qatBits ?? [6, 4];
  const low = bits[bits.length - 1];
  return {
    rows: r.rows.map((x) => ({
      variant: x.variant, bits: x.bits, pruning: x.pruning, fid: x.fid, fid_ratio_to_regular: x.fid / regular,
      epochs: x.epochs, s_per_epoch: x.secondsPerEpoch,
      accumulator_bits_worst_case: x.accumulators?.map((a) => a.worstCaseBits) ?? null,
      accumulator_bits_calibrated: x.accumulators?.map((a) => a.calibratedBits) ?? null,
      max_fan_in: x.accumulators?.map((a) => a.maxFanIn) ?? null,
    })),
    real_train_vs_test_fid: r.realFloor,
    fid_ratio_qat_low_bits: ratio(`qat-${low}bit`),
    fid_ratio_pruned_50: ratio(`qat-${low}bit-pruned-50`),
    fid_ratio_pruned_70: ratio(`qat-${low}bit-pruned-70`),
    fid_ratio_pruned_80: ratio(`qat-${low}bit-pruned-80`),
    qat_overhead: r.qatOverhead,
    options: r.options,
    feature_model: 'LeNet (data/fid-lenet): FID values are not comparable in absolute terms to Inception-based FID',
  };
}

export function writeGanCompressionFigures(r: GanCompressionResult, dir: string): void {
  for (const row of r.rows) {
    writeFileAtomic(path.join(dir, `${row.variant}.png`), imageGridPng(row.samples, 64, 28, 28, { range: '[-1,1]', columns: 8, scale: 2 }));
    if (row.model) saveQuantizedModel(path.join(dir, `${row.variant}.quantized.json`), row.model);
  }
  writeFileAtomic(path.join(dir, 'results.json'), `${JSON.stringify(summarize(r), null, 1)}\n`);
}

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
