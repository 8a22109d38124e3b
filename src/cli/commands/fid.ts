import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Command, numberOption, UsageError } from '../command';
import { CovarianceError, frechetDistance, loadStats } from '../../metrics';
import { DataFileError } from '../../data/errors';
import {
  classifierClasses,
  defaultFeatureModelPath,
  fashionFeatureModelPath,
  loadFeatureModel,
  saveFeatureClassifier,
  trainFeatureClassifier,
} from '../../metrics/feature-model';
import { selectBackend } from '../../backend';
import { datasetSplit, mnistSplit } from '../../data';
import { generatorFid, generatorQuality } from '../../metrics/gan-fid';
import { cachedDatasetStats } from '../../metrics/stats-cache';
import { loadGanCheckpoint } from '../../nn/checkpoint';
import { checkParentExists } from '../../util/out-dir';

const USAGE = `privlab fid distance A B [--json]
    Fréchet distance between two feature sets: each a .npy feature matrix (N x D,
    float32/float64, as numpy writes it) or pytorch-fid statistics (.npz with mu, sigma).
  privlab fid train-classifier [--dataset mnist|mnist-small|fashion] [--epochs N] [--seed S] [--out MODEL.json]
                               [--checkpoint FILE] [--resume FILE]
    Train the LeNet feature classifier on the 60,000 canonical MNIST training digits (default;
    cached in data/fid-lenet/model.json) or on Fashion-MNIST's 60,000 training images (cached in
    data/fid-fashion/model.json, with a README giving the command); prints its accuracy on the
    10,000 test images. mnist-small (the 10k set, a quick check) needs --out. Ctrl-C stops after
    the current batch and saves the run to --checkpoint (default: MODEL.checkpoint beside --out);
    --resume FILE finishes it, with the same weights as a run never stopped (same --dataset).
  privlab fid gan CHECKPOINT [--count N] [--seed S] [--feature-model MODEL.json --layer NAME] [--json]
    FID of a generator's samples against the 10,000 MNIST test digits, with the
    real train-vs-test FID as the floor, and mode coverage: the share of samples the
    LeNet classifies as each digit (class_shares) and the number of digits with ≥ 5 %
    of them (classes_covered). LeNet features by default: not comparable
    in absolute terms to Inception-based FID.`;

async function distance(argv: string[]): Promise<number> {
  const { values, positionals: files } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  if (files.length !== 2) throw new UsageError(`fid distance takes two files, got ${files.length}`);
  const [a, b] = files.map(loadStats);
  let d: number;
  try {
    d = frechetDistance(a, b);
  } catch (e) {
    // Name the file whose covariance the eigendecomposition found not positive semi-definite.
    if (e instanceof CovarianceError) throw new DataFileError(files[e.which - 1], `sigma ${e.problem}`);
    throw e;
  }
  if (values.json) {
    console.log(
      JSON.stringify({
        distance: d,
        a: { file: files[0], samples: a.count || null, dims: a.mu.length },
        b: { file: files[1], samples: b.count || null, dims: b.mu.length },
      }),
    );
  } else {
    console.log(d.toFixed(6));
  }
  return 0;
}

async function trainClassifier(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      checkpoint: { type: 'string' },
      resume: { type: 'string' },
    },
  });
  const dataset = values.dataset ?? 'mnist';
  if (dataset !== 'mnist' && dataset !== 'mnist-small' && dataset !== 'fashion')
    throw new UsageError(`--dataset must be mnist, mnist-small or fashion, got "${dataset}"`);
  if (dataset === 'mnist-small' && !values.out) throw new UsageError('--dataset mnist-small needs --out (the cached model is the canonical one)');
  const epochs = numberOption('epochs', values.epochs, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
  const seed = numberOption('seed', values.seed, Number.isInteger, 'an integer');
  await selectBackend();
  const fashion = dataset === 'fashion';
  const split = datasetSplit(dataset);
  const out = values.out ?? (fashion ? fashionFeatureModelPath() : defaultFeatureModelPath());
  // Ctrl-C saves the run here; `--resume` continues it (bit-identically). By default it goes in
  // the model's folder, which saving makes; a path the user gives must have its folder.
  if (values.checkpoint) checkParentExists(values.checkpoint, '--checkpoint');
  const checkpoint = values.checkpoint ?? out.replace(/\.json$/, '') + '.checkpoint';
  const trained = await trainFeatureClassifier({
    epochs,
    seed,
    ...split,
    checkpoint,
    resume: values.resume,
    onEpoch: (e, loss) => console.error(`epoch ${e}: loss ${loss.toFixed(4)}`),
  });
  const command = `privlab fid train-classifier${dataset === 'mnist' ? '' : ` --dataset ${dataset}`} --epochs ${trained.epochs} --seed ${trained.seed}${values.out ? ` --out ${values.out}` : ''}`;
  await saveFeatureClassifier(trained, out, {
    what: `LeNet-5-style ${fashion ? 'Fashion-MNIST' : 'MNIST'} classifier for FID features (layer "features", 84 units)`,
    command,
  });
  if (fashion) writeReproduceNote(out, command, trained.testAccuracy, trained.epochs);
  console.log(JSON.stringify({ model: out, dataset, test_accuracy: trained.testAccuracy, epochs: trained.epochs, seconds: trained.seconds }));
  return 0;
}

