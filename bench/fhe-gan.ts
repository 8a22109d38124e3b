/**
 * `privlab bench fhe-gan`: encrypted generation with a QAT (+ pruned) MNIST generator —
 * the GAN paper's Table V on this machine: seconds per encrypted 28x28 image by phase,
 * beside the source's 738 s (128 vCPUs) and 3780 s (laptop), and FID of the clear,
 * simulated and encrypted outputs. The generator comes from `privlab bench
 * gan-compression` (figures/gan-compression/<variant>.quantized.json). Also writes
 * figures/fhe/gan-<variant>.json.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { NamedBenchmark } from './benchmark';
import { runGanFhe } from '../src/experiments/fhe-gan';
import { intOption, numberOption, mnistOption } from '../src/cli/command';
import { packageRoot, writeFileAtomic } from '../src/util/files';
import { selectBackend } from '../src/backend';
import { round } from './stats';

export const fheGanBenchmark: NamedBenchmark = {
  name: 'fhe-gan',
  usage: `fhe-gan [--mnist canonical|small] [--variant qat-4bit-pruned-50] [--model FILE] [--images N] [--fid-samples N] [--calibration N] [--params NAME] [--margin M] [--threads T] [--out FILE]
      Encrypted generation with a quantized generator from bench gan-compression: s/image by phase
      (vs the source's 738 s / 3780 s), FID of clear / simulated / encrypted outputs. --margin
      widens each accumulator window by M of its calibrated range (default 0.2); 6-bit models
      fit tfhe's N = 16384 set only at 0.1.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: {
        mnist: { type: 'string' },
        variant: { type: 'string' },
        model: { type: 'string' },
        images: { type: 'string' },
        'fid-samples': { type: 'string' },
        calibration: { type: 'string' },
        params: { type: 'string' },
        margin: { type: 'string' },
        threads: { type: 'string' },
        out: { type: 'string' },
      },
    });
    const variant = values.variant ?? 'qat-4bit-pruned-50';
    if (!/^[\w.-]+$/.test(variant)) throw new RangeError(`--variant "${variant}" is not a variant name`);
    await selectBackend({ quiet: true });
    const { result, fhe } = await runGanFhe({
      mnist: mnistOption(values.mnist),
      modelFile: values.model ?? path.join(packageRoot(), 'figures', 'gan-compression', `${variant}.quantized.json`),
      images: intOption('images', values.images, 1),
      fidSamples: intOption('fid-samples', values['fid-samples'], 2),
      calibration: intOption('calibration', values.calibration, 1),
      parameterSet: values.params,
      margin: numberOption('margin', values.margin, (n) => n >= 0 && n <= 2, 'in [0, 2]'),
      threads: intOption('threads', values.threads, 1),
      log,
      onExecute: (done, total) => log(`encrypted image ${done}/${total}`),
    });
    fhe.dispose();
    const out = {
      benchmark: 'fhe-gan',
      ...result,
      s_per_image: round(result.s_per_image),
      ms_per_pbs: round(result.ms_per_pbs),
      cpu_ms_per_pbs: round(result.cpu_ms_per_pbs),
    };
    writeFileAtomic(values.out ?? path.join(packageRoot(), 'figures', 'fhe', `gan-${result.variant}.json`), `${JSON.stringify(out, null, 2)}\n`);
    return out;
  },
};
