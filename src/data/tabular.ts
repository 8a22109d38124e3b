/**
 * Small tabular data sets (rows of features, binary labels): a seeded train/test split and
 * standardization with the training set's mean and standard deviation.
 */
import { SeededRng } from '../util/rng';
import type { TabularDataset } from './breast-cancer';

export interface TabularSplit {
  xTrain: number[][];
  yTrain: number[];
  xTest: number[][];
  yTest: number[];
}

/** Shuffles the rows (seeded) and puts the first ⌊n·testFraction⌋ in the test set, as TenSEAL's tutorial does. */
export function splitRows(ds: Pick<TabularDataset, 'x' | 'y'>, testFraction: number, seed: number): TabularSplit {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  const order = new SeededRng(seed).permutation(ds.x.length);
  const nTest = Math.floor(ds.x.length * testFraction);
  const pick = (from: number, to: number) => Array.from(order.subarray(from, to));
  const test = pick(0, nTest);
  const train = pick(nTest, ds.x.length);
  return { xTrain: train.map((i) => ds.x[i]), yTrain: train.map((i) => ds.y[i]), xTest: test.map((i) => ds.x[i]), yTest: test.map((i) => ds.y[i]) };
}

/** (x − mean) / std per feature, with mean and std (n − 1) of the training rows; applied to both sets. */
export function standardize(split: TabularSplit): TabularSplit {
  const f = split.xTrain[0]?.length ?? 0;
  const n = split.xTrain.length;
  if (n < 2) throw new RangeError(`need at least 2 training rows to standardize, got ${n}`);
  const mean = new Array<number>(f).fill(0);
  const std = new Array<number>(f).fill(0);
  for (const r of split.xTrain) for (let j = 0; j < f; j++) mean[j] += r[j] / n;
  for (const r of split.xTrain) for (let j = 0; j < f; j++) std[j] += (r[j] - mean[j]) ** 2 / (n - 1);
  for (let j = 0; j < f; j++) std[j] = Math.sqrt(std[j]) || 1;
  const z = (rows: number[][]) => rows.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
  return { ...split, xTrain: z(split.xTrain), xTest: z(split.xTest) };
}

/** m rows of `features` standard normal values, labelled 1 where x0 ≥ x1: TenSEAL's random_data(). */
export function separableGaussian(m: number, features: number, seed: number): Pick<TabularDataset, 'x' | 'y'> {
  if (!Number.isInteger(m) || m < 1 || !Number.isInteger(features) || features < 2) throw new RangeError(`need m ≥ 1 rows and ≥ 2 features, got ${m} × ${features}`);
  const rng = new SeededRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const x = Array.from({ length: m }, () => Array.from({ length: features }, normal));
  return { x, y: x.map((r) => (r[0] >= r[1] ? 1 : 0)) };
}
