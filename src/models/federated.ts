/**
 * A model trained by privlab's federated-learning engine, deployed to FHE (Concrete ML's
 * `from_sklearn_model` for a federated model): the FL task `logreg-mnist` (src/fl/tasks) is a
 * linear classifier — one dense layer, softmax over its K outputs, FedAvg over sites — so its
 * global weights are exactly a LogisticRegression's: coef = kernelᵀ, intercept = bias.
 *
 * Predictions are the same: the class is the argmax of x·kernel + bias in both. With two
 * classes the softmax of (z0, z1) is the sigmoid of z1 − z0, so the import keeps the one row
 * w1 − w0 (scikit-learn's binary form) and its probabilities are the task's too. With more,
 * predictProba here is one-vs-rest (normalized sigmoids of the decisions), not the task's
 * softmax; the class, and everything compiled and encrypted, is unchanged.
 *
 * Inputs are what the task trained on: pixels scaled to [−1, 1] (p / 127.5 − 1, src/nn/batches).
 * Reading the checkpoint file is the FL engine's (`loadCheckpoint(file, 'logreg-mnist')`);
 * this module takes its weights, so src/models does not load the engine (or tfjs).
 */
import type { Weights } from '../fl/weights';
import { LogisticRegression } from './logistic-regression';

/** The FL task whose weights import here. */
export const FEDERATED_LINEAR_TASK = 'logreg-mnist';

/** Pixel bytes of `count` images as the federated task saw them: rows of p / 127.5 − 1. */
export function federatedInputs(images: Uint8Array, count: number): number[][] {
  if (!Number.isInteger(count) || count < 1 || images.length % count !== 0)
    throw new RangeError(`${images.length} pixel bytes do not split into ${count} images`);
  const f = images.length / count;
  return Array.from({ length: count }, (_, i) => Array.from(images.subarray(i * f, (i + 1) * f), (p) => p / 127.5 - 1));
}

/**
 * A LogisticRegression from a federated linear classifier's weights (a checkpoint's
 * `{ task, weights }`, or the weights alone): one dense kernel [features × K] and bias [K],
 * K ≥ 2 classes labelled 0 … K−1.
 */
export function logisticRegressionFromFederated(source: Weights | { task: string; weights: Weights }): LogisticRegression {
  if ('task' in source && source.task !== FEDERATED_LINEAR_TASK)
    throw new RangeError(`a checkpoint of task "${source.task}" is not a linear classifier; "${FEDERATED_LINEAR_TASK}" is`);
  const w = 'weights' in source ? source.weights : source;
  if (!w || !Array.isArray(w.specs) || w.specs.length !== 2 || !Array.isArray(w.values) || w.values.length !== 2)
    throw new RangeError(`a linear classifier has two tensors (dense kernel and bias), got ${w?.specs?.length}`);
  const [ks, bs] = w.specs;
  const [kernel, bias] = w.values;
  if (ks.shape.length !== 2 || bs.shape.length !== 1 || ks.shape[1] !== bs.shape[0] || bs.shape[0] < 2)
    throw new RangeError(`expected a kernel [features × K] and bias [K] with K ≥ 2, got ${ks.name} [${ks.shape}] and ${bs.name} [${bs.shape}]`);
  const [f, K] = ks.shape;
  if (kernel.length !== f * K || bias.length !== K) throw new RangeError(`tensor sizes ${kernel.length} and ${bias.length} do not match their shapes`);
  const column = (k: number): number[] => Array.from({ length: f }, (_, j) => kernel[j * K + k]);
  const classes = Array.from({ length: K }, (_, k) => k);
  if (K === 2) {
    const w0 = column(0);
    const coef = column(1).map((v, j) => v - w0[j]);
    return LogisticRegression.fromWeights([coef], [bias[1] - bias[0]], classes);
  }
  return LogisticRegression.fromWeights(
    classes.map((k) => column(k)),
    Array.from(bias),
    classes,
  );
}
