/**
 * The transfer task's data: canonical MNIST, digits 0–4 for the base model (the compute party's
 * pretrained model) and digits 5–9 for the head (the data party's task). Disjoint classes, same
 * domain: the base model's features were never trained to tell 5–9 apart, which is what makes it
 * transfer (MNIST → Fashion-MNIST was the other choice; its features transfer much less from
 * digits, so the head's accuracy would say more about the base model than about HE).
 *
 * Images are reduced for the encrypted inference's slot budget: the central 22×22 pixels (MNIST
 * digits are size-normalized into the central 20×20 box) averaged over 2×2 → 11×11 = 121 inputs in
 * [0, 1]. The network's period is then 128, and 4096 / (2·128) = 16 images share a ciphertext at
 * N = 8192 (784 inputs would need period 1024: 2 images per ciphertext and 8× the diagonals).
 */
import type { ImageDataset } from '../../data/dataset';

export const CROP = 22;
export const POOL = 2;
export const INPUT_SIDE = CROP / POOL;
export const INPUT_SIZE = INPUT_SIDE * INPUT_SIDE;

/** Image i of a 28×28 dataset, cropped to the centre and 2×2-averaged, in [0, 1]. */
export function reduceImage(ds: ImageDataset, i: number): Float32Array {
  if (ds.height !== 28 || ds.width !== 28) throw new RangeError(`${ds.name}: expected 28×28 images, got ${ds.height}×${ds.width}`);
  if (!Number.isInteger(i) || i < 0 || i >= ds.count) throw new RangeError(`index ${i} is outside ${ds.name} (${ds.count} images)`);
  const off = (28 - CROP) / 2;
  const out = new Float32Array(INPUT_SIZE);
  const base = i * 784;
  for (let r = 0; r < INPUT_SIDE; r++)
    for (let c = 0; c < INPUT_SIDE; c++) {
      let s = 0;
      for (let dr = 0; dr < POOL; dr++) for (let dc = 0; dc < POOL; dc++) s += ds.images[base + (off + r * POOL + dr) * 28 + off + c * POOL + dc];
      out[r * INPUT_SIDE + c] = s / (POOL * POOL * 255);
    }
  return out;
}

export interface TaskRows {
  /** rows × INPUT_SIZE, row-major */
  x: Float32Array;
  /** class within the task: digit − first digit */
  y: number[];
  count: number;
}

/** Images whose digit is in [first, first + 5), relabelled 0–4, in dataset order; at most `limit`. */
export function taskRows(ds: ImageDataset, first: 0 | 5, limit = Infinity): TaskRows {
  const idx: number[] = [];
  for (let i = 0; i < ds.count && idx.length < limit; i++) if (ds.labels[i] >= first && ds.labels[i] < first + 5) idx.push(i);
  const x = new Float32Array(idx.length * INPUT_SIZE);
  idx.forEach((j, k) => x.set(reduceImage(ds, j), k * INPUT_SIZE));
  return { x, y: idx.map((j) => ds.labels[j] - first), count: idx.length };
}

/** Row k as numbers. */
export function row(t: TaskRows, k: number): number[] {
  return Array.from(t.x.subarray(k * INPUT_SIZE, (k + 1) * INPUT_SIZE));
}
