/**
 * prepareShards deals exactly the training images it is given: by default the first
 * `trainExamples`; with `trainIndices` exactly those (each once), checked image by image
 * against the split itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetSplit, ImageDataset } from '../../src/data';
import { loadSiteShard } from '../../src/data/site-shards';
import { prepareShards, siteDir } from '../../src/fl';
import { tmpDir } from '../support/tmp';

const key = (ds: ImageDataset, i: number): string => Buffer.from(ds.images.subarray(i * 784, (i + 1) * 784)).toString('base64') + ds.labels[i];
const dealt = (dir: string, ids: string[]): string[] =>
  ids.flatMap((id) => {
    const t = loadSiteShard(siteDir(dir, id)).train;
    return Array.from({ length: t.count }, (_, i) => key(t, i));
  });

test('prepareShards: trainIndices deals exactly those images; the default deals the first trainExamples', () => {
  const train = datasetSplit('mnist-small').train;
  const indices = [7999, 17, 4242, 3, 777, 6000, 5, 6001, 123];
  const a = tmpDir('privlab-shards-');
  const ids = prepareShards(a, { sites: 3, dataset: 'mnist-small', trainIndices: indices, testExamples: 6, seed: 1 });
  assert.deepEqual(dealt(a, ids).sort(), indices.map((i) => key(train, i)).sort());
  const b = tmpDir('privlab-shards-');
  const idsB = prepareShards(b, { sites: 3, dataset: 'mnist-small', trainExamples: 9, testExamples: 6, seed: 1 });
  assert.deepEqual(dealt(b, idsB).sort(), Array.from({ length: 9 }, (_, i) => key(train, i)).sort());
});

test('prepareShards: trainIndices refused when repeated, out of range, too few, or given with trainExamples', () => {
  const dir = tmpDir('privlab-shards-');
  const o = { sites: 2, dataset: 'mnist-small', testExamples: 4 };
  assert.throws(() => prepareShards(dir, { ...o, trainIndices: [1, 2, 2] }), /listed twice/);
  assert.throws(() => prepareShards(dir, { ...o, trainIndices: [1, 99999] }), /index 99999 is outside/);
  assert.throws(() => prepareShards(dir, { ...o, trainIndices: [1] }), /1 examples for 2 sites/);
  assert.throws(() => prepareShards(dir, { ...o, trainIndices: [1, 2], trainExamples: 2 }), /not both/);
});
