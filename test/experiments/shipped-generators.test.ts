import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { ImageDataset } from '../../src/data/dataset';
import { compressGenerator, quantizedGeneratorSamples } from '../../src/experiments/compress-generator';
import { loadGanFrom, loadShippedGenerator, verifyShippedDir, writeShippedManifest } from '../../src/experiments/shipped-generators';
import { Gan } from '../../src/nn/gan';
import { randomNormal } from '../../src/nn/random';
import { loadGanCheckpoint, saveGanCheckpoint } from '../../src/nn/checkpoint';
import { quantizeInputs, runQuantized } from '../../src/quant/quantized-eval';
import { saveQuantizedModel } from '../../src/quant/quantized-model';
import { SeededRng } from '../../src/util/rng';
import { tmpDir } from '../support/tmp';

const SMALL = { latentDim: 4, imageHeight: 3, imageWidth: 3, generatorHidden: [16], discriminatorHidden: [8] };
const dir = tmpDir('privlab-ship-');

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

function tinyDataset(): ImageDataset {
  const r = new SeededRng(3);
  return {
    name: 'tiny',
    count: 32,
    height: 3,
    width: 3,
    classNames: ['a'],
    images: Uint8Array.from({ length: 32 * 9 }, () => Math.floor(r.next() * 256)),
    labels: new Uint8Array(32),
  };
}

const values = (vs: tf.Variable[]) => vs.map((v) => Array.from(v.dataSync()));

test('a checkpoint of one network holds only it; a folder of generator + discriminator loads as one GAN', () => {
  const gan = new Gan(SMALL, 5);
  const out = path.join(dir, 'split');
  const meta = { epoch: 3, seed: 9, globalStep: 30 };
  saveGanCheckpoint(path.join(out, 'generator.ckpt'), gan, { meta, networks: ['generator'] });
  saveGanCheckpoint(path.join(out, 'discriminator.ckpt'), gan, { meta, networks: ['discriminator'] });
  saveGanCheckpoint(path.join(out, 'both.ckpt'), gan, { meta });
  const g = fs.statSync(path.join(out, 'generator.ckpt')).size;
  const d = fs.statSync(path.join(out, 'discriminator.ckpt')).size;
  const gBytes = gan.generator.parameterCount() * 4;
  assert.ok(g >= gBytes && g < gBytes + 4096, `generator file ${g} bytes for ${gBytes} bytes of weights`);
  assert.ok(d < fs.statSync(path.join(out, 'both.ckpt')).size);
  const onlyG = loadGanCheckpoint(path.join(out, 'generator.ckpt'));
  assert.deepEqual(onlyG.networks, ['generator']);
  assert.deepEqual(values(onlyG.gan.generator.variables()), values(gan.generator.variables()));
  onlyG.gan.dispose();
  const both = loadGanFrom(out);
  assert.deepEqual(values(both.generator.variables()), values(gan.generator.variables()));
  assert.deepEqual(values(both.discriminator.variables()), values(gan.discriminator.variables()));
  both.dispose();
  assert.throws(() => saveGanCheckpoint(path.join(out, 'x.ckpt'), gan, { meta, networks: [] }), /networks must be/);
  gan.dispose();
});

test('the manifest records SHA-256s, and a changed file is refused naming it', () => {
  const root = path.join(dir, 'root');
  const gan = new Gan(SMALL, 6);
  const reg = path.join(root, 'regular');
  saveGanCheckpoint(path.join(reg, 'generator.ckpt'), gan, { meta: { epoch: 1, seed: 0, globalStep: 1 }, networks: ['generator'] });
  const m = writeShippedManifest(reg, { what: 'test', commands: ['privlab train gan …'], files: ['generator.ckpt'] });
  assert.match(m.files['generator.ckpt'].sha256, /^[0-9a-f]{64}$/);
  const shipped = loadShippedGenerator('regular', root);
  assert.equal(shipped.kind, 'float');
  if (shipped.kind === 'float') {
    assert.deepEqual(values(shipped.gan.generator.variables()), values(gan.generator.variables()));
    assert.equal(shipped.epochs, 1, "the checkpoint's epochs");
    shipped.gan.dispose();
  }
  // Re-save other weights under the same name: the checkpoint is valid, but not the shipped one.
  const other = new Gan(SMALL, 7);
  saveGanCheckpoint(path.join(reg, 'generator.ckpt'), other, { meta: { epoch: 1, seed: 0, globalStep: 1 }, networks: ['generator'] });
  assert.throws(() => verifyShippedDir(reg), /generator\.ckpt: does not match the SHA-256 recorded/);
  assert.throws(() => loadShippedGenerator('qat4-pruned50', root), /manifest\.json: file not found/);
  assert.throws(() => loadShippedGenerator('nope' as 'regular', root), /no shipped generator "nope"/);
  other.dispose();
  gan.dispose();
});

