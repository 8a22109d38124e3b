/**
 * The cache of real-data feature statistics (src/metrics/stats-cache.ts), against datasetStats
 * computed afresh: a first call writes a file and returns exactly datasetStats; later calls read
 * that file (a file edited by hand is what they return, which proves it is read), and a file that
 * no longer matches (another probe, count, a NaN, garbage) is computed again and replaced. Another
 * image set or another feature model gets a file of its own; small sets and `off` write none.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../../src/backend';
import { mnistSplit, subset } from '../../src/data';
import { ImageDataset } from '../../src/data/dataset';
import { FeatureModel, loadFeatureModel } from '../../src/metrics/feature-model';
import { datasetStats } from '../../src/metrics/gan-fid';
import { GaussianStats } from '../../src/metrics/gaussian-stats';
import { decodeNpz, encodeNpz } from '../../src/metrics/npz';
import { cachedDatasetStats, MIN_CACHED_IMAGES, STATS_CACHE_ENV, statsCacheDir, statsCacheFile } from '../../src/metrics/stats-cache';
import { packageRoot } from '../../src/util/files';
import { withEnv } from '../support/env';
import { tmpDir } from '../support/tmp';

let fm: FeatureModel;
let digits: ImageDataset;
let fresh: GaussianStats;

before(async () => {
  await selectBackend({ quiet: true });
  fm = await loadFeatureModel();
  digits = subset(
    mnistSplit().test,
    Array.from({ length: MIN_CACHED_IMAGES }, (_, i) => 3 * i),
  );
  fresh = datasetStats(fm, digits);
});

const inDir = <T>(dir: string, body: () => T): T => withEnv({ [STATS_CACHE_ENV]: dir }, body);

function assertSame(a: GaussianStats, b: GaussianStats, what: string): void {
  assert.deepEqual(Array.from(a.mu), Array.from(b.mu), `${what}: mu`);
  assert.deepEqual(a.sigma.to1DArray(), b.sigma.to1DArray(), `${what}: sigma`);
  assert.equal(a.count, b.count, `${what}: count`);
}

/** The cache file's arrays, edited by `edit`, written back. */
function rewrite(file: string, edit: (arrays: Record<string, { shape: number[]; data: Float64Array }>) => void): void {
  const arrays = decodeNpz(fs.readFileSync(file), file);
  edit(arrays);
  fs.writeFileSync(file, encodeNpz(arrays));
}

test('the folder: .cache/fid-stats by default, the variable when set, none for off', () => {
  assert.equal(
    withEnv({ [STATS_CACHE_ENV]: undefined }, () => statsCacheDir()),
    path.join(packageRoot(), '.cache', 'fid-stats'),
  );
  assert.equal(
    inDir('rel/dir', () => statsCacheDir()),
    path.resolve('rel/dir'),
  );
  assert.equal(
    inDir('off', () => statsCacheDir()),
    undefined,
  );
});

test('first call: datasetStats exactly, and one file; second call: the same, read from the file (an edited file is what it returns)', () => {
  const dir = tmpDir('privlab-stats-cache-');
  const first = inDir(dir, () => cachedDatasetStats(fm, digits));
  assertSame(first, fresh, 'computed');
  const file = statsCacheFile(dir, fm, digits);
  assert.deepEqual(fs.readdirSync(dir), [path.basename(file)]);
  assertSame(
    inDir(dir, () => cachedDatasetStats(fm, digits)),
    fresh,
    'read back',
  );
  // mu shifted by 1 in the file, everything else as written: the cache returns the file's mu
  rewrite(file, (a) => a.mu.data.forEach((v, i, mu) => (mu[i] = v + 1)));
  const edited = inDir(dir, () => cachedDatasetStats(fm, digits));
  assert.deepEqual(
    Array.from(edited.mu),
    Array.from(fresh.mu, (v) => v + 1),
  );
  assert.equal(edited.count, MIN_CACHED_IMAGES);
});

