/**
 * `privlab bench zama-table`: the Zama source's MNIST table (FCNN at 6 / 7 / 8 circuit
 * bits, LeNet, a 6-layer CNN) on the canonical MNIST — per row clear, simulated (10,000
 * test digits) and encrypted accuracy, execute-vs-simulate agreement, s/image, PBS per
 * image, measured circuit bits and parameter set (src/experiments/zama-table.ts).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { NamedBenchmark } from './benchmark';
import { ZAMA_ROWS, ZamaRow, ZamaTableOptions, parseZamaRows, runZamaTable } from '../src/experiments/zama-table';
import { packageRoot, writeFileAtomic } from '../src/util/files';
import { selectBackend } from '../src/backend';
import { intOption, intListOption, mnistOption, numberOption, UsageError } from '../src/cli/command';
import { round } from './stats';

const rounded = (r: ZamaRow) => ({ ...r, s_per_image: round(r.s_per_image), s_per_image_mean: round(r.s_per_image_mean), ms_per_pbs: round(r.ms_per_pbs) });

export const zamaTableBenchmark: NamedBenchmark = {
  name: 'zama-table',
  usage: `zama-table [--rows ${ZAMA_ROWS.join(',')}] [--mnist canonical|small] [--train-samples N] [--epochs FLOAT,QAT] [--simulate-samples N] [--execute-samples N] [--calibration N] [--threads T] [--model-dir DIR] [--retrain] [--hidden H1,H2] [--fan-in-caps C1,C2,..] [--prune-epochs P] [--prune-start E] [--input-bits B] [--activation-bits B] [--rounding-bits R] [--distill W[,T]] [--filters F1,F2,..] [--dense D1,D2,..] [--pools P1,P2,..] [--pool avg|max] [--p-error P] [--out FILE]
      The Zama MNIST table: each row trained with QAT (2-bit weights and activations) and fan-in
      caps on the training digits (default all 60,000), simulated on the test digits (default
      all 10,000) and executed on N encrypted digits (default 100). Trained models are reused
      from --model-dir (default figures/fhe/zama-table). --hidden replaces the FCNN rows' widths,
      --fan-in-caps every selected row's caps (one per layer, 0: none), --input-bits the pixels' bits (default: the row's), --activation-bits the hidden activations' bits
      (default 2), --rounding-bits R rounds each accumulator to its top R bits before its lookup (default none), --p-error the compiler's
      target mean read error (default 0.01). --epochs, --prune-epochs, --prune-start (epochs before the caps tighten), --distill
      (weight of the float network's soft targets, temperature T, default 4), --filters / --dense (the CNN rows' convolution
      filters and hidden dense widths) and --pools / --pool (their pooling after each convolution) replace the rows' own settings.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        rows: { type: 'string' },
        mnist: { type: 'string' },
        'train-samples': { type: 'string' },
        epochs: { type: 'string' },
        'simulate-samples': { type: 'string' },
        'execute-samples': { type: 'string' },
        calibration: { type: 'string' },
        threads: { type: 'string' },
        'model-dir': { type: 'string' },
        retrain: { type: 'boolean' },
        hidden: { type: 'string' },
        'fan-in-caps': { type: 'string' },
        'prune-epochs': { type: 'string' },
        'prune-start': { type: 'string' },
        distill: { type: 'string' },
        filters: { type: 'string' },
        dense: { type: 'string' },
        pools: { type: 'string' },
        pool: { type: 'string' },
        'input-bits': { type: 'string' },
        'activation-bits': { type: 'string' },
        'rounding-bits': { type: 'string' },
        'p-error': { type: 'string' },
        out: { type: 'string' },
      },
    });
    let rows;
    try {
      rows = values.rows ? parseZamaRows(values.rows) : undefined;
    } catch (e) {
      throw new UsageError(`--rows: ${(e as Error).message}`);
    }
    const epochs = intListOption('epochs', values.epochs, 0);
    if (epochs && epochs.length !== 2) throw new UsageError(`--epochs takes FLOAT,QAT (e.g. 2,8), got "${values.epochs}"`);
    const hidden = intListOption('hidden', values.hidden, 1);
    const caps = intListOption('fan-in-caps', values['fan-in-caps'], 0);
    const inputBits = intOption('input-bits', values['input-bits'], 1);
    const activationBits = intOption('activation-bits', values['activation-bits'], 1);
    const roundingBits = intOption('rounding-bits', values['rounding-bits'], 1);
    const pruneStart = intOption('prune-start', values['prune-start'], 0);
    const distillParts = values.distill?.split(',').map((d) => Number(d.trim()));
    if (distillParts && (distillParts.length > 2 || !(distillParts[0] > 0 && distillParts[0] <= 1) || (distillParts.length === 2 && !(distillParts[1] >= 1))))
      throw new UsageError(`--distill takes W[,T] with W in (0, 1] and T ≥ 1 (e.g. 0.7,4), got "${values.distill}"`);
    const distill = distillParts && { weight: distillParts[0], temperature: distillParts[1] ?? 4 };
    const filters = intListOption('filters', values.filters, 1);
    const dense = intListOption('dense', values.dense, 1);
    const pools = intListOption('pools', values.pools, 0);
    if (values.pool !== undefined && values.pool !== 'avg' && values.pool !== 'max') throw new UsageError(`--pool takes avg or max, got "${values.pool}"`);
    const pool = values.pool as 'avg' | 'max' | undefined;
    const common = {
      ...(caps && { fanInCaps: caps }),
      ...(inputBits && { inputBits }),
      ...(activationBits && { activationBits }),
      ...(roundingBits && { roundingBits }),
      ...(pruneStart !== undefined && { pruneStart }),
      ...(distill && { distill }),
    };
    const cnnOnly = { ...(filters && { filters }), ...(dense && { dense }), ...(pools && { pools }), ...(pool && { pool }) };
    const specs = Object.fromEntries(
      (rows ?? ZAMA_ROWS).map((r) => [r, r.startsWith('FCNN') ? { ...common, ...(hidden && { hidden }) } : { ...common, ...cnnOnly }]),
    );
    const dir = path.join(packageRoot(), 'figures', 'fhe');
    const outFile = values.out ?? path.join(dir, 'zama-table.json');
    const done: ZamaRow[] = [];
    // every option is checked before the backend loads: a bad one exits 2 at once
    const options: ZamaTableOptions = {
      rows,
      mnist: mnistOption(values.mnist),
      trainSamples: intOption('train-samples', values['train-samples'], 1),
      floatEpochs: epochs?.[0],
      qatEpochs: epochs?.[1],
      pruneEpochs: intOption('prune-epochs', values['prune-epochs'], 1),
      simulateSamples: intOption('simulate-samples', values['simulate-samples'], 1),
      executeSamples: intOption('execute-samples', values['execute-samples'], 1),
      calibration: intOption('calibration', values.calibration, 1),
      pError: numberOption('p-error', values['p-error'], (n) => n > 0 && n < 1, 'in (0, 1)'),
      threads: intOption('threads', values.threads, 1),
      modelDir: values['model-dir'] ?? path.join(dir, 'zama-table'),
      retrain: values.retrain,
      specs,
      log,
      // each finished row is written at once: a run of hours keeps what it measured if stopped
      onRow: (row) => {
        done.push(row);
        writeFileAtomic(outFile, `${JSON.stringify({ benchmark: 'zama-table', partial: true, rows: done.map(rounded) }, null, 2)}\n`);
      },
    };
    await selectBackend({ quiet: true });
    const result = await runZamaTable(options);
    const out = {
      benchmark: 'zama-table',
      ...result,
      rows: result.rows.map(rounded),
    };
    writeFileAtomic(outFile, `${JSON.stringify(out, null, 2)}\n`);
    return out;
  },
};
