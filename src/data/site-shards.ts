/**
 * A dataset split across federated sites, and each site's part as its own files, so that
 * a site process can be given one directory and read nothing else.
 *
 *   iid      stratified: every class is dealt to the sites in proportion to their share
 *            (equal shares by default, or `fractions`), in a seeded order;
 *   non-iid  by class (McMahan et al. 2017): the images sorted by label are cut into
 *            sites × classesPerSite equal pieces and each site gets classesPerSite of
 *            them at random, so it sees only a few classes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRng } from '../util/rng';
import { ImageDataset, subset } from './dataset';
import { writeIdx } from './idx';
import { loadIdxDataset } from './idx-dataset';
import { DataFileError } from './errors';
import { requirePositiveInteger } from '../util/checks';

export type ShardMode = 'iid' | 'non-iid';

export interface SiteSplitOptions {
  sites: number;
  /** Default 'iid'. */
  mode?: ShardMode;
  /** Default 0. */
  seed?: number;
  /** iid only: each site's share (positive, normalised). Default equal shares. */
  fractions?: readonly number[];
  /** non-iid only: class pieces per site. Default 2. */
  classesPerSite?: number;
}

function iidIndices(ds: ImageDataset, sites: number, fractions: readonly number[], rng: SeededRng): number[][] {
  const out: number[][] = Array.from({ length: sites }, () => []);
  const byClass: number[][] = ds.classNames.map(() => []);
  for (let i = 0; i < ds.count; i++) byClass[ds.labels[i]].push(i);
  // Deal class by class, each image to the site furthest below its share: every class and
  // the whole set end up split in proportion to the fractions.
  for (const members of byClass) {
    for (const i of rng.shuffle(members)) {
      let best = 0;
      for (let s = 1; s < sites; s++) if (out[s].length / fractions[s] < out[best].length / fractions[best]) best = s;
      out[best].push(i);
    }
  }
  return out.map((ix) => rng.shuffle(ix));
}

function nonIidIndices(ds: ImageDataset, sites: number, perSite: number, rng: SeededRng): number[][] {
  const order = rng.permutation(ds.count);
  const sorted = Array.from(order).sort((a, b) => ds.labels[a] - ds.labels[b]);
  const pieces = sites * perSite;
  const owner = rng.permutation(pieces);
  const out: number[][] = Array.from({ length: sites }, () => []);
  for (let p = 0; p < pieces; p++) {
    const lo = Math.floor((p * sorted.length) / pieces);
    const hi = Math.floor(((p + 1) * sorted.length) / pieces);
    out[owner[p] % sites].push(...sorted.slice(lo, hi));
  }
  return out.map((ix) => rng.shuffle(ix));
}

/** The dataset's images split across `sites` sites (every image in exactly one). */
export function splitSites(ds: ImageDataset, o: SiteSplitOptions): ImageDataset[] {
  const { sites } = o;
  requirePositiveInteger(sites, 'sites');
  const rng = new SeededRng(o.seed ?? 0);
  const mode = o.mode ?? 'iid';
  let parts: number[][];
  if (mode === 'iid') {
    const fractions = o.fractions ?? new Array<number>(sites).fill(1);
    if (fractions.length !== sites || !fractions.every((f) => Number.isFinite(f) && f > 0)) throw new RangeError(`fractions must be ${sites} positive numbers, got [${fractions}]`);
    parts = iidIndices(ds, sites, fractions, rng);
  } else if (mode === 'non-iid') {
    if (o.fractions) throw new RangeError('fractions apply to iid splits only');
    const perSite = o.classesPerSite ?? 2;
    requirePositiveInteger(perSite, 'classesPerSite');
    parts = nonIidIndices(ds, sites, perSite, rng);
  } else {
    throw new RangeError(`unknown shard mode "${String(mode)}" (expected iid or non-iid)`);
  }
  parts.forEach((p, s) => {
    if (p.length === 0) throw new RangeError(`site ${s + 1} of ${sites} gets no images of ${ds.name} (${ds.count} images)`);
  });
  return parts.map((p, s) => subset(ds, p, `${ds.name} [site ${s + 1}/${sites}, ${mode}]`));
}

export interface SiteShard {
  train: ImageDataset;
  /** Held-out images the site evaluates the global model on. */
  test?: ImageDataset;
}

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['test-images-idx3-ubyte', 'test-labels-idx1-ubyte'],
} as const;

/** Write one site's shard as IDX files in `dir` (each file atomically). */
export function writeSiteShard(dir: string, shard: SiteShard): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const part of ['train', 'test'] as const) {
    const ds = shard[part];
    if (!ds) continue;
    const [images, labels] = FILES[part];
    writeIdx(path.join(dir, images), { type: 'uint8', dims: [ds.count, ds.height, ds.width], data: ds.images });
    writeIdx(path.join(dir, labels), { type: 'uint8', dims: [ds.count], data: ds.labels });
  }
}

/** Read a site's shard from `dir`: the train files are required, the test files optional. */
export function loadSiteShard(dir: string): SiteShard {
  if (!fs.existsSync(dir)) throw new DataFileError(dir, 'site shard directory not found');
  const load = (part: 'train' | 'test'): ImageDataset => loadIdxDataset(path.join(dir, FILES[part][0]), path.join(dir, FILES[part][1]), { name: `${dir} [${part}]` });
  const hasTest = fs.existsSync(path.join(dir, FILES.test[0]));
  return { train: load('train'), test: hasTest ? load('test') : undefined };
}
