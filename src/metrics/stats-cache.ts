/**
 * Feature statistics of real image sets, kept on disk between runs. A generator's FID needs the
 * real digits' mean and covariance in the feature model's space (the 10,000 test digits, and the
 * 60,000 training digits for the real-vs-real floor): many seconds of LeNet inference that give the
 * same result for every generator scored. Like clean-fid's reference statistics, they are computed
 * once and read back after; each `privlab fid gan`, notebook and benchmark then extracts features of
 * its generated samples only.
 *
 * A file is used only when what it was computed from is unchanged:
 * - its name is a SHA-256 of the feature model (weights, layers, input shape, feature width) and of
 *   the image set (pixels and shape), so another model or another set never matches it;
 * - it records the features of the set's first images, computed again on every read and compared,
 *   so a change to the feature extraction itself (code, backend) makes it stale too;
 * - its mean and covariance pass loadStats's checks (finite, symmetric, variances ≥ 0).
 * A file that fails any check is computed again and replaced (written atomically, so runs in
 * parallel never read half a file).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageDataset, subset } from '../data/dataset';
import { packageRoot } from '../util/files';
import { FeatureModel } from './feature-model';
import { datasetFeatures, datasetStats } from './gan-fid';
import { GaussianStats } from './gaussian-stats';
import { loadNpzStats, saveStats } from './stats-files';

/** The environment variable naming the cache folder, or `off` to compute every time. */
export const STATS_CACHE_ENV = 'PRIVLAB_FID_STATS_CACHE';
/** Sets smaller than this are computed every time: they take well under a second, and would litter the folder. */
export const MIN_CACHED_IMAGES = 1000;
/** Images whose features are recomputed on each read to check the file against today's extraction. */
const PROBE_IMAGES = 16;
/** Largest feature width cached (an 84-wide LeNet file is 60 kB; 1024 wide is 8 MB). */
const MAX_CACHED_DIMS = 1024;
/** |probe − recorded| allowed, relative to the largest recorded feature: float32 rounding of the same sums differs in the last bits between kernel builds. */
const PROBE_TOLERANCE = 1e-4;

/** The cache folder in use, or undefined when caching is off. */
export function statsCacheDir(): string | undefined {
  const env = process.env[STATS_CACHE_ENV];
  if (env === 'off') return undefined;
  return env ? path.resolve(env) : path.join(packageRoot(), '.cache', 'fid-stats');
}

const modelHashes = new WeakMap<FeatureModel, string>();
const datasetHashes = new WeakMap<ImageDataset, string>();

function modelHash(fm: FeatureModel): string {
  let h = modelHashes.get(fm);
  if (h === undefined) {
    const hash = createHash('sha256');
    hash.update(JSON.stringify({ inputShape: fm.inputShape, dims: fm.dims, layers: fm.extractor.layers.map((l) => [l.name, l.getClassName()]) }));
    for (const w of fm.extractor.getWeights()) {
      hash.update(JSON.stringify(w.shape));
      const values = w.dataSync();
      hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
    modelHashes.set(fm, (h = hash.digest('hex')));
  }
  return h;
}

function datasetHash(ds: ImageDataset): string {
  let h = datasetHashes.get(ds);
  if (h === undefined) {
    const hash = createHash('sha256');
    hash.update(JSON.stringify({ count: ds.count, height: ds.height, width: ds.width }));
    hash.update(ds.images);
    datasetHashes.set(ds, (h = hash.digest('hex')));
  }
  return h;
}

/** The cache file of `fm`'s statistics of `ds` inside `dir`. */
export function statsCacheFile(dir: string, fm: FeatureModel, ds: ImageDataset): string {
  const key = createHash('sha256')
    .update(`fid-stats v1\n${modelHash(fm)}\n${datasetHash(ds)}`)
    .digest('hex');
  return path.join(dir, `${key}.npz`);
}

/** Features of the set's first images, as datasetStats computes them. */
function probeFeatures(fm: FeatureModel, ds: ImageDataset): Float32Array {
  return datasetFeatures(
    fm,
    subset(
      ds,
      Array.from({ length: Math.min(PROBE_IMAGES, ds.count) }, (_, i) => i),
    ),
  );
}

/** The statistics in `file` if it holds those of `ds` as `fm` extracts them today; else undefined. */
function readCached(file: string, fm: FeatureModel, ds: ImageDataset, probe: Float32Array): GaussianStats | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const { stats, arrays } = loadNpzStats(file);
    const { probe: recorded, count } = arrays;
    if (stats.mu.length !== fm.dims || !count || count.data.length !== 1 || count.data[0] !== ds.count) return undefined;
    if (!recorded || recorded.data.length !== probe.length) return undefined;
    let scale = 0;
    for (let i = 0; i < probe.length; i++) scale = Math.max(scale, Math.abs(recorded.data[i]));
    for (let i = 0; i < probe.length; i++) if (!(Math.abs(probe[i] - recorded.data[i]) <= PROBE_TOLERANCE * scale)) return undefined;
    return { ...stats, count: ds.count };
  } catch {
    return undefined; // unreadable or failing loadStats's checks: computed again and replaced
  }
}

/**
 * datasetStats(fm, ds), read from the cache folder when it holds them (see above), else computed
 * and written there. Sets under MIN_CACHED_IMAGES images, features wider than 1,024 and
 * PRIVLAB_FID_STATS_CACHE=off compute every time; a folder that cannot be written only costs the time.
 */
export function cachedDatasetStats(fm: FeatureModel, ds: ImageDataset): GaussianStats {
  const dir = statsCacheDir();
  if (dir === undefined || ds.count < MIN_CACHED_IMAGES || fm.dims > MAX_CACHED_DIMS) return datasetStats(fm, ds);
  const file = statsCacheFile(dir, fm, ds);
  const probe = probeFeatures(fm, ds);
  const cached = readCached(file, fm, ds, probe);
  if (cached) return cached;
  const stats = datasetStats(fm, ds);
  try {
    saveStats(file, stats, { probe: { shape: [probe.length / fm.dims, fm.dims], data: probe }, count: { shape: [1], data: [ds.count] } });
  } catch {
    // a read-only or full disk: the statistics are still right, only not kept
  }
  return stats;
}
