/**
 * The named benchmarks behind `privlab bench NAME`. Each parses its own options and
 * returns one JSON-able object; the CLI prints it. Add a benchmark with one entry here.
 */
import { parseArgs } from 'node:util';
import { intOption } from '../src/cli/command';
import { benchTrainStep } from './train-step';
import type { GemmThreading } from '../src/backend';
import { fheMnistBenchmark } from './fhe-mnist';
import { fheGanBenchmark } from './fhe-gan';
import { ganCompressionBenchmark } from './gan-compression';
import { qatStepBenchmark } from './qat-step';
import { flOverheadBenchmark } from './fl-overhead';

export interface NamedBenchmark {
  name: string;
  /** Usage line(s) of `privlab bench NAME`. */
  usage: string;
  /** Runs with the command-line options after the name; `log` writes progress (stderr). */
  run(argv: string[], log: (line: string) => void): Promise<object>;
}


function gemmThreading(v: string | undefined): GemmThreading | undefined {
  if (v === undefined) return undefined;
  if (v !== 'pool' && v !== 'openblas') throw new RangeError(`--gemm-threading must be pool or openblas, got "${v}"`);
  return v;
}

export const BENCHMARKS: NamedBenchmark[] = [
  {
    name: 'train-step',
    usage: `train-step [--backend B] [--blas-threads T] [--gemm-threading pool|openblas] [--steps N] [--rounds R] [--epochs E] [--torch-threads 2,1] [--no-torch] [--others cpu,…|none]
      The reference MNIST GAN training step (batch 64): median ms per step on the backend,
      the PyTorch yardstick in the same run (interleaved rounds) and the ratio, one epoch
      over the 10,000 MNIST digits, memory after each epoch, and the other backends.`,
    async run(argv, log) {
      const { values } = parseArgs({
        args: argv,
        options: {
          backend: { type: 'string' }, steps: { type: 'string' }, rounds: { type: 'string' }, epochs: { type: 'string' },
          'torch-threads': { type: 'string' }, 'blas-threads': { type: 'string' }, 'gemm-threading': { type: 'string' }, 'no-torch': { type: 'boolean' }, others: { type: 'string' }, batch: { type: 'string' },
        },
      });
      const others = values.others === undefined ? undefined : values.others === 'none' ? [] : values.others.split(',').map((s) => s.trim()).filter(Boolean);
      return benchTrainStep({
        backend: values.backend, steps: intOption('steps', values.steps, 1), rounds: intOption('rounds', values.rounds, 1),
        epochs: intOption('epochs', values.epochs, 0), blasThreads: intOption('blas-threads', values['blas-threads'], 1),
        gemmThreading: gemmThreading(values['gemm-threading']),
        torchThreads: values['torch-threads']?.split(',').map((t) => intOption('torch-threads', t.trim(), 1) as number),
        batch: intOption('batch', values.batch, 1), noTorch: values['no-torch'], otherBackends: others, log,
      });
    },
  },
  fheMnistBenchmark,
  fheGanBenchmark,
  ganCompressionBenchmark,
  qatStepBenchmark,
  flOverheadBenchmark,
];
