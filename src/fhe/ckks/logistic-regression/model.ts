/**
 * The logistic-regression model and update rule of TenSEAL's Tutorial 1, shared by the plain and the
 * encrypted training: p = σ̃(w·x + b) with σ̃ a polynomial sigmoid (default TenSEAL's cubic), full-
 * batch gradient descent with learning rate 1 and weight decay 0.05 on w (not on b):
 *   w ← w − (1/m) Σ_i (p_i − y_i) x_i − 0.05 w,     b ← b − (1/m) Σ_i (p_i − y_i).
 * Initialization as torch.nn.Linear: w_j, b uniform in ±1/√features (seeded).
 */
import { SeededRng } from '../../../util/rng';
import { TENSEAL_SIGMOID } from '../sigmoid';
import { requirePositiveInteger } from '../../../util/checks';

export interface LogisticModel {
  weights: number[];
  bias: number;
}

export interface TrainingOptions {
  epochs: number;
  /** learning rate α on the mean gradient (TenSEAL: 1, which saves a multiplication) */
  learningRate?: number;
  /** weight decay per epoch (TenSEAL: λ/m = 0.05), keeps w·x inside the sigmoid fit's range */
  weightDecay?: number;
  /** polynomial sigmoid coefficients, index = power */
  sigmoid?: readonly number[];
}

export const TENSEAL_TRAINING: Required<Omit<TrainingOptions, 'epochs'>> = Object.freeze({ learningRate: 1, weightDecay: 0.05, sigmoid: TENSEAL_SIGMOID });

export function initialModel(features: number, seed: number): LogisticModel {
  requirePositiveInteger(features, 'features');
  const rng = new SeededRng(seed);
  const bound = 1 / Math.sqrt(features);
  const u = (): number => -bound + 2 * bound * rng.next();
  return { weights: Array.from({ length: features }, u), bias: u() };
}

/** w·x + b */
export function logit(model: LogisticModel, x: readonly number[]): number {
  let z = model.bias;
  for (let j = 0; j < model.weights.length; j++) z += model.weights[j] * x[j];
  return z;
}

/** Share of rows whose predicted class (σ(w·x + b) ≥ 0.5, i.e. w·x + b ≥ 0) is the label. */
export function accuracy(model: LogisticModel, x: readonly number[][], y: readonly number[]): number {
  if (x.length !== y.length || x.length === 0) throw new RangeError(`need as many labels as rows (≥ 1), got ${x.length} rows, ${y.length} labels`);
  let correct = 0;
  for (let i = 0; i < x.length; i++) if ((logit(model, x[i]) >= 0 ? 1 : 0) === y[i]) correct++;
  return correct / x.length;
}

/** Checks rows × features and 0/1 labels; returns the feature count. */
export function checkTrainingData(x: readonly number[][], y: readonly number[]): number {
  if (!Array.isArray(x) || x.length === 0) throw new RangeError('training data has no rows');
  if (y.length !== x.length) throw new RangeError(`${x.length} rows but ${y.length} labels`);
  const f = x[0].length;
  x.forEach((r, i) => {
    if (r.length !== f) throw new RangeError(`row ${i} has ${r.length} features, row 0 has ${f}`);
    r.forEach((v: number, j: number) => {
      if (!Number.isFinite(v)) throw new RangeError(`x[${i}][${j}] is not a finite number: ${v}`);
    });
  });
  y.forEach((v, i) => {
    if (v !== 0 && v !== 1) throw new RangeError(`label ${i} is ${v}, expected 0 or 1`);
  });
  return f;
}