test('a file that no longer matches is computed again and replaced: probe, count, a NaN, a missing array, garbage', () => {
  const dir = tmpDir('privlab-stats-cache-stale-');
  inDir(dir, () => cachedDatasetStats(fm, digits));
  const file = statsCacheFile(dir, fm, digits);
  const edits: [string, (f: string) => void][] = [
    // today's extraction differs from the recorded one by 1 % of the largest feature, in one value
    ['probe', (f) => rewrite(f, (a) => (a.probe.data[5] += 0.01 * Math.max(...Array.from(a.probe.data, Math.abs))))],
    ['count', (f) => rewrite(f, (a) => (a.count.data[0] = MIN_CACHED_IMAGES + 1))],
    ['NaN in sigma', (f) => rewrite(f, (a) => (a.sigma.data[7] = Number.NaN))],
    ['no probe', (f) => rewrite(f, (a) => delete (a as Record<string, unknown>).probe)],
    ['garbage', (f) => fs.writeFileSync(f, 'not a zip file')],
  ];
  for (const [what, edit] of edits) {
    edit(file);
    // the edited file's mu is shifted too, so a read of it would show
    if (what !== 'garbage' && what !== 'no probe') rewrite(file, (a) => a.mu.data.forEach((v, i, mu) => (mu[i] = v + 1)));
    assertSame(
      inDir(dir, () => cachedDatasetStats(fm, digits)),
      fresh,
      what,
    );
    assertSame(
      inDir(dir, () => cachedDatasetStats(fm, digits)),
      fresh,
      `${what}: the replaced file`,
    );
  }
  // within the tolerance (a last-bit difference between kernel builds), the file still counts
  rewrite(file, (a) => {
    a.probe.data[5] += 1e-6 * Math.max(...Array.from(a.probe.data, Math.abs));
    a.mu.data[0] += 1;
  });
  assert.equal(inDir(dir, () => cachedDatasetStats(fm, digits)).mu[0], fresh.mu[0] + 1);
});

test('another image set (one pixel changed) or another feature model (one weight changed) has a file of its own', async () => {
  const dir = tmpDir('privlab-stats-cache-keys-');
  const images = digits.images.slice();
  images[400] ^= 0xff;
  const changed: ImageDataset = { ...digits, images };
  const other = await loadFeatureModel();
  try {
    const [w0, ...rest] = other.extractor.getWeights();
    const bumped = w0.add(1e-3);
    other.extractor.setWeights([bumped, ...rest]);
    bumped.dispose();
    const files = new Set([statsCacheFile(dir, fm, digits), statsCacheFile(dir, fm, changed), statsCacheFile(dir, other, digits)]);
    assert.equal(files.size, 3);
    inDir(dir, () => {
      cachedDatasetStats(fm, digits);
      assertSame(cachedDatasetStats(fm, changed), datasetStats(fm, changed), 'the changed set');
      assertSame(cachedDatasetStats(other, digits), datasetStats(other, digits), 'the other model');
    });
    assert.deepEqual(fs.readdirSync(dir).sort(), [...files].map((f) => path.basename(f)).sort());
  } finally {
    other.dispose();
  }
});

test('nothing is written for a set under the minimum, with caching off, or into a folder that cannot be made', () => {
  const dir = tmpDir('privlab-stats-cache-none-');
  const small = subset(
    digits,
    Array.from({ length: MIN_CACHED_IMAGES - 1 }, (_, i) => i),
  );
  assertSame(
    inDir(dir, () => cachedDatasetStats(fm, small)),
    datasetStats(fm, small),
    'small set',
  );
  assert.deepEqual(fs.readdirSync(dir), []);
  assertSame(
    withEnv({ [STATS_CACHE_ENV]: 'off' }, () => cachedDatasetStats(fm, digits)),
    fresh,
    'off',
  );
  // a file where the folder should be: the statistics are still returned
  const blocked = path.join(dir, 'a-file');
  fs.writeFileSync(blocked, '');
  assertSame(
    inDir(path.join(blocked, 'sub'), () => cachedDatasetStats(fm, digits)),
    fresh,
    'unwritable folder',
  );
  assert.deepEqual(fs.readdirSync(dir), ['a-file']);
});
