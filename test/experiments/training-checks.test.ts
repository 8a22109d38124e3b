/**
 * In-process checks of the training-side experiments (src/experiments), on tiny settings, of
 * what the other experiment tests run but do not look at:
 * - compress-checkpoint: a conditional GAN's checkpoint is refused with the documented message,
 *   and saving a pruned run's masks leaves no tensor behind (tf.memory() before / after), even
 *   when a mask of the wrong length stops it part way; files with a bad settings.prune, a config
 *   ganConfig refuses or more than 64 hidden widths are refused with the messages written here;
 * - fl-pix2pix-trend: a file of another benchmark, or lacking one site's final FID, is refused;
 * - fl-pix2pix (centralized and local): the in-process shards are written under
 *   DIR/data/shards/site-N, the layout the generative-privacy experiment uses (and its test reads),
 *   and the run leaves no tensor behind; the local setting scores site 2 with site 2's model (made
 *   to draw only background, whose held-out L1 is computed here from the raw pixels);
 * - gan-compression: a feature model given by the caller is not disposed (a spy on dispose); on a
 *   virtual clock (performance.now moved only by the training steps and the feature model), a
 *   row's training seconds are its steps' alone; the figures are a PNG grid per row (read back
 *   with pngjs), the quantized rows' generators and the summary;
 * - generative-privacy: the approaches' labels are the README's row names; the sites' held-out
 *   shards are the documented slice of 300 test digits; two run seeds start their shadow models
 *   from different weights (hashed) and train them on different batch streams (re-derived the way
 *   trainSteps derives them); a negative gan.refitRounds is refused; FedAvg's job is asked for the
 *   README's classifier recipe (the job itself, processes over HTTP, replaced by a recorder);
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
import { PNG } from 'pngjs';
import { selectBackend } from '../../src/backend';
import { loadSiteShard } from '../../src/data/site-shards';
import { Gan, GanConfig } from '../../src/nn/gan';
import { ganOptimizers } from '../../src/nn/gan-step';
import { TrainingCheckpointError, writeTrainingCheckpoint } from '../../src/nn/training-checkpoint';
import { asPix2Pix } from '../../src/fl/tasks/pix2pix-fashion';
import { getTask, mlpMnist, TaskModel } from '../../src/fl/tasks';
import * as launch from '../../src/fl/launch';
import { loadQuantizedModel, type QuantizedModel } from '../../src/quant/quantized-model';
import { loadFeatureModel } from '../../src/metrics/feature-model';
import { COMPRESS_CHECKPOINT_FORMAT, CompressSettings, loadCompressCheckpoint, saveCompressCheckpoint } from '../../src/experiments/compress-checkpoint';
import { loadFlPix2PixTrend } from '../../src/experiments/fl-pix2pix-trend';
import { FlPix2PixResult, runFlPix2Pix } from '../../src/experiments/fl-pix2pix';
import { GanCompressionResult, runGanCompression } from '../../src/experiments/gan-compression';
import { writeGanCompressionFigures } from '../../src/experiments/gan-compression-report';
import { GEN_PRIVACY_LABELS, GenPrivacyApproach, GenPrivacyResult, runGenerativePrivacy } from '../../src/experiments/generative-privacy';
import { drsSyntheticSet } from '../../src/experiments/rejection-sampling';
import { writeShippedManifest } from '../../src/experiments/shipped-generators';
import { SeededRng } from '../../src/util/rng';
import { rejectsExactly, throwsExactly } from '../support/throws';
import { withReplaced } from '../support/replace';
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

/** Thrown from a replaced call to end a run once what is under test has been seen. */
class Stop extends Error {}