test('compressGenerator: b-bit integer weights, each layer ≥ the pruned fraction of zeros, clear run = QAT model', async () => {
  const gan = new Gan(SMALL, 8);
  const r = await compressGenerator({ gan, dataset: tinyDataset(), bits: 4, prune: 0.5, qatEpochs: 1, finetuneEpochs: 1, batchSize: 8, seed: 1 });
  assert.equal(r.model.layers.length, 2);
  for (const [k, l] of r.model.layers.entries()) {
    assert.ok(
      l.weights.every((w) => Number.isInteger(w) && w >= -8 && w <= 7),
      `layer ${k}: 4-bit weights`,
    );
    const zeros = l.weights.filter((w) => w === 0).length / l.weights.length;
    assert.ok(zeros >= 0.5, `layer ${k}: ${zeros} of the integer weights are 0`);
    assert.ok(r.layerSparsity[k] >= 0.5 && r.layerSparsity[k] < 0.6, `layer ${k}: float sparsity ${r.layerSparsity[k]}`);
  }
  assert.equal(r.epochs, 2);
  assert.equal(gan.generator.transform, undefined, 'the QAT transform is removed');
  const x = quantizedGeneratorSamples(r.model, 5, 3);
  const direct = runQuantized(
    r.model,
    quantizeInputs(
      r.model,
      tf.tidy(() => Array.from(randomNormal(new SeededRng(3), [5, 4]).dataSync())),
    ),
    5,
  ).values;
  assert.deepEqual(Array.from(x.dataSync()), Array.from(direct), 'samples are the integer model on seeded N(0,1) latents');
  assert.ok(Array.from(direct).every((v) => v >= -1 && v <= 1));
  x.dispose();
  const file = path.join(dir, 'q.json');
  saveQuantizedModel(file, r.model);
  await assert.rejects(
    compressGenerator({ gan, dataset: tinyDataset(), bits: 9, prune: 0.5, qatEpochs: 1, finetuneEpochs: 1 }),
    /bits must be an integer in 2\.\.8, got 9/,
  );
  await assert.rejects(
    compressGenerator({ gan, dataset: tinyDataset(), bits: 4, prune: 1, qatEpochs: 1, finetuneEpochs: 1 }),
    /prune must be a fraction in \[0, 1\), got 1/,
  );
  gan.dispose();
});

test('the shipped generators (data/gan/) load, pass their checksums, and reproduce the FID and coverage in their manifests', async () => {
  const { loadFeatureModel } = await import('../../src/metrics/feature-model');
  const { datasetStats, generatorQuality, samplesQuality } = await import('../../src/metrics/gan-fid');
  const { mnistSplit } = await import('../../src/data');
  const fm = await loadFeatureModel();
  const real = datasetStats(fm, mnistSplit().test);
  const regular = loadShippedGenerator('regular');
  assert.equal(regular.kind, 'float');
  if (regular.kind !== 'float') return;
  const q = generatorQuality(regular.gan, fm, real, { count: 2000, seed: 12345 });
  const rq = regular.manifest.quality as { fid: number; classes_covered: number; class_shares: number[] };
  assert.ok(Math.abs(q.fid - rq.fid) < 1e-3 * rq.fid, `FID ${q.fid} vs recorded ${rq.fid}`);
  assert.deepEqual(q.coverage.classShares, rq.class_shares);
  assert.ok(q.coverage.classesCovered >= 8, `the regular generator covers ${q.coverage.classesCovered} digits`);
  regular.gan.dispose();
  const small = loadShippedGenerator('qat4-pruned50');
  assert.equal(small.kind, 'quantized');
  if (small.kind !== 'quantized') return;
  for (const [k, l] of small.model.layers.entries()) {
    assert.ok(
      l.weights.every((w) => w >= -8 && w <= 7),
      `layer ${k}: 4-bit weights`,
    );
    assert.ok(l.weights.filter((w) => w === 0).length / l.weights.length >= 0.5, `layer ${k}: half the weights pruned`);
  }
  const x = quantizedGeneratorSamples(small.model, 2000, 12345);
  const sq = samplesQuality(fm, real, x);
  const recorded = small.manifest.quality as { fid: number; class_shares: number[] };
  assert.ok(Math.abs(sq.fid - recorded.fid) < 1e-3 * recorded.fid, `FID ${sq.fid} vs recorded ${recorded.fid}`);
  assert.deepEqual(sq.coverage.classShares, recorded.class_shares);
  x.dispose();
  fm.dispose();
});
