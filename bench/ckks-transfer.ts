/**
 * `privlab bench ckks-transfer`: encrypted transfer learning on CKKS (issue 15). A base x² MLP
 * trained on MNIST digits 0–4; a one-vs-rest head for digits 5–9 trained on encrypted features,
 * in setup 2 (features computed in the clear, then encrypted) and setup 1 (the base model runs on
 * encrypted images first). Reports plain / encrypted head accuracy per epoch, encrypted vs plain
 * inference, seconds per encrypted inference and per training epoch, ciphertext and key sizes,
 * depth, the error of each polynomial approximation, and TenSEAL's figures beside ours.
 * Default: the short run (about 2 min here); --full: 2048 head rows, 10 epochs, all 4861 test images
 * through encrypted inference.
 */
import { parseArgs } from 'node:util';
import { intOption, intListOption } from '../src/cli/command';
import { selectBackend } from '../src/backend';
import { runCkksTransfer, CKKS_TRANSFER_SHORT, CKKS_TRANSFER_FULL } from '../src/experiments/ckks-transfer';
import type { NamedBenchmark } from './benchmark';

export const ckksTransferBenchmark: NamedBenchmark = {
  name: 'ckks-transfer',
  usage: `ckks-transfer [--full] [--base-epochs E] [--head-rows R] [--epochs E] [--test-rows T] [--inference-rows I] [--hidden 64,32] [--seed S]
      Encrypted transfer learning (MNIST 0–4 → 5–9): setup 2 (clear features, encrypted head
      training) and setup 1 (encrypted inference, then encrypted head training). Default: base 3
      epochs, 512 head rows, 3 head epochs, 4861 test rows, 256 test images through encrypted
      inference; --full: 5 base epochs, 2048 rows, 10 epochs, all 4861 test images encrypted.
      --hidden: the base model's hidden widths (default 64; 64,32 is the deeper variant, depth 4).`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        full: { type: 'boolean', default: false },
        'base-epochs': { type: 'string' },
        'head-rows': { type: 'string' },
        epochs: { type: 'string' },
        'test-rows': { type: 'string' },
        'inference-rows': { type: 'string' },
        seed: { type: 'string' },
        hidden: { type: 'string' },
      },
    });
    const hidden = intListOption('hidden', values.hidden, 1);
    const preset = values.full ? CKKS_TRANSFER_FULL : CKKS_TRANSFER_SHORT;
    await selectBackend({ quiet: true });
    const t0 = performance.now();
    const r = await runCkksTransfer({
      ...preset,
      baseEpochs: intOption('base-epochs', values['base-epochs'], 1) ?? preset.baseEpochs,
      headRows: intOption('head-rows', values['head-rows'], 1) ?? preset.headRows,
      epochs: intOption('epochs', values.epochs, 1) ?? preset.epochs,
      testRows: intOption('test-rows', values['test-rows'], 1) ?? preset.testRows,
      inferenceRows: intOption('inference-rows', values['inference-rows'], 1) ?? preset.inferenceRows,
      seed: intOption('seed', values.seed, 0) ?? 15,
      hidden,
      log,
    });
    const gap = (rows: typeof r.setup2.epochs): number => Math.max(...rows.map((e) => 100 * Math.abs(e.plain_accuracy - e.encrypted_accuracy)));
    const last2 = r.setup2.epochs[r.setup2.epochs.length - 1];
    const last1 = r.setup1.epochs[r.setup1.epochs.length - 1];
    return {
      benchmark: 'ckks-transfer',
      preset: values.full ? 'full' : 'short',
      summary: {
        base_test_accuracy: r.base.test_accuracy,
        setup2_head_accuracy_plain: last2.plain_accuracy,
        setup2_head_accuracy_encrypted: last2.encrypted_accuracy,
        setup2_max_gap_points: gap(r.setup2.epochs),
        setup1_head_accuracy_encrypted: last1.encrypted_accuracy,
        setup1_max_gap_points: gap(r.setup1.epochs),
        inference_agreement: r.setup1.inference.agreement,
        inference_accuracy_plain: r.setup1.inference.accuracy_plain,
        inference_accuracy_encrypted: r.setup1.inference.accuracy_encrypted,
        seconds_per_encrypted_image: r.setup1.inference.seconds_per_image,
        seconds_per_inference_ciphertext: r.setup1.inference.seconds_per_ciphertext,
        seconds_per_encrypted_epoch: r.setup2.mean_seconds_per_epoch,
        depth_inference: r.depth.inference_used,
        depth_training_epoch: r.depth.training_epoch_used,
        targets: { head_within_1_point: gap(r.setup2.epochs) <= 1 && gap(r.setup1.epochs) <= 1, inference_agreement_99: r.setup1.inference.agreement >= 0.99 },
        total_seconds: (performance.now() - t0) / 1000,
      },
      ...r,
    };
  },
};
