/**
 * `privlab bench qat-step`: the reference GAN training step with a regular generator and
 * with QAT generators, interleaved in one process, medians of CPU time (this process,
 * all threads: robust to other load) and wall time; the QAT/regular ratio is the
 * training overhead of quantization-aware training.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend';
import { Gan } from '../src/nn/gan';
import { ganOptimizers, ganTrainStep } from '../src/nn/gan-step';
import { QatTransform } from '../src/quant/qat';
import { SeededRng } from '../src/util/rng';
import { intOption, numberOption } from '../src/cli/command';
import type { NamedBenchmark } from './benchmark';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const qatStepBenchmark: NamedBenchmark = {
  name: 'qat-step',
  usage: `qat-step [--rounds R] [--warmup W] [--bits 4,6] [--percentile P|minmax]
      The reference GAN step (batch 64) with a float generator and with QAT generators,
      interleaved: median CPU and wall ms per step and the QAT/regular ratios. Activation
      ranges as in bench gan-compression: batch percentile P (default 99.9) or min/max.`,
  async run(argv, log) {
    const { values } = parseArgs({
      args: argv,
      options: { rounds: { type: 'string' }, warmup: { type: 'string' }, bits: { type: 'string' }, percentile: { type: 'string' } },
    });
    const percentile =
      values.percentile === 'minmax'
        ? undefined
        : numberOption('percentile', values.percentile ?? '99.9', (n) => n > 50 && n <= 100, 'a percentile in (50, 100] or minmax');
    const rounds = intOption('rounds', values.rounds, 1) ?? 30;
    const warmup = intOption('warmup', values.warmup, 0) ?? 5;
    const bits = (values.bits ?? '4,6').split(',').map((b) => Number(b));
    const backend = await selectBackend({ quiet: true });
    const variants = [{ name: 'regular', bits: 0 }, ...bits.map((b) => ({ name: `qat-${b}bit`, bits: b }))].map((v) => {
      const gan = new Gan({}, 1);
      const qat = v.bits
        ? new QatTransform(gan.generator, {
            weightBits: v.bits,
            activationBits: v.bits,
            inputRange: { min: -3, max: 3 },
            outputRange: { min: -1, max: 1 },
            activationPercentile: percentile,
          })
        : undefined;
      gan.generator.transform = qat;
      return { ...v, gan, qat, opt: ganOptimizers(gan), rng: new SeededRng(2), cpu: [] as number[], wall: [] as number[] };
    });
    const real = tf.randomUniform([64, 784], -1, 1, 'float32', 3) as tf.Tensor2D;
    for (let r = 0; r < warmup + rounds; r++) {
      for (const v of variants) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        ganTrainStep(v.gan, v.opt, real, v.rng);
        const wall = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (r >= warmup) {
          v.cpu.push((c.user + c.system) / 1000);
          v.wall.push(wall);
        }
      }
      if (r % 10 === 9) log(`round ${r + 1}/${warmup + rounds}`);
    }
    const base = variants[0];
    const out = {
      backend: backend.name,
      rounds,
      activation_ranges: percentile === undefined ? 'minmax' : `percentile ${percentile}`,
      variants: variants.map((v) => ({ name: v.name, cpu_ms_per_step: median(v.cpu), wall_ms_per_step: median(v.wall) })),
      overhead_cpu: Object.fromEntries(variants.slice(1).map((v) => [v.name, median(v.cpu) / median(base.cpu)])),
      overhead_wall: Object.fromEntries(variants.slice(1).map((v) => [v.name, median(v.wall) / median(base.wall)])),
    };
    for (const v of variants) {
      v.qat?.dispose();
      v.opt.generator.dispose();
      v.opt.discriminator.dispose();
      v.gan.dispose();
    }
    real.dispose();
    return out;
  },
};
