/**
 * `privlab bench ckks-logreg`: encrypted logistic-regression training as TenSEAL's Tutorial 1 does
 * it (N = 8192, [40, 21×6, 40], scale 2^21, cubic sigmoid, model re-encrypted each epoch), beside
 * the same training in float64: accuracy per epoch (plain vs encrypted), seconds per encrypted
 * epoch, encrypted inference, ciphertext and key sizes (SEAL format, zstd), depth used.
 * Two runs: the breast-cancer table (accuracy; 399 train rows) and, for TenSEAL's problem size,
 * its random_data() stand-in with 780 train rows × 9 features (time per epoch; TenSEAL ≈ 160 s), the
 * compute party on worker threads (one SEAL instance each: SEAL's WebAssembly is single-threaded).
 */
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { intOption } from '../src/cli/command';
import { runCkksLogreg, TENSEAL_LOGREG_REFERENCE } from '../src/experiments/ckks-logreg';
import type { NamedBenchmark } from './benchmark';

export const ckksLogregBenchmark: NamedBenchmark = {
  name: 'ckks-logreg',
  usage: `ckks-logreg [--epochs E] [--tenseal-epochs E2] [--threads T] [--seed S]
      Encrypted vs plain logistic-regression training (TenSEAL's parameters): E epochs on the
      breast-cancer table (default 2, one thread) and E2 on a 780-row synthetic set of TenSEAL's
      size (default 1, 0 skips it) with the compute party on T worker threads (default: all cores).`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: { epochs: { type: 'string' }, 'tenseal-epochs': { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string' } },
    });
    const threads = intOption('threads', values.threads, 1) ?? availableParallelism();
    const epochs = intOption('epochs', values.epochs, 1) ?? 2;
    const tensealEpochs = intOption('tenseal-epochs', values['tenseal-epochs'], 0) ?? 1;
    const seed = intOption('seed', values.seed, 0) ?? 73;
    const breastCancer = await runCkksLogreg({ dataset: 'breast-cancer', epochs, seed, log });
    const tensealSize = tensealEpochs > 0 ? await runCkksLogreg({ dataset: 'synthetic', rows: 1114, epochs: tensealEpochs, seed, threads, log }) : null;
    const last = breastCancer.epochs[breastCancer.epochs.length - 1];
    return {
      benchmark: 'ckks-logreg',
      summary: {
        seconds_per_encrypted_epoch_780_rows: tensealSize?.mean_seconds_per_epoch ?? null,
        threads_780_rows: tensealSize?.threads ?? null,
        tenseal_seconds_per_epoch_780_rows: TENSEAL_LOGREG_REFERENCE.seconds_per_encrypted_epoch,
        breast_cancer_accuracy_plain: last.plain_accuracy,
        breast_cancer_accuracy_encrypted: last.encrypted_accuracy,
        max_accuracy_gap_points: Math.max(
          ...[...breastCancer.epochs, ...(tensealSize?.epochs ?? [])].map((e) => 100 * Math.abs(e.plain_accuracy - e.encrypted_accuracy)),
        ),
        depth_used: breastCancer.depth_used,
      },
      breast_cancer: breastCancer,
      tenseal_size: tensealSize,
    };
  },
};
