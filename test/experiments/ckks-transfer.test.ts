/**
 * The transfer experiment's pieces: the image reduction equals numpy's crop + 2×2 mean; the task
 * split keeps only its five digits, relabelled; the base model's extractor (standardization folded
 * into the weights before the x² and an offset after it) gives features with mean 0 and spread
 * featureScale on the base training rows, as standardizing the plain features would.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { selectBackend } from '../../src/backend';
import { loadCanonicalMnist } from '../../src/data/mnist-canonical';
import { subset } from '../../src/data/dataset';
import { reduceImage, taskRows, trainBaseModel, transferInferenceParameters, INPUT_SIZE } from '../../src/experiments/ckks-transfer';
import { inferPlain, networkDepth } from '../../src/fhe/ckks/mlp';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

test('reduceImage = numpy: central 22×22, 2×2 mean, / 255', () => {
  const ds = loadCanonicalMnist('test');
  const picks = [0, 1, 4242];
  const ours = picks.map((i) => Array.from(reduceImage(ds, i)));
  const images = picks.map((i) => Array.from(ds.images.subarray(i * 784, (i + 1) * 784)));
  const numpy = JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import json, sys, numpy as np; a = np.array(json.load(sys.stdin), dtype=float).reshape(-1, 28, 28)[:, 3:25, 3:25]; print(json.dumps((a.reshape(-1, 11, 2, 11, 2).mean(axis=(2, 4)) / 255).reshape(-1, 121).tolist()))',
      ],
      { input: JSON.stringify(images), encoding: 'utf8' },
    ),
  ) as number[][];
  ours.forEach((r, k) => r.forEach((v, j) => assert.ok(Math.abs(v - numpy[k][j]) < 1e-6, `image ${picks[k]} pixel ${j}: ${v} vs ${numpy[k][j]}`)));
  assert.throws(() => reduceImage(ds, ds.count), /outside/);
});

test('taskRows: digits 5–9 relabelled 0–4, in dataset order, up to the limit', () => {
  const ds = loadCanonicalMnist('test');
  const t = taskRows(ds, 5, 50);
  assert.equal(t.count, 50);
  assert.equal(t.x.length, 50 * INPUT_SIZE);
  const want: number[] = [];
  for (let i = 0; want.length < 50; i++) if (ds.labels[i] >= 5) want.push(ds.labels[i] - 5);
  assert.deepEqual(t.y, want);
});

test('base extractor: folded standardization gives mean 0 and spread featureScale; depth 2', () => {
  const train = loadCanonicalMnist('train');
  const small = subset(
    train,
    Array.from({ length: 3000 }, (_, i) => i),
  );
  const rows = taskRows(small, 0);
  const test = taskRows(
    subset(
      loadCanonicalMnist('test'),
      Array.from({ length: 500 }, (_, i) => i),
    ),
    0,
  );
  const base = trainBaseModel(rows, test, { epochs: 4, seed: 3, featureScale: 0.5 });
  assert.equal(networkDepth(base.extractor), 2);
  assert.deepEqual(transferInferenceParameters(2).coeffModulusBits, [40, 30, 30, 40]);
  assert.ok(base.testAccuracy > 0.8, `base accuracy ${base.testAccuracy} (chance 0.2)`);
  const f = Array.from({ length: rows.count }, (_, k) => inferPlain(base.extractor, Array.from(rows.x.subarray(k * INPUT_SIZE, (k + 1) * INPUT_SIZE))));
  for (let j = 0; j < f[0].length; j++) {
    const mean = f.reduce((s, r) => s + r[j], 0) / f.length;
    const sd = Math.sqrt(f.reduce((s, r) => s + (r[j] - mean) ** 2, 0) / f.length);
    assert.ok(Math.abs(mean) < 1e-3 && Math.abs(sd - 0.5) < 1e-3, `feature ${j}: mean ${mean}, sd ${sd}`);
  }
  assert.throws(() => transferInferenceParameters(5), /depth must be an integer in \[1, 4\]/);
});
