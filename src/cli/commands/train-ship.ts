/**
 * `privlab train export` and `privlab train compress`: the commands that make the trained
 * generators shipped in data/gan/ (src/experiments/shipped-generators.ts) — the regular
 * one from a training checkpoint, and the QAT-pruned integer one from the regular one.
 * Both measure what they wrote (LeNet FID vs the test digits, mode coverage) and record
 * it with the command and the files' SHA-256 in the folder's manifest.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { numberOption, UsageError } from '../command';
import { selectBackend } from '../../backend';
import { loadDataset, mnistSplit } from '../../data';
import { loadFeatureModel } from '../../metrics/feature-model';
import { frechetDistance } from '../../metrics/frechet';
import { generatorQuality, GeneratorQuality, samplesQuality } from '../../metrics/gan-fid';
import { cachedDatasetStats } from '../../metrics/stats-cache';
import { loadGanCheckpoint, saveGanCheckpoint } from '../../nn/checkpoint';
import { RECOMMENDED_STABILIZERS } from '../../nn/train-gan';
import { compressGenerator, quantizedGeneratorSamples } from '../../experiments/compress-generator';
import { loadCompressCheckpoint } from '../../experiments/compress-checkpoint';
import { InterruptedError } from '../../util/interrupt';
import { loadGanFrom, writeShippedManifest } from '../../experiments/shipped-generators';
import { saveQuantizedModel } from '../../quant/quantized-model';
import { Gan } from '../../nn/gan';
import { withOutputDir } from '../../util/out-dir';

const FID_SAMPLES = 2000;
const FID_SEED = 12345;

/** FID and coverage as recorded in manifests and printed: snake_case, the CLI's JSON style. */
async function measure(
  what: (fm: Awaited<ReturnType<typeof loadFeatureModel>>, real: ReturnType<typeof cachedDatasetStats>) => GeneratorQuality,
  withFloor: boolean,
): Promise<Record<string, unknown>> {
  const fm = await loadFeatureModel();
  try {
    const split = mnistSplit();
    const real = cachedDatasetStats(fm, split.test);
    const q = what(fm, real);
    return {
      fid: q.fid,
      classes_covered: q.coverage.classesCovered,
      class_shares: q.coverage.classShares,
      coverage_threshold: q.coverage.threshold,
      samples: FID_SAMPLES,
      sample_seed: FID_SEED,
      reference: `${split.test.count} canonical MNIST test digits, LeNet features (data/fid-lenet)`,
      ...(withFloor ? { real_train_vs_test_fid: frechetDistance(cachedDatasetStats(fm, split.train), real) } : {}),
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

/** The file a stopped `train compress` leaves in its --out folder. */
export const COMPRESS_CHECKPOINT_FILE = 'compress.ckpt';

/** The checkpoint's caller fields: what the CLI needs to continue and record the run. */
function compressCaller(file: string, c: Record<string, unknown>): { from: string; dataset: string; saveFloat: boolean } {
  if (typeof c.from !== 'string' || typeof c.dataset !== 'string' || typeof c.saveFloat !== 'boolean')
    throw new UsageError(`--resume ${file}: not a checkpoint of privlab train compress (it lacks from, dataset or saveFloat)`);
  return { from: c.from, dataset: c.dataset, saveFloat: c.saveFloat };
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
      dataset: { type: 'string' },
      'max-steps-per-epoch': { type: 'string' },
      'save-float': { type: 'boolean' },
      resume: { type: 'string' },
    },
  });
  if (!values.out || (!values.from && !values.resume)) throw new UsageError('train compress needs --from CHECKPOINT|DIR (or --resume FILE) and --out DIR');
  if (values.from && values.resume) throw new UsageError('train compress takes --from or --resume, not both (a resumed run continues from its own GAN)');
  const given = {
    bits: numberOption('bits', values.bits, (n) => Number.isInteger(n) && n >= 2 && n <= 8, 'an integer in 2..8'),
    prune: numberOption('prune', values.prune, (n) => n >= 0 && n < 1, 'a fraction in [0, 1)'),
    qatEpochs: numberOption('qat-epochs', values['qat-epochs'], (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    finetuneEpochs: numberOption('finetune-epochs', values['finetune-epochs'], (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    seed: numberOption('seed', values.seed, Number.isInteger, 'an integer'),
    maxStepsPerEpoch: numberOption('max-steps-per-epoch', values['max-steps-per-epoch'], (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
  };
  const out = values.out;
  return withOutputDir(out, async () => {
    await selectBackend();
    // A resumed run is the stopped one: its settings come from the checkpoint, flags may only repeat them.
    const resumed = values.resume ? loadCompressCheckpoint(values.resume) : undefined;
    const caller = resumed ? compressCaller(values.resume as string, resumed.caller) : undefined;
    if (resumed) {
      const s = resumed.settings;
      const had = { ...s, maxStepsPerEpoch: s.maxStepsPerEpoch ?? undefined };
      const flags = {
        bits: 'bits',
        prune: 'prune',
        qatEpochs: 'qat-epochs',
        finetuneEpochs: 'finetune-epochs',
        seed: 'seed',
        maxStepsPerEpoch: 'max-steps-per-epoch',
      };
      for (const [k, flag] of Object.entries(flags) as Array<[keyof typeof given, string]>) {
        if (given[k] !== undefined && given[k] !== had[k])
          throw new UsageError(`--resume ${values.resume}: the stopped run had --${flag} ${String(had[k] ?? 'unset')}, not ${given[k]}`);
      }
      if (values['save-float'] && !caller!.saveFloat) throw new UsageError(`--resume ${values.resume}: the stopped run was not asked to --save-float`);
      if (values.dataset !== undefined && values.dataset !== caller!.dataset)
        throw new UsageError(`--resume ${values.resume}: the stopped run trained on --dataset ${caller!.dataset}, not ${values.dataset}`);
    }
    const r0 = resumed?.settings;
    const bits = r0?.bits ?? given.bits ?? 4;
    const prune = r0?.prune ?? given.prune ?? 0.5;
    const qatEpochs = r0?.qatEpochs ?? given.qatEpochs ?? 1;
    const finetuneEpochs = r0?.finetuneEpochs ?? given.finetuneEpochs ?? 1;
    const seed = r0?.seed ?? given.seed ?? 0;
    const maxSteps = r0 ? (r0.maxStepsPerEpoch ?? undefined) : given.maxStepsPerEpoch;
    const from = caller?.from ?? (values.from as string);
    const datasetOption = caller?.dataset ?? values.dataset ?? 'mnist';
    const saveFloat = caller?.saveFloat ?? values['save-float'] ?? false;
    const ds = loadDataset(datasetOption);
    const gan: Gan = resumed?.gan ?? loadGanFrom(from);
    const checkpoint = path.join(out, COMPRESS_CHECKPOINT_FILE);
    process.stderr.write(
      `privlab train compress: ${bits}-bit QAT ${qatEpochs} epochs, prune ${prune * 100} %, fine-tune ${finetuneEpochs} epochs on ${ds.name}${
        resumed
          ? `, resuming at epoch ${resumed.progress.epoch}${resumed.progress.resume.stepInEpoch ? ` step ${resumed.progress.resume.stepInEpoch}` : ''} (${resumed.progress.phase === 'qat' ? 'QAT' : 'pruned'})`
          : ''
      }\n`,
    );
    let r;
    try {
      r = await compressGenerator({
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
        checkpoint,
        checkpointCaller: { from, dataset: datasetOption, saveFloat },
        resume: resumed,
      });
    } catch (e) {
      gan.dispose();
      if (e instanceof InterruptedError && fs.existsSync(checkpoint))
        throw new InterruptedError(`${e.message}. Continue with: privlab train compress --resume ${checkpoint} --out ${out}`, e.reason);
      throw e;
    }
    const file = 'generator.quantized.json';
    saveQuantizedModel(path.join(out, file), r.model);
    if (saveFloat) saveGanCheckpoint(path.join(out, 'gan.ckpt'), gan, { meta: { epoch: r.epochs, seed, globalStep: 0 } });
    gan.dispose();
    // A stopped run's state in DIR is spent once a result is written there (the resumed run's, or a new run's).
    fs.rmSync(checkpoint, { force: true });
    // Measured on the integer model run in the clear: what FHE computes.
    const quality = await measure((fm, real) => {
      const samples = quantizedGeneratorSamples(r.model, FID_SAMPLES, FID_SEED);
      try {
        return samplesQuality(fm, real, samples);
      } finally {
        samples.dispose();
      }
    }, false);
    const command = `privlab train compress --from ${from} --bits ${bits} --prune ${prune} --qat-epochs ${qatEpochs} --finetune-epochs ${finetuneEpochs} --seed ${seed}${maxSteps ? ` --max-steps-per-epoch ${maxSteps}` : ''}${datasetOption !== 'mnist' ? ` --dataset ${datasetOption}` : ''}${saveFloat ? ' --save-float' : ''} --out ${out}`;
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