/** performance.now replaced by a clock that moves only by `advance`; `restore` puts the real one back. */
function virtualClock(): { advance: (seconds: number) => void; restore: () => void } {
  const own = Object.getOwnPropertyDescriptor(performance, 'now');
  let ms = performance.now();
  performance.now = () => ms;
  return {
    advance: (seconds) => void (ms += 1000 * seconds),
    restore: () => void (own ? Object.defineProperty(performance, 'now', own) : Reflect.deleteProperty(performance, 'now')),
  };
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

/** A compress checkpoint holding `meta` as given and no tensor: its fields are read before any tensor. */
function craftedCompressCheckpoint(name: string, meta: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.ckpt`);
  writeTrainingCheckpoint(file, COMPRESS_CHECKPOINT_FORMAT, meta, []);
  return file;
}

test("a compress checkpoint whose settings.prune is no number is refused by that field's name", () => {
  const file = craftedCompressCheckpoint('prune-null', { settings: { ...SETTINGS, prune: null }, config: TINY });
  throwsExactly(() => loadCompressCheckpoint(file), TrainingCheckpointError, `resume checkpoint ${file}: settings.prune must be a finite number, got null`);
});

test("a compress checkpoint whose config the GAN cannot take is refused with ganConfig's reason", () => {
  const config = { latentDim: 0, generatorHidden: [], discriminatorHidden: [] };
  const file = craftedCompressCheckpoint('latent-0', { settings: SETTINGS, config });
  throwsExactly(
    () => loadCompressCheckpoint(file),
    TrainingCheckpointError,
    `resume checkpoint ${file}: config must be a GAN configuration (latentDim must be a positive integer, got 0), got {"latentDim":0,"generatorHidden":[],"discriminatorHidden":[]}`,
  );
});

test('a compress checkpoint listing 65 hidden widths (more than the 64 layers a checkpoint may hold) is refused before the GAN is configured', () => {
  // the list as JSON, cut at 80 characters: "[", then 40 ones and the 39 commas between them
  const shown = `[${'1,'.repeat(39)}1`;
  for (const key of ['generatorHidden', 'discriminatorHidden']) {
    const file = craftedCompressCheckpoint(`${key}-65`, { settings: SETTINGS, config: { ...TINY, [key]: new Array<number>(65).fill(1) } });
    throwsExactly(
      () => loadCompressCheckpoint(file),
      TrainingCheckpointError,
      `resume checkpoint ${file}: config.${key} must be a list of at most 64 widths, got ${shown}`,
    );
  }
});

let trendFiles = 0;

/**
 * The smallest file of the trend run's shape (one seed, both required rows) with `benchmark`; its
 * sites and their final FIDs default to one site with one.
 */
function trendFile(benchmark: string, sites = ['site-1'], finalFid: Record<string, number> = { 'site-1': 3.5 }): string {
  const row = { label: 'x', fid: [{ round: 1, sites: finalFid }], held_out_l1: [], epsilon: null };
  const file = path.join(dir, `trend-${++trendFiles}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      command: 'privlab bench x --json',
      measured: '2024-01-01',
      machine: 'test',
      result: {
        benchmark,
        seeds: [0],
        runs: [{ seed: 0, sites, settings: { centralized: row, local: row }, source_trend: [] }],
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

test("fl-pix2pix trend: a run lacking one site's final FID is refused, though the other site has one", () => {
  const file = trendFile('fl-pix2pix', ['site-1', 'site-2'], { 'site-1': 3.5 });
  throwsExactly(() => loadFlPix2PixTrend(file), TypeError, `${file}: not a fl-pix2pix trend run (seed 0, centralized: no final FID per site)`);
});

interface FlPix2PixRun {
  dir: string;
  result: FlPix2PixResult;
  /** Live tensors after the run less those before it. */
  tensorsLeft: number;
}

let flPix2PixRun: Promise<FlPix2PixRun> | undefined;

/**
 * The centralized and local settings on 2 sites of 5 + 6 pairs, one round of one step; the local
 * setting's site-2 model, once trained, draws only background (−1). Once.
 */
function flPix2Pix(): Promise<FlPix2PixRun> {
  flPix2PixRun ??= (async () => {
    const runDir = path.join(dir, 'flp2p');
    const task = getTask('pix2pix-fashion-small');
    const trainLocal = task.trainLocal;
    let trained = 0;
    // one round: the centralized setting's pooled model, then the local sites in order (site 2's is the third)
    const siteTwoDrawsBackground: typeof trainLocal = async (model, data, config, seed, dp) => {
      const metrics = await trainLocal.call(task, model, data, config, seed, dp);
      if (++trained === 3) asPix2Pix(model).generator.apply = (x: tf.Tensor4D) => tf.fill(x.shape, -1) as tf.Tensor4D;
      return metrics;
    };
    const before = tf.memory().numTensors;
    const result = await withReplaced(task, 'trainLocal', siteTwoDrawsBackground, () =>
      runFlPix2Pix({
        sites: 2,
        rounds: 1,
        stepsPerRound: 1,
        trainPerSite: 5,
        testPerSite: 6,
        model: 'small',
        imagesPerRow: 1,
        settings: ['centralized', 'local'],
        dir: runDir,
      }),
    );
    assert.equal(trained, 3);
    return { dir: runDir, result, tensorsLeft: tf.memory().numTensors - before };
  })();
  return flPix2PixRun;
}

test('fl-pix2pix (centralized and local, 2 sites): the shards are written under DIR/data/shards/site-N with the asked sizes', async () => {
  const { dir: runDir, result: r, tensorsLeft } = await flPix2Pix();
  assert.equal(tensorsLeft, 0, 'the run frees what it made: models, edge pairs, image rows');
  assert.deepEqual(r.sites, ['site-1', 'site-2']);
  for (const id of ['site-1', 'site-2']) {
    const shard = loadSiteShard(path.join(runDir, 'data', 'shards', id));
    assert.deepEqual([shard.train.count, shard.test?.count], [5, 6], id);
  }
});

test("fl-pix2pix local setting: each site's held-out pairs are scored with that site's own model", async () => {
  const { dir: runDir, result: r } = await flPix2Pix();
  const local = r.settings.find((x) => x.setting === 'local');
  assert.ok(local);
  // The target is the 28x28 pixels p centred in 32x32 as 2p/255 − 1, the border −1 (pix2pix-pairs.ts):
  // |−1 − target| is 2p/255 inside and 0 on the border, averaged over the 32·32 pixels of each pair.
  const held = loadSiteShard(path.join(runDir, 'data', 'shards', 'site-2')).test!;
  const expected = held.images.reduce((s, p) => s + (2 * p) / 255, 0) / (held.count * 32 * 32);
  const got = local.heldOutL1[0].sites['site-2'];
  assert.ok(Math.abs(got - expected) < 1e-5, `site 2's held-out L1 ${got}, its background-only model's ${expected}`);
});

/** Seconds the virtual clock moves per training step, and per call of the feature extractor (FID). */
const STEP_SECONDS = 3;
const FEATURE_SECONDS = 5;

let ganCompressionRun: Promise<{ result: GanCompressionResult; disposed: number }> | undefined;

/**
 * The smallest compression run (one step per epoch, the regular and the 4-bit rows, FID of 50
 * samples after the one epoch), on a virtual clock that moves only in its training steps and in
 * the caller's feature model; that model's dispose is counted. Once.
 */
function ganCompression(): Promise<{ result: GanCompressionResult; disposed: number }> {
  ganCompressionRun ??= (async () => {
    const fm = await loadFeatureModel();
    let disposed = 0;
    const clock = virtualClock();
    const predict: tf.LayersModel['predict'] = (x, args) => {
      clock.advance(FEATURE_SECONDS);
      return fm.extractor.predict(x, args);
    };
    const extractor = Object.create(fm.extractor, { predict: { value: predict } }) as tf.LayersModel;
    try {
      const result = await runGanCompression({
        mnist: 'small',
        epochs: 1,
        qatEpochs: 1,
        fidEpochs: 1,
        finetuneEpochs: 0,
        qatBits: [4],
        pruneFractions: [],
        maxStepsPerEpoch: 1,
        fidSamples: 50,
        onStep: () => clock.advance(STEP_SECONDS),
        featureModel: { ...fm, extractor, dispose: () => void disposed++ },
      });
      return { result, disposed };
    } finally {
      clock.restore();
      fm.dispose();
    }
  })();
  return ganCompressionRun;
}

test('gan compression leaves a feature model given by the caller undisposed', async () => {
  const { result, disposed } = await ganCompression();
  assert.deepEqual(
    result.rows.map((x) => x.variant),
    ['regular', 'qat-4bit'],
  );
  assert.equal(disposed, 0, "the caller's feature model is the caller's to dispose");
});

test("gan compression: a row's training seconds leave out the FID after its epoch (virtual clock: a 3 s step, a 5 s FID)", async () => {
  const { result } = await ganCompression();
  // each row: 1 epoch of 1 step (3 s), then one FID of 50 samples (one extractor call: 5 s) not counted
  assert.deepEqual(
    result.rows.map((x) => [x.variant, x.epochs, x.fidTrail.length, x.trainSeconds, x.secondsPerEpoch]),
    [
      ['regular', 1, 1, STEP_SECONDS, STEP_SECONDS],
      ['qat-4bit', 1, 1, STEP_SECONDS, STEP_SECONDS],
    ],
  );
});

/** One dense layer 2 → 1 with weights +1 and −1: a small integer generator to save. */
function tinyQuantizedModel(): QuantizedModel {
  return {
    format: 'privlab.quantized-model',
    version: 1,
    input: { scale: 1, zeroPoint: 0, qmin: 0, qmax: 1, bits: 1, signed: false },
    layers: [
      {
        kind: 'dense',
        inputs: 2,
        outputs: 1,
        weights: [1, -1],
        weightBits: 2,
        weightScales: [0.5],
        bias: [0],
        activation: 'linear',
        output: { scale: 1, zeroPoint: 0, qmin: 0, qmax: 3, bits: 2, signed: false },
      },
    ],
    meta: { variant: 'qat-4bit' },
  };
}

test('gan compression figures: a PNG grid of each row, the integer generator of each quantized row, and the summary', () => {
  const figures = path.join(dir, 'figures');
  fs.mkdirSync(figures);
  const model = tinyQuantizedModel();
  const row = (variant: string, bits: number | null, fid: number, pixel: number, quantized?: QuantizedModel) => ({
    variant,
    bits,
    pruning: 0,
    fid,
    fidTrail: [fid],
    epochs: 1,
    startEpoch: 0,
    trainSeconds: 2,
    secondsPerEpoch: 2,
    cpuSecondsPerEpoch: 2,
    samples: new Float32Array(64 * 784).fill(pixel),
    ...(quantized ? { model: quantized } : {}),
  });
  const result: GanCompressionResult = {
    rows: [row('regular', null, 40, 1), row('qat-4bit', 4, 50, -1, model)],
    realFloor: 0.5,
    qatOverhead: { 'qat-4bit': 1.5 },
    qatOverheadWall: { 'qat-4bit': 1.25 },
    options: { epochs: 1, finetuneEpochs: 0, qatBits: [4] },
  };
  writeGanCompressionFigures(result, figures);
  assert.deepEqual(fs.readdirSync(figures).sort(), ['qat-4bit.png', 'qat-4bit.quantized.json', 'regular.png', 'results.json']);
  for (const [variant, grey] of [
    ['regular', 255],
    ['qat-4bit', 0],
  ] as const) {
    const png = PNG.sync.read(fs.readFileSync(path.join(figures, `${variant}.png`)));
    // 8 × 8 tiles of 28 × 28 pixels at scale 2, 2 pixels around and between them: 8 · 56 + 9 · 2
    assert.deepEqual([png.width, png.height], [466, 466]);
    // (0, 0) is the frame's mid grey; (2, 2) the first tile's first pixel: 1 is white, −1 black
    assert.deepEqual([png.data[0], png.data[4 * (2 * 466 + 2)]], [128, grey], variant);
  }
  assert.deepEqual(loadQuantizedModel(path.join(figures, 'qat-4bit.quantized.json')), model);
  const summary = JSON.parse(fs.readFileSync(path.join(figures, 'results.json'), 'utf8'));
  // 50 / 40; the source paper's FIDs 57.2 and 59.1
  assert.deepEqual(
    summary.rows.map((x: { variant: string; fid_ratio_to_regular: number; paper_fid: number }) => [x.variant, x.fid_ratio_to_regular, x.paper_fid]),
    [
      ['regular', 1, 57.2],
      ['qat-4bit', 1.25, 59.1],
    ],
  );
  assert.deepEqual([summary.real_train_vs_test_fid, summary.fid_ratio_qat_low_bits, summary.fid_ratio_pruned_50], [0.5, 1.25, null]);
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

test('generative privacy: a negative gan.refitRounds is refused before the approaches are checked', async () => {
  // an unknown approach too: were the refit check gone, the run would stop at that one
  await rejectsExactly(
    runGenerativePrivacy({ gan: { refitRounds: -1 }, approaches: ['none' as GenPrivacyApproach] }),
    RangeError,
    'gan.refitRounds must be a non-negative integer, got -1',
  );
});

test('generative privacy: the overfitted baseline cannot take more digits than there are members', async () => {
  await rejectsExactly(
    runGenerativePrivacy({ sites: 2, trainPerSite: 5, approaches: ['overfit'], overfit: { count: 11 } }),
    RangeError,
    'overfit.count (11) is more than the 10 member digits',
  );
});

test("generative privacy: FedAvg's sites train the README's classifier recipe, one local epoch a round (Adam 1e-3, batch 32, the shift augmentation)", async () => {
  const jobs: launch.FederatedJobOptions[] = [];
  // the federated job (server and sites as processes) is not under test: what it is asked to run is
  const exported = launch as unknown as { runFederated: typeof launch.runFederated };
  const record = async (o: launch.FederatedJobOptions): Promise<never> => {
    jobs.push(o);
    throw new Stop('job recorded');
  };
  await withReplaced(exported, 'runFederated', record, () =>
    assert.rejects(
      runGenerativePrivacy({
        sites: 2,
        trainPerSite: 5,
        approaches: ['fedavg'],
        classifier: { epochs: 1, fedRounds: 3, augmentShift: 1 },
        // overfit.count's default (500) is more than the 10 members: no matter, the overfitted baseline does not run
        shadows: 1,
        testExamples: 20,
        dir: path.join(dir, 'genpriv-fedavg'),
      }),
      Stop,
    ),
  );
  assert.equal(jobs.length, 1);
  const { globalEvalExamples: _evaluation, ...fit } = jobs[0].fit;
  assert.deepEqual([jobs[0].task, jobs[0].rounds], ['mlp-mnist', 3]);
  assert.deepEqual(fit, { localEpochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 1e-3, augmentShift: 1 });
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
