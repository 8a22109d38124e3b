/**
 * In-process checks of the training-side experiments (src/experiments), on tiny settings, of
 * what the other experiment tests run but do not look at:
 * - compress-checkpoint: a conditional GAN's checkpoint is refused with the documented message,
 *   and saving a pruned run's masks leaves no tensor behind (tf.memory() before / after), even
 *   when a mask of the wrong length stops it part way;
 * - fl-pix2pix-trend: a file of another benchmark is refused by name;
 * - fl-pix2pix: the in-process shards are written under DIR/data/shards/site-N, the layout the
 *   generative-privacy experiment uses (and its test reads), and the run leaves no tensor behind;
 * - gan-compression: a feature model given by the caller is not disposed (a spy on dispose);
 * - generative-privacy: the approaches' labels are the README's row names; the sites' held-out
 *   shards are the documented slice of 300 test digits; two run seeds start their shadow models
 *   from different weights (hashed) and train them on different batch streams (re-derived the way
 *   trainSteps derives them);
 * - rejection-sampling: ε = 0 is refused ("epsilon must be positive");
 * - shipped-generators: a manifest written with a quality keeps it (SHA-256 of "abc" by hand).
 * Expectations come from hand calculations, the README and the modules' documented formats.
 */
import { before, test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { loadSiteShard } from '../../src/data/site-shards';
import { Gan, GanConfig } from '../../src/nn/gan';
import { ganOptimizers } from '../../src/nn/gan-step';
import { TrainingCheckpointError } from '../../src/nn/training-checkpoint';
import { mlpMnist, TaskModel } from '../../src/fl/tasks';
import { loadFeatureModel } from '../../src/metrics/feature-model';
import { CompressSettings, loadCompressCheckpoint, saveCompressCheckpoint } from '../../src/experiments/compress-checkpoint';
import { loadFlPix2PixTrend } from '../../src/experiments/fl-pix2pix-trend';
import { runFlPix2Pix } from '../../src/experiments/fl-pix2pix';
import { runGanCompression } from '../../src/experiments/gan-compression';
import { GEN_PRIVACY_LABELS, GenPrivacyResult, runGenerativePrivacy } from '../../src/experiments/generative-privacy';
import { drsSyntheticSet } from '../../src/experiments/rejection-sampling';
import { writeShippedManifest } from '../../src/experiments/shipped-generators';
import { SeededRng } from '../../src/util/rng';
import { throwsExactly } from '../support/throws';
import { tmpDir } from '../support/tmp';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const dir = tmpDir('privlab-training-checks-');

/** A tiny GAN on 4x4 images: generator 4 → 8 → 16, discriminator 16 → 8 → 1. */
const TINY: Partial<GanConfig> = { latentDim: 4, imageHeight: 4, imageWidth: 4, generatorHidden: [8], discriminatorHidden: [8] };

/** A compression run of one QAT epoch and one fine-tuning epoch, as CompressSettings records it. */
const SETTINGS: CompressSettings = {
  bits: 4,
  prune: 0.5,
  qatEpochs: 1,
  finetuneEpochs: 1,
  startEpoch: 0,
  seed: 1,
  batchSize: 8,
  maxStepsPerEpoch: null,
  activationPercentile: 99.9,
  stabilizers: {},
  train: 'tiny (8)',
};

/** At an epoch boundary: no step in the epoch, no latent stream, no dropout, nothing summed. */
const BOUNDARY = { stepInEpoch: 0, noiseRng: null, dropoutRng: null, dSum: 0, gSum: 0, seconds: 0 };

function disposeAll(gan: Gan, opt: ReturnType<typeof ganOptimizers>): void {
  gan.dispose();
  opt.generator.dispose();
  opt.discriminator.dispose();
}

test('compress checkpoint of a conditional GAN: refused as "config.numClasses must be 0 (compression takes the unconditional GAN)"', () => {
  const gan = new Gan({ ...TINY, numClasses: 10 }, 1);
  const opt = ganOptimizers(gan);
  const file = path.join(dir, 'conditional.ckpt');
  try {
    saveCompressCheckpoint(file, {
      settings: SETTINGS,
      progress: { phase: 'qat', epoch: 0, resume: BOUNDARY, qat: { outputs: [null, null] } },
      gan,
      optimizers: opt,
      masks: null,
    });
  } finally {
    disposeAll(gan, opt);
  }
  throwsExactly(
    () => loadCompressCheckpoint(file),
    TrainingCheckpointError,
    `resume checkpoint ${file}: config.numClasses must be 0 (compression takes the unconditional GAN), got 10`,
  );
});

test('saving a pruned compress checkpoint leaves no tensor behind; its masks come back exactly', () => {
  const gan = new Gan(TINY, 2);
  const opt = ganOptimizers(gan);
  // One mask per generator kernel (4x8 and 8x16), every third weight pruned.
  const masks = [32, 128].map((n) => Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1)));
  const file = path.join(dir, 'pruned.ckpt');
  try {
    const before = tf.memory().numTensors;
    saveCompressCheckpoint(file, {
      settings: SETTINGS,
      progress: { phase: 'pruned', epoch: 1, resume: BOUNDARY, qat: { outputs: [null, null] } },
      gan,
      optimizers: opt,
      masks,
    });
    assert.equal(tf.memory().numTensors, before, 'the mask tensors made for the file are disposed');
  } finally {
    disposeAll(gan, opt);
  }
  const c = loadCompressCheckpoint(file);
  disposeAll(c.gan, c.optimizers);
  assert.deepEqual(c.masks, masks);
  assert.deepEqual([c.progress.phase, c.progress.epoch], ['pruned', 1]);
});

