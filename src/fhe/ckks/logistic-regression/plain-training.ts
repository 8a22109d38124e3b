/**
 * The float64 reference: the same model, polynomial sigmoid, initialization and update rule as the
 * encrypted training (model.ts), computed in the clear. One model per epoch is returned.
 */
import { evaluatePlain } from '../polynomial';
import { type LogisticModel, type TrainingOptions, TENSEAL_TRAINING, checkTrainingData, logit } from './model';
import { requirePositiveInteger } from '../../../util/checks';

/** One full-batch step of the update rule. */
export function plainEpoch(model: LogisticModel, x: readonly number[][], y: readonly number[], options: Omit<TrainingOptions, 'epochs'> = {}): LogisticModel {
  const { learningRate, weightDecay, sigmoid } = { ...TENSEAL_TRAINING, ...options };
  const f = model.weights.length;
  const m = x.length;
  const gw = new Array<number>(f).fill(0);
  let gb = 0;
  for (let i = 0; i < m; i++) {
    const e = evaluatePlain(sigmoid, logit(model, x[i])) - y[i];
    for (let j = 0; j < f; j++) gw[j] += e * x[i][j];
    gb += e;
  }
  return {
    weights: model.weights.map((w, j) => w - (learningRate * gw[j]) / m - weightDecay * w),
    bias: model.bias - (learningRate * gb) / m,
  };
}

/** The model after each of `epochs` epochs. */
export function trainPlain(initial: LogisticModel, x: readonly number[][], y: readonly number[], options: TrainingOptions): LogisticModel[] {
  const f = checkTrainingData(x, y);
  if (f !== initial.weights.length) throw new RangeError(`model has ${initial.weights.length} weights, data ${f} features`);
  requirePositiveInteger(options.epochs, 'epochs');
  const models: LogisticModel[] = [];
  let model = initial;
  for (let e = 0; e < options.epochs; e++) models.push((model = plainEpoch(model, x, y, options)));
  return models;
}
