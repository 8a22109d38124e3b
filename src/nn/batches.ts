/** Shuffled minibatches of a dataset as float tensors, in a seeded order. */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { SeededRng } from '../util/rng';

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
 */
export function* epochBatches(ds: ImageDataset, batchSize: number, rng: SeededRng, firstBatch = 0): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(firstBatch) || firstBatch < 0) throw new RangeError(`firstBatch must be a non-negative integer, got ${firstBatch}`);
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
      for (let p = 0; p < px; p++) pixels[o + p] = src[p] / 127.5 - 1;
      labels[i] = ds.labels[j];
    }
    yield { images: tf.tensor2d(pixels, [n, px]), labels };
  }
}
