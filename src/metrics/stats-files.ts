/**
 * Feature files of the FID ecosystem: .npy feature matrices (N×D, float32/float64,
 * as numpy writes them) and pytorch-fid statistics (.npz with `mu` and `sigma`).
 */
import * as fs from 'node:fs';
import { Matrix } from 'ml-matrix';
import { DataFileError } from '../data/errors';
import { GaussianStats, statsFromFeatures } from './gaussian-stats';
import { decodeNpy, encodeNpy, NdArray } from './npy';
import { decodeNpz, encodeNpz } from './npz';
import { writeFileAtomic } from '../util/files';
import { NonFiniteError, requireFinite } from '../util/finite';

/** Largest .npy/.npz file read whole (a float32 feature matrix of 60,000 x 2048 is 492 MB). */
export const MAX_STATS_FILE_BYTES = 1024 * 1024 * 1024;
/** |Σij − Σji| allowed, relative to the largest variance: np.cov's rounding is ~1e-16. */
const SYMMETRY_TOLERANCE = 1e-6;

/** NaN/Inf in `values` → NonFiniteError naming the file, the array and (for 2-D) the row and column. */
function requireFiniteIn(file: string, field: string, values: ArrayLike<number>, columns?: number): void {
  try {
    requireFinite(values, `${file}: ${field}`);
  } catch (e) {
    if (!(e instanceof NonFiniteError) || columns === undefined) throw e;
    throw new NonFiniteError(`${file}: ${field} row ${Math.floor(e.index / columns)}, column ${e.index % columns}`, e.index, e.value);
  }
}

/** Cheap checks that Σ can be a covariance: symmetric within rounding, variances ≥ 0. */
function checkCovariance(file: string, sigma: Float64Array, d: number): void {
  let maxVar = 0;
  for (let i = 0; i < d; i++) {
    const v = sigma[i * d + i];
    if (v < 0) throw new DataFileError(file, `sigma is not a covariance: its diagonal (a variance) is ${v} at ${i}`);
    maxVar = Math.max(maxVar, v);
  }
  const tol = SYMMETRY_TOLERANCE * maxVar;
  for (let i = 0; i < d; i++)
    for (let j = i + 1; j < d; j++) {
      const a = sigma[i * d + j],
        b = sigma[j * d + i];
      if (Math.abs(a - b) > tol) throw new DataFileError(file, `sigma is not symmetric: sigma[${i}, ${j}] = ${a} but sigma[${j}, ${i}] = ${b}`);
    }
}

function readBytes(file: string): Buffer {
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_STATS_FILE_BYTES) throw new DataFileError(file, `${size} bytes is more than the limit of ${MAX_STATS_FILE_BYTES}`);
    return fs.readFileSync(file);
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(file, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`);
  }
}

/**
 * Gaussian statistics from a .npy feature matrix or a pytorch-fid .npz. NaN/Inf anywhere
 * is a NonFiniteError naming the file and position; a sigma that is not symmetric or has
 * a negative variance is a DataFileError (frechetDistance's eigendecomposition catches
 * the remaining non-PSD ones, as a CovarianceError).
 */
export function loadStats(file: string): GaussianStats {
  if (file.endsWith('.npz')) return loadNpzStats(file).stats;
  const arr = decodeNpy(readBytes(file), file);
  if (arr.shape.length !== 2) throw new DataFileError(file, `expected a 2-D feature matrix (samples x features), got shape (${arr.shape.join(', ')})`);
  const [n, d] = arr.shape;
  if (n < 2) throw new DataFileError(file, `needs at least 2 feature vectors to estimate a covariance, has ${n}`);
  requireFiniteIn(file, 'features', arr.data, d);
  return statsFromFeatures(arr.data, n, d);
}

/**
 * A pytorch-fid .npz's statistics, checked as loadStats checks them, and every array of the file
 * (for callers that keep more beside mu and sigma, as privlab's statistics cache does).
 */
export function loadNpzStats(file: string): { stats: GaussianStats; arrays: Record<string, NdArray> } {
  const arrays = decodeNpz(readBytes(file), file);
  const { mu, sigma } = arrays;
  if (!mu || !sigma)
    throw new DataFileError(file, `expected arrays "mu" and "sigma" (pytorch-fid statistics), found: ${Object.keys(arrays).join(', ') || 'none'}`);
  const d = mu.shape[0];
  if (mu.shape.length !== 1 || sigma.shape.length !== 2 || sigma.shape[0] !== d || sigma.shape[1] !== d) {
    throw new DataFileError(file, `mu must be (D,) and sigma (D, D); got mu (${mu.shape.join(', ')}) and sigma (${sigma.shape.join(', ')})`);
  }
  requireFiniteIn(file, 'mu', mu.data);
  requireFiniteIn(file, 'sigma', sigma.data, d);
  checkCovariance(file, sigma.data, d);
  const s = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s.set(i, j, sigma.data[i * d + j]);
  return { stats: { mu: mu.data, sigma: s, count: 0 }, arrays };
}

/** Write features as .npy (float32, as feature extractors usually do). */
export function saveFeatures(file: string, features: ArrayLike<number>, n: number, d: number): void {
  writeFileAtomic(file, encodeNpy({ shape: [n, d], data: features }, 'float32'));
}

/** Write statistics as a pytorch-fid compatible .npz (mu, sigma; float64), and any `extra` arrays beside them. */
export function saveStats(file: string, stats: GaussianStats, extra: Record<string, { shape: number[]; data: ArrayLike<number> }> = {}): void {
  const d = stats.mu.length;
  writeFileAtomic(file, encodeNpz({ ...extra, mu: { shape: [d], data: stats.mu }, sigma: { shape: [d, d], data: stats.sigma.to1DArray() } }));
}
