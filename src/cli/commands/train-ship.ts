/**
 * `privlab train export` and `privlab train compress`: the commands that make the trained
 * generators shipped in data/gan/ (src/experiments/shipped-generators.ts) — the regular
 * one from a training checkpoint, and the QAT-pruned integer one from the regular one.
 * Both measure what they wrote (LeNet FID vs the test digits, mode coverage) and record
 * it with the command and the files' SHA-256 in the folder's manifest.json.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { numberOption, UsageError } from '../command';
import { selectBackend } from '../../backend';
import { loadDataset, mnistSplit } from '../../data';
import { loadFeatureModel } from '../../metrics/feature-model';
import { frechetDistance } from '../../metrics/frechet';
import { datasetStats, generatorQuality, GeneratorQuality, samplesQuality } from '../../metrics/gan-fid';
import { loadGanCheckpoint, saveGanCheckpoint } from '../../nn/checkpoint';
import { RECOMMENDED_STABILIZERS } from '../../nn/train-gan';
import { compressGenerator, quantizedGeneratorSamples } from '../../experiments/compress-generator';
import { loadGanFrom, writeShippedManifest } from '../../experiments/shipped-generators';
import { saveQuantizedModel } from '../../quant/quantized-model';
import { Gan } from '../../nn/gan';
import { withOutputDir } from '../../util/out-dir';

const FID_SAMPLES = 2000;
const FID_SEED = 12345;

/** FID and coverage as recorded in manifests and printed: snake_case, the CLI's JSON style. */
async function measure(
  what: (fm: Awaited<ReturnType<typeof loadFeatureModel>>, real: ReturnType<typeof datasetStats>) => GeneratorQuality,
  withFloor: boolean,
): Promise<Record<string, unknown>> {
  const fm = await loadFeatureModel();
  try {
    const split = mnistSplit();
    const real = datasetStats(fm, split.test);
    const q = what(fm, real);
    return {
      fid: q.fid,
      classes_covered: q.coverage.classesCovered,
      class_shares: q.coverage.classShares,
      coverage_threshold: q.coverage.threshold,
      samples: FID_SAMPLES,
      sample_seed: FID_SEED,
      reference: `${split.test.count} canonical MNIST test digits, LeNet features (data/fid-lenet)`,
      ...(withFloor ? { real_train_vs_test_fid: frechetDistance(datasetStats(fm, split.train), real) } : {}),
    };
  } finally {
    fm.dispose();
  }
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { from: { type: 'string' }, out: { type: 'string' }, command: { type: 'string' } } });
  if (!values.from || !values.out) throw new UsageError('train export needs --from CHECKPOINT and --out DIR');
  if (!values.command) throw new UsageError('train export needs --command "…": the command that trained the checkpoint, recorded in the manifest');
  const { out, from, command } = values;
  // Claimed (parent checked, locked) before the slow work: a second run into it is refused at once.
  return withOutputDir(out, async () => {
    await selectBackend();
    const { gan, meta } = loadGanCheckpoint(from, { withOptimizers: false });
    const m = { ...meta, exportedFrom: path.basename(from) };
    saveGanCheckpoint(path.join(out, 'generator.ckpt'), gan, { meta: m, networks: ['generator'] });
    saveGanCheckpoint(path.join(out, 'discriminator.ckpt'), gan, { meta: m, networks: ['discriminator'] });
    const quality = await measure((fm, real) => generatorQuality(gan, fm, real, { count: FID_SAMPLES, seed: FID_SEED }), true);
    gan.dispose();
    const manifest = writeShippedManifest(out, {
      what: `the reference MLP GAN (G 100→256→512→1024→784), trained ${meta.epoch} epochs (${meta.globalStep} steps) on the canonical MNIST training digits; the discriminator is kept for fine-tuning (train compress)`,
      commands: [command, `privlab train export --from ${from} --out ${out} --command ${JSON.stringify(command)}`],
      files: ['generator.ckpt', 'discriminator.ckpt'],
      quality,
    });
    console.log(JSON.stringify({ out, ...manifest }));
    return 0;
  });
}

export async function compressCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      out: { type: 'string' },
      bits: { type: 'string' },
      prune: { type: 'string' },
      'qat-epochs': { type: 'string' },
      'finetune-epochs': { type: 'string' },
      seed: { type: 'string' },
      dataset: { type: 'string', default: 'mnist' },
      'max-steps-per-epoch': { type: 'string' },
      'save-float': { type: 'boolean' },
    },
  });
  if (!values.from || !values.out) throw new UsageError('train compress needs --from CHECKPOINT|DIR and --out DIR');
  const bits = numberOption('bits', values.bits, (n) => Number.isInteger(n) && n >= 2 && n <= 8, 'an integer in 2..8') ?? 4;
  const prune = numberOption('prune', values.prune, (n) => n >= 0 && n < 1, 'a fraction in [0, 1)') ?? 0.5;
  const qatEpochs = numberOption('qat-epochs', values['qat-epochs'], (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? 1;
  const finetuneEpochs = numberOption('finetune-epochs', values['finetune-epochs'], (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? 1;
  const seed = numberOption('seed', values.seed, Number.isInteger, 'an integer') ?? 0;
  const maxSteps = numberOption('max-steps-per-epoch', values['max-steps-per-epoch'], (n) => Number.isInteger(n) && n > 0, 'a positive integer');
  const { out, from } = values;
  return withOutputDir(out, async () => {
    await selectBackend();
    const ds = loadDataset(values.dataset ?? 'mnist');
    const gan: Gan = loadGanFrom(from);
    process.stderr.write(
      `privlab train compress: ${bits}-bit QAT ${qatEpochs} epochs, prune ${prune * 100} %, fine-tune ${finetuneEpochs} epochs on ${ds.name}\n`,
    );
    const r = await compressGenerator({
      gan,
      dataset: ds,
      bits,
      prune,
      qatEpochs,
      finetuneEpochs,
      seed,
      maxStepsPerEpoch: maxSteps,
      stabilizers: RECOMMENDED_STABILIZERS,
      onEpoch: (phase, e, d, g) => process.stderr.write(`${phase} epoch ${e}: D ${d.toFixed(4)}  G ${g.toFixed(4)}\n`),
    });
    const file = 'generator.quantized.json';
    saveQuantizedModel(path.join(out, file), r.model);
    if (values['save-float']) saveGanCheckpoint(path.join(out, 'gan.ckpt'), gan, { meta: { epoch: r.epochs, seed, globalStep: 0 } });
    gan.dispose();
    // Measured on the integer model run in the clear: what FHE computes.
    const quality = await measure((fm, real) => {
      const samples = quantizedGeneratorSamples(r.model, FID_SAMPLES, FID_SEED);
      try {
        return samplesQuality(fm, real, samples);
      } finally {
        samples.dispose();
      }
    }, false);
    const command = `privlab train compress --from ${values.from} --bits ${bits} --prune ${prune} --qat-epochs ${qatEpochs} --finetune-epochs ${finetuneEpochs} --seed ${seed}${maxSteps ? ` --max-steps-per-epoch ${maxSteps}` : ''} --out ${out}`;
    const manifest = writeShippedManifest(out, {
      what: `the regular generator fine-tuned with ${bits}-bit QAT, pruned ${prune * 100} % (L1, one shot, per layer) and fine-tuned with the masks held; the integer model the FHE compiler reads`,
      commands: [command],
      files: [file],
      quality: { ...quality, layer_sparsity: r.layerSparsity, evaluated: 'integer model in the clear (runQuantized)' },
    });
    console.log(JSON.stringify({ out, ...manifest }));
    return 0;
  });
}