test('a compress checkpoint whose second mask has the wrong length is refused, and the first mask tensor is freed all the same', () => {
  const gan = new Gan(TINY, 2);
  const opt = ganOptimizers(gan);
  try {
    const before = tf.memory().numTensors;
    assert.throws(() =>
      saveCompressCheckpoint(path.join(dir, 'bad-mask.ckpt'), {
        settings: SETTINGS,
        progress: { phase: 'pruned', epoch: 1, resume: BOUNDARY, qat: { outputs: [null, null] } },
        gan,
        optimizers: opt,
        masks: [new Uint8Array(32), new Uint8Array(5)], // the second kernel is 8x16 = 128
      }),
    );
    assert.equal(tf.memory().numTensors, before);
  } finally {
    disposeAll(gan, opt);
  }
});

/** The smallest file of the trend run's shape (one seed, one site, both required rows) with `benchmark`. */
function trendFile(benchmark: string): string {
  const row = { label: 'x', fid: [{ round: 1, sites: { 'site-1': 3.5 } }], held_out_l1: [], epsilon: null };
  const file = path.join(dir, `trend-${benchmark}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      command: 'privlab bench x --json',
      measured: '2024-01-01',
      machine: 'test',
      result: {
        benchmark,
        seeds: [0],
        runs: [{ seed: 0, sites: ['site-1'], settings: { centralized: row, local: row }, source_trend: [] }],
        trend_over_seeds: [],
      },
    }),
  );
  return file;
}

test('fl-pix2pix trend: a file of another benchmark is refused by name; the same file as fl-pix2pix loads', () => {
  const other = trendFile('gen-privacy');
  throwsExactly(() => loadFlPix2PixTrend(other), TypeError, `${other}: not a fl-pix2pix trend run (no command or benchmark)`);
  assert.deepEqual(loadFlPix2PixTrend(trendFile('fl-pix2pix')).result.seeds, [0]);
});

test('fl-pix2pix (centralized only, 2 sites): the shards are written under DIR/data/shards/site-N with the asked sizes', async () => {
  const runDir = path.join(dir, 'flp2p');
  const before = tf.memory().numTensors;
  const r = await runFlPix2Pix({
    sites: 2,
    rounds: 1,
    stepsPerRound: 1,
    trainPerSite: 5,
    testPerSite: 6,
    model: 'small',
    imagesPerRow: 1,
    settings: ['centralized'],
    dir: runDir,
  });
  assert.equal(tf.memory().numTensors, before, 'the run frees what it made: models, edge pairs, image rows');
  assert.deepEqual(r.sites, ['site-1', 'site-2']);
  for (const id of ['site-1', 'site-2']) {
    const shard = loadSiteShard(path.join(runDir, 'data', 'shards', id));
    assert.deepEqual([shard.train.count, shard.test?.count], [5, 6], id);
  }
});

test('gan compression leaves a feature model given by the caller undisposed', async () => {
  const fm = await loadFeatureModel();
  let disposed = 0;
  try {
    const r = await runGanCompression({
      mnist: 'small',
      epochs: 1,
      qatEpochs: 1,
      fidEpochs: 1,
      finetuneEpochs: 0,
      qatBits: [4],
      pruneFractions: [],
      maxStepsPerEpoch: 1,
      fidSamples: 50,
      featureModel: { ...fm, dispose: () => void disposed++ },
    });
    assert.deepEqual(
      r.rows.map((x) => x.variant),
      ['regular', 'qat-4bit'],
    );
    assert.equal(disposed, 0, "the caller's feature model is the caller's to dispose");
  } finally {
    fm.dispose();
  }
});

test("generative privacy: every approach's label is the name the README's tables and notebook 05 give it", () => {
  assert.deepEqual(GEN_PRIVACY_LABELS, {
    synthetic: 'synthetic (FL cGAN)',
    'synthetic-dp': 'synthetic (FL cGAN + DP-SGD)',
    local: 'local only',
    fedavg: 'FedAvg',
    'fedavg-dp': 'FedAvg + DP-SGD',
    centralized: 'centralized (pooled)',
    overfit: 'overfitted baseline',
    control: 'control (saw no member)',
  });
});

interface GenPrivacyRun {
  dir: string;
  result: GenPrivacyResult;
  /** SHA-256 of every classifier's initial weights (mlp-mnist createModel), in order. */
  initialWeights: string[];
  /** The seed of every classifier training in the run (mlp-mnist trainLocal), in order. */
  trainSeeds: number[];
}

/** SHA-256 of a model's weights, variable after variable. */
function weightsHash(model: TaskModel): string {
  const h = createHash('sha256');
  for (const v of model.variables) h.update(Buffer.from((v.dataSync() as Float32Array).buffer));
  return h.digest('hex');
}

const genPrivacyRuns = new Map<number, Promise<GenPrivacyRun>>();

/** The overfitted baseline alone (no federated job: all in this process), 2 sites × 5 digits, 2 shadows; run once per seed. */
function genPrivacyRun(seed: number): Promise<GenPrivacyRun> {
  if (!genPrivacyRuns.has(seed)) {
    genPrivacyRuns.set(
      seed,
      (async () => {
        const runDir = path.join(dir, `genpriv-${seed}`);
        const initialWeights: string[] = [];
        const trainSeeds: number[] = [];
        const { createModel, trainLocal } = mlpMnist;
        mlpMnist.createModel = (s) => {
          const model = createModel.call(mlpMnist, s);
          initialWeights.push(weightsHash(model));
          return model;
        };
        mlpMnist.trainLocal = (model, data, config, s, dp) => {
          trainSeeds.push(s);
          return trainLocal.call(mlpMnist, model, data, config, s, dp);
        };
        try {
          const result = await runGenerativePrivacy({
            sites: 2,
            trainPerSite: 5,
            approaches: ['overfit'],
            overfit: { count: 4, epochs: 1 },
            classifier: { epochs: 1, batchSize: 4 },
            shadows: 2,
            testExamples: 20,
            seed,
            dir: runDir,
          });
          return { dir: runDir, result, initialWeights, trainSeeds };
        } finally {
          mlpMnist.createModel = createModel;
          mlpMnist.trainLocal = trainLocal;
        }
      })(),
    );
  }
  return genPrivacyRuns.get(seed)!;
}

test("generative privacy: the sites' held-out shards are the slice of 300 test digits, dealt 150 + 150 to 2 sites", async () => {
  const { dir: runDir, result } = await genPrivacyRun(0);
  assert.deepEqual(result.sites, ['site-1', 'site-2']);
  const held = result.sites.map((id) => loadSiteShard(path.join(runDir, 'data', 'shards', id)).test?.count);
  assert.deepEqual(held, [150, 150]);
});

/** The entries of `b` that are also in `a`. */
const sharedWith = (a: string[], b: string[]): string[] => b.filter((x) => a.includes(x));

test('generative privacy: run seeds 0 and 1 start every classifier (shadows included) from other weights and train it on other batches', async () => {
  const runs = [await genPrivacyRun(0), await genPrivacyRun(1)];
  // 2 shadow models, then the overfitted classifier
  for (const r of runs) assert.deepEqual([r.initialWeights.length, r.trainSeeds.length], [3, 3]);
  assert.deepEqual(sharedWith(runs[0].initialWeights, runs[1].initialWeights), [], 'no model of seed 1 starts from weights of one of seed 0');
  // trainSteps draws its batches from new SeededRng(seed): the stream is that generator's state.
  const streams = runs.map((r) => r.trainSeeds.map((s) => new SeededRng(s).getState().join(',')));
  assert.deepEqual(sharedWith(streams[0], streams[1]), [], 'no training of seed 1 repeats a batch stream of seed 0');
});

test('rejection sampling refuses ε = 0 (F takes log(1 − exp(D̃ − D̃_M − ε)): ε must be positive)', () => {
  const gan = new Gan({ ...TINY, numClasses: 2 }, 3);
  try {
    throwsExactly(() => drsSyntheticSet(gan, 4, 0, ['a', 'b'], 'drs', { epsilon: 0 }), RangeError, 'epsilon must be positive, got 0');
  } finally {
    gan.dispose();
  }
});

test('a shipped manifest written with a quality keeps it beside the files (SHA-256 of "abc")', () => {
  const shipDir = path.join(dir, 'shipped');
  fs.mkdirSync(shipDir);
  fs.writeFileSync(path.join(shipDir, 'generator.ckpt'), 'abc');
  const quality = { fid: 12.5, coverage: { classes: 10 } };
  const expected = {
    what: 'a tiny generator',
    commands: ['privlab train gan --tiny'],
    files: { 'generator.ckpt': { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 } },
    quality,
  };
  const m = writeShippedManifest(shipDir, { what: expected.what, commands: expected.commands, files: ['generator.ckpt'], quality });
  assert.deepEqual(m, expected);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(shipDir, 'manifest.json'), 'utf8')), expected);
});