/** README.md beside a cached classifier: what it is and the command that made it. */
function writeReproduceNote(modelJson: string, command: string, accuracy: number, epochs: number): void {
  const text = `# Fashion-MNIST feature classifier for FID

A LeNet-5-style classifier (src/metrics/feature-model.ts, \`buildLenet\`) trained on the 60,000
Fashion-MNIST training images; FID features are its 84-unit layer "features". Like the MNIST LeNet
beside it (data/fid-lenet), its FID values compare runs with each other, not with Inception-based FID.

- Test accuracy on the 10,000-image Fashion-MNIST test split: ${(accuracy * 100).toFixed(2)} %
- Epochs: ${epochs}; seeded (initialisation and batch order), deterministic on one backend.

Reproduce (from the repository root, after \`npm run build\`):

    ${command}
`;
  fs.writeFileSync(path.join(path.dirname(modelJson), 'README.md'), text);
}

async function ganFid(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      count: { type: 'string' },
      seed: { type: 'string' },
      'feature-model': { type: 'string' },
      layer: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`fid gan takes one checkpoint, got ${positionals.length}`);
  const count = numberOption('count', values.count, (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2') ?? 2000;
  const seed = numberOption('seed', values.seed, Number.isInteger, 'an integer') ?? 12345;
  await selectBackend();
  const fm = values['feature-model'] ? await loadFeatureModel(values['feature-model'], values.layer) : await loadFeatureModel();
  const { gan, meta } = loadGanCheckpoint(positionals[0]);
  const split = mnistSplit();
  const real = cachedDatasetStats(fm, split.test);
  // Mode coverage needs a classifier of the 10 digits (the LeNet); another feature model gives FID only.
  const quality =
    classifierClasses(fm) === 10
      ? generatorQuality(gan, fm, real, { count, seed })
      : { fid: generatorFid(gan, fm, real, { count, seed }), coverage: undefined };
  const fidValue = quality.fid;
  const cov = quality.coverage;
  const floor = frechetDistance(cachedDatasetStats(fm, split.train), real);
  const result = {
    checkpoint: positionals[0],
    fid: fidValue,
    real_train_vs_test_fid: floor,
    classes_covered: cov?.classesCovered ?? null,
    class_shares: cov?.classShares ?? null,
    coverage_threshold: cov?.threshold ?? null,
    samples: count,
    real_samples: split.test.count,
    epoch: meta.epoch ?? null,
    feature_model: values['feature-model'] ?? 'data/fid-lenet (LeNet, 84 features)',
  };
  const coverageText = cov
    ? `; ${cov.classesCovered}/10 classes with ≥ ${cov.threshold * 100} % of samples (shares ${cov.classShares.map((x) => (x * 100).toFixed(1)).join(' ')} %)`
    : '';
  console.log(values.json ? JSON.stringify(result) : `FID ${fidValue.toFixed(3)} (real train vs test: ${floor.toFixed(3)})${coverageText}`);
  gan.dispose();
  fm.dispose();
  return 0;
}

export const fid: Command = {
  name: 'fid',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'distance') return distance(rest);
    if (sub === 'train-classifier') return trainClassifier(rest);
    if (sub === 'gan') return ganFid(rest);
    throw new UsageError(`unknown fid subcommand "${sub ?? ''}" (expected: distance, train-classifier, gan)`);
  },
};
