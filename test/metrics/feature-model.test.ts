import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { mnistSplit, subset } from '../../src/data';
import { toTensors } from '../../src/data/tensors';
import { selectBackend } from '../../src/backend';
import { classifierAccuracy, extractFeatures, FeatureModel, loadFeatureModel, trainFeatureClassifier } from '../../src/metrics/feature-model';
import { datasetStats, generatorFid, generatorQuality, imageStats } from '../../src/metrics/gan-fid';
import { frechetDistance } from '../../src/metrics';
import { saveModel } from '../../src/metrics/tfjs-files';
import { Gan } from '../../src/nn/gan';
import { saveGanCheckpoint } from '../../src/nn/checkpoint';
import { privlab } from '../support/cli';
import { tmpDir } from '../support/tmp';

const dir = tmpDir('privlab-fm-');
const split = mnistSplit(); // the canonical 60,000 / 10,000 digits the feature model was trained and tested on
let fm: FeatureModel;

before(async () => {
  await selectBackend({ quiet: true });
  fm = await loadFeatureModel();
});

test('the cached FID classifier: 84 features, ≥ 98 % on the canonical test digits, as recorded in its file', () => {
  assert.equal(fm.dims, 84);
  assert.deepEqual(fm.inputShape, [28, 28, 1]);
  const { model } = { model: fm.extractor };
  assert.ok(model.layers.length >= 7);
  const recorded = fm.meta.testAccuracy as number;
  assert.ok(recorded >= 0.98, `recorded accuracy ${recorded}`);
  assert.match(String(fm.meta.trainedOn), /60000.*10000/, 'trained on the canonical training digits, tested on the test digits');
});

test('cached classifier accuracy re-measured on the test split', async () => {
  const full = (await import('../../src/metrics/tfjs-files')).loadModel;
  const { model } = await full(path.join(__dirname, '..', '..', '..', 'data', 'fid-lenet', 'model.json'));
  const acc = classifierAccuracy(model, split.test);
  assert.ok(acc >= 0.98, `accuracy ${acc}`);
  assert.ok(Math.abs(acc - (fm.meta.testAccuracy as number)) < 0.005, 'matches the recorded figure');
  model.dispose();
});

test('FID orders image sets sensibly: real < degraded < noise, and is deterministic', () => {
  const real = datasetStats(fm, split.test);
  const floor = frechetDistance(
    datasetStats(
      fm,
      subset(
        split.train,
        Array.from({ length: 10000 }, (_, i) => i),
      ),
    ),
    real,
  );
  assert.ok(floor >= 0 && floor < 5, `real train vs test FID ${floor}`);
  const ref = subset(
    split.train,
    Array.from({ length: 1000 }, (_, i) => i),
  );
  const { x } = toTensors(ref, { range: '[-1,1]' });
  const shifted = tf.tidy(() =>
    x
      .reshape([1000, 28, 28, 1])
      .pad([
        [0, 0],
        [0, 0],
        [4, 0],
        [0, 0],
      ])
      .slice([0, 0, 0, 0], [1000, 28, 28, 1]),
  );
  const noise = tf.randomUniform([1000, 784], -1, 1, 'float32', 1);
  const fShift = frechetDistance(imageStats(fm, shifted), real);
  const fNoise = frechetDistance(imageStats(fm, noise), real);
  const fReal = frechetDistance(imageStats(fm, x), real);
  assert.ok(fReal < fShift && fShift < fNoise, `real ${fReal} < shifted ${fShift} < noise ${fNoise}`);
  assert.equal(frechetDistance(imageStats(fm, x), real), fReal, 'same input, same FID');
  tf.dispose([x, shifted, noise]);
});

test('feature models of another input size get resized, 3-channel input', async () => {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 2, kernelSize: 3, kernelInitializer: 'ones' }),
      tf.layers.globalAveragePooling2d({ name: 'pool' }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  await saveModel(m, path.join(dir, 'other'));
  const other = await loadFeatureModel(path.join(dir, 'other', 'model.json'), 'pool');
  assert.deepEqual(other.inputShape, [32, 32, 3]);
  assert.equal(other.dims, 2);
  const imgs = tf.ones([3, 28, 28]);
  const f = extractFeatures(other, imgs, '[0,1]');
  assert.equal(f.length, 6);
  // All-ones input, all-ones 3x3x3 kernel, no bias: every output is 27.
  f.forEach((v) => assert.ok(Math.abs(v - 27) < 1e-3));
  await assert.rejects(loadFeatureModel(path.join(dir, 'other', 'model.json'), 'nope'), /no layer named "nope"/);
  await assert.rejects(loadFeatureModel(path.join(dir, 'missing', 'model.json')), /file not found/);
  imgs.dispose();
});

test('classifier training is deterministic for a seed', async () => {
  const small = subset(
    split.train,
    Array.from({ length: 256 }, (_, i) => i),
  );
  const a = await trainFeatureClassifier({ epochs: 1, train: small, test: split.test, seed: 3 });
  const b = await trainFeatureClassifier({ epochs: 1, train: small, test: split.test, seed: 3 });
  const wa = a.model.getWeights().map((w) => Array.from(w.dataSync()));
  const wb = b.model.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(wa, wb);
  assert.equal(a.testAccuracy, b.testAccuracy);
  a.model.dispose();
  b.model.dispose();
});

test('privlab fid gan: an untrained generator scores far above the real-data floor', () => {
  const gan = new Gan({}, 7);
  const file = path.join(dir, 'untrained.ckpt');
  saveGanCheckpoint(file, gan, { meta: { epoch: 0, seed: 7, globalStep: 0 } });
  const ours = generatorFid(gan, fm, datasetStats(fm, split.test), { count: 300, seed: 1 });
  const r = privlab(['fid', 'gan', file, '--count', '300', '--seed', '1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.ok(Math.abs(out.fid - ours) < 1e-3 * ours, `CLI ${out.fid} vs library ${ours}`);
  assert.ok(out.fid > 10 * out.real_train_vs_test_fid, `${out.fid} vs floor ${out.real_train_vs_test_fid}`);
  // Mode coverage of the same 300 samples, as the library counts it.
  const q = generatorQuality(gan, fm, datasetStats(fm, split.test), { count: 300, seed: 1 });
  assert.deepEqual(out.class_shares, q.coverage.classShares);
  assert.equal(out.classes_covered, q.coverage.classesCovered);
  assert.equal(privlab(['fid', 'gan']).status, 2);
  assert.ok(fs.existsSync(file));
  gan.dispose();
});
