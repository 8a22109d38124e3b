/**
 * Outputs of the GAN compression experiment: a JSON summary (no pixels or weights) with
 * the ratios the paper's table is read by, and files under a figures folder.
 */
import * as path from 'node:path';
import { DEFAULT_QAT_BITS, GanCompressionResult } from './gan-compression';
import { saveQuantizedModel } from '../quant/quantized-model';
import { imageGridPng } from '../viz/image-grid';
import { writeFileAtomic } from '../util/files';

/** The source paper's FID table (Inception features; compare ratios, not values). */
export const PAPER_FID: Readonly<Record<string, number>> = Object.freeze({
  regular: 57.2,
  'qat-4bit': 59.1,
  'qat-4bit-pruned-20': 60.7,
  'qat-4bit-pruned-50': 67.8,
  'qat-4bit-pruned-70': 108.2,
  'qat-4bit-pruned-80': 143.2,
});

/** The JSON summary: no pixel arrays or weights (those go to files). */
export function summarize(r: GanCompressionResult): object {
  const regular = r.rows[0].fid;
  const byVariant = Object.fromEntries(r.rows.map((x) => [x.variant, x]));
  const ratio = (v: string): number | null => (byVariant[v] ? byVariant[v].fid / regular : null);
  const bits = r.options.qatBits ?? DEFAULT_QAT_BITS;
  const low = bits[bits.length - 1];
  return {
    rows: r.rows.map((x) => ({
      variant: x.variant,
      bits: x.bits,
      pruning: x.pruning,
      fid: x.fid,
      fid_trail: x.fidTrail,
      fid_ratio_to_regular: x.fid / regular,
      paper_fid: PAPER_FID[x.variant] ?? null,
      paper_fid_ratio: PAPER_FID[x.variant] ? PAPER_FID[x.variant] / PAPER_FID.regular : null,
      epochs: x.epochs,
      start_epoch: x.startEpoch,
      s_per_epoch: x.secondsPerEpoch,
      cpu_s_per_epoch: x.cpuSecondsPerEpoch,
      accumulator_bits_worst_case: x.accumulators?.map((a) => a.worstCaseBits) ?? null,
      accumulator_bits_calibrated: x.accumulators?.map((a) => a.calibratedBits) ?? null,
      max_fan_in: x.accumulators?.map((a) => a.maxFanIn) ?? null,
    })),
    real_train_vs_test_fid: r.realFloor,
    fid_ratio_qat_low_bits: ratio(`qat-${low}bit`),
    fid_ratio_pruned_50: ratio(`qat-${low}bit-pruned-50`),
    fid_ratio_pruned_70: ratio(`qat-${low}bit-pruned-70`),
    fid_ratio_pruned_80: ratio(`qat-${low}bit-pruned-80`),
    qat_overhead_cpu: r.qatOverhead,
    qat_overhead_wall: r.qatOverheadWall,
    options: r.options,
    feature_model: 'LeNet (data/fid-lenet): FID values are not comparable in absolute terms to Inception-based FID',
  };
}

/** figures: <variant>.png (64 samples), <variant>.quantized.json (integer generator), results.json. */
export function writeGanCompressionFigures(r: GanCompressionResult, dir: string): void {
  for (const row of r.rows) {
    writeFileAtomic(path.join(dir, `${row.variant}.png`), imageGridPng(row.samples, 64, 28, 28, { range: '[-1,1]', columns: 8, scale: 2 }));
    if (row.model) saveQuantizedModel(path.join(dir, `${row.variant}.quantized.json`), row.model);
  }
  writeFileAtomic(path.join(dir, 'results.json'), `${JSON.stringify(summarize(r), null, 1)}\n`);
}
