/**
 * `privlab bench fhe-mnist`: the Zama MNIST FCNN table redone on this machine — accuracy
 * in the clear, in simulation and encrypted (on a sample), seconds per encrypted image by
 * phase, PBS count. The trained model is cached (figures/fhe/mnist-fcnn.model.json) so
 * reruns time the FHE part only; the result is also written to figures/fhe/mnist-fcnn.json.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { NamedBenchmark } from './benchmark';
import { runMnistFcnn } from '../src/experiments/fhe-mnist';
import { packageRoot, writeFileAtomic } from '../src/util/files';
import { selectBackend } from '../src/backend';
import { round } from './stats';
import { intOption, intListOption, UsageError, mnistOption, COMPILER_LEVER_OPTIONS, compilerLevers } from '../src/cli/command';

export const fheMnistBenchmark: NamedBenchmark = {
  name: 'fhe-mnist',
  usage: `fhe-mnist [--mnist canonical|small] [--arch fcnn|cnn] [--execute-samples N] [--simulate-samples N] [--calibration N] [--params NAME] [--p-error P] [--global-p-error G] [--rounding-bits B] [--threads T] [--retrain] [--hidden 92,92] [--filters 6,12] [--float-epochs E] [--qat-epochs E] [--model FILE] [--out FILE]
      The Zama MNIST 3-layer FCNN (2-bit weights and activations, QAT), or (--arch cnn) a CNN of two
      strided 3x3 convolutions and a dense layer (3-bit, QAT): accuracy clear / simulate / execute
      (execute on the first N test images, default 10), seconds per encrypted image by phase, and
      error_rates: the compiler's predicted error beside the measured one (noisy simulation, execute).
      --p-error / --global-p-error: error target per lookup / per inference; --rounding-bits B: round
      accumulators to their top B bits before each lookup.
      The trained model is cached as figures/fhe/mnist-<arch>.model.json; results go to mnist-<arch>.json.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        mnist: { type: 'string' },
        'execute-samples': { type: 'string' },
        'simulate-samples': { type: 'string' },
        calibration: { type: 'string' },
        params: { type: 'string' },
        ...COMPILER_LEVER_OPTIONS,
        threads: { type: 'string' },
        retrain: { type: 'boolean' },
        hidden: { type: 'string' },
        'float-epochs': { type: 'string' },
        arch: { type: 'string' },
        filters: { type: 'string' },
        'qat-epochs': { type: 'string' },
        out: { type: 'string' },
        model: { type: 'string' },
      },
    });
    const levers = compilerLevers(values);
    const arch = values.arch ?? 'fcnn';
    if (arch !== 'fcnn' && arch !== 'cnn') throw new UsageError(`--arch must be fcnn or cnn, got "${arch}"`);
    const dir = path.join(packageRoot(), 'figures', 'fhe');
    await selectBackend({ quiet: true });
    const { result, fhe } = await runMnistFcnn({
      mnist: mnistOption(values.mnist),
      architecture: arch,
      modelFile: values.model ?? path.join(dir, `mnist-${arch}.model.json`),
      retrain: values.retrain,
      hidden: intListOption('hidden', values.hidden, 1),
      filters: intListOption('filters', values.filters, 1),
      floatEpochs: intOption('float-epochs', values['float-epochs'], 0),
      qatEpochs: intOption('qat-epochs', values['qat-epochs'], 0),
      calibration: intOption('calibration', values.calibration, 1),
      simulateSamples: intOption('simulate-samples', values['simulate-samples'], 1),
      executeSamples: intOption('execute-samples', values['execute-samples'], 1),
      parameterSet: values.params,
      ...levers,
      threads: intOption('threads', values.threads, 1),
      log,
      onExecute: (done, total) => log(`encrypted image ${done}/${total}`),
    });
    fhe.dispose();
    const out = {
      benchmark: 'fhe-mnist',
      ...result,
      s_per_image: round(result.s_per_image),
      ms_per_pbs: round(result.ms_per_pbs),
      cpu_ms_per_pbs: round(result.cpu_ms_per_pbs),
    };
    writeFileAtomic(values.out ?? path.join(dir, `mnist-${arch}.json`), `${JSON.stringify(out, null, 2)}\n`);
    return out;
  },
};
