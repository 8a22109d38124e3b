/**
 * `privlab bench fhe-levers`: accuracy and time of the MNIST FCNN (the fhe-mnist bench's model)
 * for each error target per lookup and rounding of accumulators (src/experiments/fhe-levers.ts).
 * Time per image is the PBS count times the process CPU time of one key switch + PBS of the
 * chosen set on one thread, measured here (bench/fhe/pbs.ts) for sets up to --time-max-n.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { NamedBenchmark } from './benchmark';
import { runFheLevers } from '../src/experiments/fhe-levers';
import { packageRoot, writeFileAtomic } from '../src/util/files';
import { selectBackend } from '../src/backend';
import { intOption, mnistOption, UsageError } from '../src/cli/command';
import { pbsTimer } from './fhe/pbs-time';

/** A comma-separated option, each item read by `parse` (undefined: not readable). */
function list<T>(name: string, value: string | undefined, parse: (s: string) => T | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s) => {
    const v = parse(s.trim());
    if (v === undefined) throw new UsageError(`--${name}: cannot read "${s}"`);
    return v;
  });
}

export const fheLeversBenchmark: NamedBenchmark = {
  name: 'fhe-levers',
  usage: `fhe-levers [--mnist canonical|small] [--model FILE] [--p-errors 1e-6,1e-4,0.01,0.1] [--rounding-bits off,8,7,6,5] [--calibration N] [--simulate-samples N] [--execute-samples N] [--execute-max-n 2048] [--time-max-n 4096] [--pbs-repeats R] [--threads T] [--out FILE]
      The compiler's levers on the MNIST FCNN (figures/fhe/mnist-fcnn.model.json, trained if absent):
      per (p_error, rounding bits) the chosen set, PBS count, predicted and simulated error rates,
      accuracy (clear rounded program = noise-free simulation; with the noise model on the simulated
      digits, default 1,000; executed on the first N, default 0), ms/image = PBS × measured ms per
      key switch + PBS on one core (sets with N ≤ --time-max-n). Also written to figures/fhe/levers.json.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        mnist: { type: 'string' },
        model: { type: 'string' },
        'p-errors': { type: 'string' },
        'rounding-bits': { type: 'string' },
        calibration: { type: 'string' },
        'simulate-samples': { type: 'string' },
        'execute-samples': { type: 'string' },
        'execute-max-n': { type: 'string' },
        'time-max-n': { type: 'string' },
        'pbs-repeats': { type: 'string' },
        threads: { type: 'string' },
        out: { type: 'string' },
      },
    });
    const pErrors = list('p-errors', values['p-errors'], (s) => {
      const v = Number(s);
      return v > 0 && v < 1 ? v : undefined;
    });
    const roundingBits = list<number | null>('rounding-bits', values['rounding-bits'], (s) => {
      if (s === 'off') return null;
      const v = Number(s);
      return Number.isInteger(v) && v >= 1 && v <= 24 ? v : undefined;
    });
    const timeMaxN = intOption('time-max-n', values['time-max-n'], 0) ?? 4096;
    const repeats = intOption('pbs-repeats', values['pbs-repeats'], 1) ?? 3;
    const dir = path.join(packageRoot(), 'figures', 'fhe');
    await selectBackend({ quiet: true });
    const result = await runFheLevers({
      mnist: mnistOption(values.mnist),
      modelFile: values.model ?? path.join(dir, 'mnist-fcnn.model.json'),
      pErrors,
      roundingBits,
      calibration: intOption('calibration', values.calibration, 1),
      simulateSamples: intOption('simulate-samples', values['simulate-samples'], 1),
      executeSamples: intOption('execute-samples', values['execute-samples'], 0),
      executeMaxN: intOption('execute-max-n', values['execute-max-n'], 0),
      threads: intOption('threads', values.threads, 1),
      log,
      timePbs: pbsTimer({ timeMaxN, repeats, log }),
    });
    const out = { benchmark: 'fhe-levers', time_max_n: timeMaxN, pbs_repeats: repeats, ...result };
    writeFileAtomic(values.out ?? path.join(dir, 'levers.json'), `${JSON.stringify(out, null, 2)}\n`);
    return out;
  },
};
