/**
 * Feature files of the FID ecosystem: .npy feature matrices (N×D, float32/float64,
 * as numpy writes them) and pytorch-fid statistics (.npz with `mu` and `sigma`).
 */
import * as fs from 'node:fs';
import { Matrix } from 'ml-matrix';
import { DataFileError } from '../data/errors';
import { GaussianStats, statsFromFeatures } from './gaussian-stats';
import { decodeNpy, encodeNpy } from './npy';
import { decodeNpz, encodeNpz } from './npz';
import { writeFileAtomic } from '../util/files';

function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(file, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`);
  }
}

/** Gaussian statistics from a .npy feature matrix or a pytorch-fid .npz. */
export function loadStats(file: string): GaussianStats {
  const bytes = readBytes(file);
  if (file.endsWith('.npz')) {
    const arrays = decodeNpz(bytes, file);
    const { mu, sigma } = arrays;
    if (!mu || !sigma)
      throw new DataFileError(file, `expected arrays "mu" and "sigma" (pytorch-fid statistics), found: ${Object.keys(arrays).join(', ') || 'none'}`);
    const d = mu.shape[0];
    if (mu.shape.length !== 1 || sigma.shape.length !== 2 || sigma.shape[0] !== d || sigma.shape[1] !== d) {
      throw new DataFileError(file, `mu must be (D,) and sigma (D, D); got mu (${mu.shape.join(', ')}) and sigma (${sigma.shape.join(', ')})`);
    }
    const s = new Matrix(d, d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s.set(i, j, sigma.data[i * d + j]);
    return { mu: mu.data, sigma: s, count: 0 };
  }
  const arr = decodeNpy(bytes, file);
  if (arr.shape.length !== 2) throw new DataFileError(file, `expected a 2-D feature matrix (samples x features), got shape (${arr.shape.join(', ')})`);
  const [n, d] = arr.shape;
  if (n < 2) throw new DataFileError(file, `needs at least 2 feature vectors to estimate a covariance, has ${n}`);
  return statsFromFeatures(arr.data, n, d);
}

/** Write features as .npy (float32, as feature extractors usually do). */
export function saveFeatures(file: string, features: ArrayLike<number>, n: number, d: number): void {
  writeFileAtomic(file, encodeNpy({ shape: [n, d], data: features }, 'float32'));
}

/** Write statistics as a pytorch-fid compatible .npz (mu, sigma; float64). */
export function saveStats(file: string, stats: GaussianStats): void {
  const d = stats.mu.length;
  writeFileAtomic(file, encodeNpz({ mu: { shape: [d], data: stats.mu }, sigma: { shape: [d, d], data: stats.sigma.to1DArray() } }));
}
