/**
 * How the training set and the model sit in CKKS slots. TenSEAL's tutorial encrypts one row per
 * ciphertext (780 ciphertexts of 9 used slots out of 4096); here rows are packed: each row takes a
 * block of B = nextPow2(features + 1) consecutive slots — its features, then a constant 1 that
 * turns the bias into one more weight, then zeros — so one ciphertext holds slots/B rows (256 rows
 * of 9 features at N = 8192; TenSEAL's 780 rows fit in 4 ciphertexts).
 *
 *   X ciphertext c:  slot r·B + j = x[c·R + r][j] (j < F),  slot r·B + F = 1,  0 elsewhere and in padding rows
 *   y ciphertext c:  slot r·B = y[c·R + r]                  (encrypted at the level where σ̃ lands)
 *   model:           every block = (w_0 … w_{F−1}, b, 0 …)   (replicated, so X ⊙ W is row-wise)
 *
 * Forward: X ⊙ W, then a rotate-and-sum over each block puts z_r = w·x_r + b in slot r·B. Backward:
 * (σ̃(z) − y) masked to slot r·B, broadcast over the block by rotate-and-sum with
 * negative steps, times X gives each row's gradient in its block; a rotate-and-sum with stride B
 * over all blocks adds up the rows and leaves the total gradient replicated in every block — the
 * model's own layout, so the update (after the step size α/m) is a slot-wise subtraction.
 */
import type { LogisticModel } from './model';
import { rotateAndSumSteps } from '../rotate-and-sum';
import { requirePositiveInteger } from '../../../util/checks';

export interface Packing {
  features: number;
  /** slots per row (a power of two ≥ features + 1) */
  block: number;
  /** rows per ciphertext */
  rowsPerCiphertext: number;
  slots: number;
}

export function packing(features: number, slots: number): Packing {
  requirePositiveInteger(features, 'features');
  const block = 2 ** Math.ceil(Math.log2(features + 1));
  if (block > slots) throw new RangeError(`${features} features need blocks of ${block} slots, more than the ${slots} slots`);
  return { features, block, slots, rowsPerCiphertext: slots / block };
}

export function ciphertextCount(p: Packing, rows: number): number {
  return Math.ceil(rows / p.rowsPerCiphertext);
}

/** The feature vectors of each ciphertext. */
export function packRows(p: Packing, x: readonly number[][]): Float64Array[] {
  const out: Float64Array[] = [];
  for (let c = 0; c < ciphertextCount(p, x.length); c++) {
    const v = new Float64Array(p.slots);
    for (let r = 0; r < p.rowsPerCiphertext && c * p.rowsPerCiphertext + r < x.length; r++) {
      const row = x[c * p.rowsPerCiphertext + r];
      for (let j = 0; j < p.features; j++) v[r * p.block + j] = row[j];
      v[r * p.block + p.features] = 1;
    }
    out.push(v);
  }
  return out;
}

/** The labels of each ciphertext, in the first slot of each row's block. */
export function packLabels(p: Packing, y: readonly number[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (let c = 0; c < ciphertextCount(p, y.length); c++) {
    const v = new Float64Array(p.slots);
    for (let r = 0; r < p.rowsPerCiphertext && c * p.rowsPerCiphertext + r < y.length; r++) v[r * p.block] = y[c * p.rowsPerCiphertext + r];
    out.push(v);
  }
  return out;
}

/** The model replicated in every block. */
export function packModel(p: Packing, model: LogisticModel): Float64Array {
  if (model.weights.length !== p.features) throw new RangeError(`model has ${model.weights.length} weights, the packing ${p.features} features`);
  const v = new Float64Array(p.slots);
  for (let r = 0; r < p.rowsPerCiphertext; r++) {
    for (let j = 0; j < p.features; j++) v[r * p.block + j] = model.weights[j];
    v[r * p.block + p.features] = model.bias;
  }
  return v;
}

/** The model from block 0 of a decrypted model vector. */
export function unpackModel(p: Packing, values: ArrayLike<number>): LogisticModel {
  return { weights: Array.from({ length: p.features }, (_, j) => values[j]), bias: values[p.features] };
}

/** `value` in the first slot of every block, 0 elsewhere (the mask of the backward pass). */
export function blockStarts(p: Packing, value: number): Float64Array {
  const v = new Float64Array(p.slots);
  for (let r = 0; r < p.rowsPerCiphertext; r++) v[r * p.block] = value;
  return v;
}

/** Per block: 1 − decay on the weights, 1 on the bias (TenSEAL does not decay the bias). */
export function decayVector(p: Packing, decay: number): Float64Array {
  const v = new Float64Array(p.slots);
  for (let r = 0; r < p.rowsPerCiphertext; r++) {
    for (let j = 0; j < p.features; j++) v[r * p.block + j] = 1 - decay;
    v[r * p.block + p.features] = 1;
  }
  return v;
}

/** Galois steps of training: sums within a block, broadcasts within a block, the sum over blocks. */
export function trainingRotationSteps(p: Packing): number[] {
  return [...rotateAndSumSteps(1, p.block), ...rotateAndSumSteps(-1, p.block), ...rotateAndSumSteps(p.block, p.rowsPerCiphertext)];
}
