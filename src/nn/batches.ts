/** Shuffled minibatches of a dataset as float tensors, in a seeded order. */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { SeededRng } from '../util/rng';
import { requirePositiveInteger } from '../util/checks';

export interface Batch {
  /** [n, height·width] pixels scaled to [-1, 1]. The caller disposes it. */
  images: tf.Tensor2D;
  labels: Uint8Array;
}

/** Number of minibatches in one epoch (the last one may be smaller). */
export function batchesPerEpoch(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

/**
 * The epoch's minibatches, in the order of a permutation drawn from `rng`. Pixels are
 * converted per batch straight from the dataset's bytes, so no full-dataset float copy is kept.
 * `firstBatch` skips the batches before it (a run resumed in the middle of an epoch).
 * `maxShift` > 0 moves each image by (dx, dy), each drawn uniformly from [−maxShift, maxShift]
 * (x first, then y, from `rng`, after the permutation), uncovered pixels background: the
 * translation augmentation of a classifier; 0 draws nothing, so the batches are as without it.
 */
export function* epochBatches(ds: ImageDataset, batchSize: number, rng: SeededRng, firstBatch = 0, maxShift = 0): Generator<Batch> {
  requirePositiveInteger(batchSize, 'batch size');
  if (!Number.isInteger(firstBatch) || firstBatch < 0) throw new RangeError(`firstBatch must be a non-negative integer, got ${firstBatch}`);
  if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift >= Math.min(ds.height, ds.width))
    throw new RangeError(`maxShift must be an integer in [0, ${Math.min(ds.height, ds.width) - 1}], got ${maxShift}`);
  const px = ds.height * ds.width;
  const order = rng.permutation(ds.count);
  for (let start = firstBatch * batchSize; start < ds.count; start += batchSize) {
    const n = Math.min(batchSize, ds.count - start);
    const pixels = new Float32Array(n * px);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const j = order[start + i];
      const src = ds.images.subarray(j * px, (j + 1) * px);
      const o = i * px;
      if (maxShift === 0) {
        for (let p = 0; p < px; p++) pixels[o + p] = src[p] / 127.5 - 1;
      } else {
        const dx = rng.nextInt(2 * maxShift + 1) - maxShift;
        const dy = rng.nextInt(2 * maxShift + 1) - maxShift;
        shiftInto(pixels.subarray(o, o + px), src, ds.height, ds.width, dx, dy);
      }
      labels[i] = ds.labels[j];
    }
    yield { images: tf.tensor2d(pixels, [n, px]), labels };
  }
}

/** `out` = the bytes `src` (h×w) moved right by dx and down by dy, scaled to [-1, 1]; uncovered pixels −1. */
function shiftInto(out: Float32Array, src: Uint8Array, h: number, w: number, dx: number, dy: number): void {
  out.fill(-1);
  for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
    for (let x = Math.max(0, dx); x < Math.min(w, w + dx); x++) out[y * w + x] = src[(y - dy) * w + (x - dx)] / 127.5 - 1;
  }
}
