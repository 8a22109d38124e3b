/**
 * Site shards: every image goes to exactly one site; iid splits keep each class in
 * proportion to the sites' shares; non-iid splits give each site few classes; a shard
 * written to its directory reads back identically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { classCounts, loadMnist, subset, splitSites, writeSiteShard, loadSiteShard, DataFileError } from '../../src/data';
import { tmpDir } from '../support/tmp';

const ds = subset(
  loadMnist(),
  Array.from({ length: 2000 }, (_, i) => i * 5),
);

/** Image fingerprints (label + a few pixels) to check that parts are disjoint and cover the set. */
function keys(parts: { count: number; images: Uint8Array; labels: Uint8Array }[]): string[] {
  return parts.flatMap((p) =>
    Array.from({ length: p.count }, (_, i) => `${p.labels[i]}:${Buffer.from(p.images.subarray(i * 784, (i + 1) * 784)).toString('base64')}`),
  );
}

test('iid: a partition, each class split in proportion to the shares, seeded', () => {
  const parts = splitSites(ds, { sites: 3, fractions: [5, 3, 2], seed: 1 });
  assert.equal(
    parts.reduce((n, p) => n + p.count, 0),
    ds.count,
  );
  assert.deepEqual(keys(parts).sort(), keys([ds]).sort());
  const all = classCounts(ds);
  parts.forEach((p, s) => {
    const share = [0.5, 0.3, 0.2][s];
    assert.ok(Math.abs(p.count - share * ds.count) <= 1, `site ${s}: ${p.count} images`);
    classCounts(p).forEach((c, k) => assert.ok(Math.abs(c - share * all[k]) <= 1, `site ${s} class ${k}: ${c} of ${all[k]}`));
  });
  const again = splitSites(ds, { sites: 3, fractions: [5, 3, 2], seed: 1 });
  assert.deepEqual(keys(again), keys(parts));
  assert.notDeepEqual(keys(splitSites(ds, { sites: 3, fractions: [5, 3, 2], seed: 2 })), keys(parts));
});

test('non-iid: a partition where each site sees few classes', () => {
  // 20 label-sorted pieces of 100 images; every class has more than 100 here, so a piece spans ≤ 2 classes
  assert.ok(classCounts(ds).every((c) => c > 100));
  const parts = splitSites(ds, { sites: 10, mode: 'non-iid', classesPerSite: 2, seed: 3 });
  assert.deepEqual(keys(parts).sort(), keys([ds]).sort());
  for (const p of parts) {
    const present = classCounts(p).filter((c) => c > 0).length;
    assert.ok(present <= 4, `${present} classes on one site`);
  }
  const iidPresent = splitSites(ds, { sites: 5 }).map((p) => classCounts(p).filter((c) => c > 0).length);
  assert.ok(iidPresent.every((n) => n === 10));
  assert.throws(() => splitSites(ds, { sites: 0 }), /positive integer/);
  assert.throws(() => splitSites(ds, { sites: 2, fractions: [1] }), /2 positive numbers/);
});

test('a shard directory round-trips; a missing one is a DataFileError', () => {
  const dir = tmpDir('privlab-shard-');
  const [a, b] = splitSites(ds, { sites: 2 });
  writeSiteShard(path.join(dir, 'site-1'), { train: a, test: b });
  const back = loadSiteShard(path.join(dir, 'site-1'));
  assert.deepEqual(back.train.images, a.images);
  assert.deepEqual(back.train.labels, a.labels);
  assert.deepEqual(back.test?.labels, b.labels);
  writeSiteShard(path.join(dir, 'site-2'), { train: b });
  assert.equal(loadSiteShard(path.join(dir, 'site-2')).test, undefined);
  assert.throws(() => loadSiteShard(path.join(dir, 'nope')), DataFileError);
});
