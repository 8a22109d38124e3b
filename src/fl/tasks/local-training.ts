/**
 * One site's local training for a round, shared by classifier tasks: a number of local
 * steps or epochs over seeded minibatches, with plain SGD or Adam (./local-optimizer.ts: fresh
 * each round, so a site keeps no state between rounds and a restarted job repeats a round
 * exactly). A config with the DP-SGD keys trains with DP-SGD instead (./dp-local-training.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/dataset';
import { batchesPerEpoch, epochBatches, Batch } from '../../nn/batches';
import { SeededRng } from '../../util/rng';
import { Config, Metrics } from '../strategy';
import { TaskModel, configChoice, configNumber } from './task';
import { localOptimizer } from './local-optimizer';
import { DpRandomness, dpSgdPlan, dpTrainSteps } from './dp-local-training';

export interface LocalTrainingPlan {
  steps: number;
  /** 0 = the whole shard in one batch (full-batch gradient descent). */
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  /**
   * 'linear': step t of T runs at learningRate·(1 − t/T), down to 1/T of it at the last step, so
   * the model handed back is not one noisy late iterate of a constant rate. Default 'none'.
   */
  learningRateDecay: 'none' | 'linear';
  /**
   * Translation augmentation: each example of each minibatch moved by up to this many pixels in x
   * and in y (src/nn/batches.ts). A classifier trained on generated digits generalises to real ones
   * far better with it. Default 0 (none).
   */
  augmentShift: number;
}

const positiveInt = (n: number): boolean => Number.isInteger(n) && n >= 1;

/** The largest augmentShift a plan accepts (pixels; a 28×28 digit moved further loses its strokes). */
export const AUGMENT_SHIFT_MAX = 8;

/** The plan for `count` local examples: config has localSteps or localEpochs (not both), batchSize, optimizer, learningRate. */
export function localTrainingPlan(config: Config, count: number): LocalTrainingPlan {
  const batchSize = configNumber(config, 'batchSize', 32, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0 (0: full batch)');
  const perEpoch = batchesPerEpoch(count, batchSize === 0 ? count : batchSize);
  if ('localSteps' in config && 'localEpochs' in config) throw new RangeError('config has both "localSteps" and "localEpochs"; give one');
  const steps =
    'localEpochs' in config
      ? configNumber(config, 'localEpochs', 1, positiveInt, 'a positive integer') * perEpoch
      : configNumber(config, 'localSteps', 10, positiveInt, 'a positive integer');
  return {
    steps,
    batchSize,
    optimizer: configChoice(config, 'optimizer', 'adam', ['sgd', 'adam'] as const),
    learningRate: configNumber(config, 'learningRate', 1e-3, (n) => n > 0 && Number.isFinite(n), 'a positive number'),
    learningRateDecay: configChoice(config, 'learningRateDecay', 'none', ['none', 'linear'] as const),
    augmentShift: configNumber(
      config,
      'augmentShift',
      0,
      (n) => Number.isInteger(n) && n >= 0 && n <= AUGMENT_SHIFT_MAX,
      `an integer in [0, ${AUGMENT_SHIFT_MAX}]`,
    ),
  };
}

/** Minibatches over as many epochs as `steps` needs, each epoch in a fresh seeded order. */
function* stepBatches(ds: ImageDataset, plan: LocalTrainingPlan, rng: SeededRng): Generator<Batch> {
  let done = 0;
  for (;;) {
    for (const b of epochBatches(ds, plan.batchSize === 0 ? ds.count : plan.batchSize, rng, 0, plan.augmentShift)) {
      yield b;
      if (++done >= plan.steps) return;
    }
  }
}

/**
 * Train `model` in place: `loss(batch)` is the mean loss of one minibatch. Yields to the
 * event loop between steps so the site's process stays responsive. Under DP-SGD `seed` is
 * not used: batches and noise come from `dp` (default node:crypto; tests pass seeded sources).
 */
export async function trainSteps(
  model: TaskModel,
  ds: ImageDataset,
  config: Config,
  seed: number,
  loss: (b: Batch) => tf.Scalar,
  dp?: DpRandomness,
): Promise<Metrics> {
  if (ds.count === 0) throw new RangeError('a site with no training examples');
  const dpPlan = dpSgdPlan(config);
  // DP-SGD's Poisson batches are drawn by dp-local-training.ts, which does not augment: refuse, not ignore.
  if (dpPlan && (config.augmentShift ?? 0) !== 0) throw new RangeError('augmentShift is not supported with DP-SGD');
  if (dpPlan) return dpTrainSteps(model, ds, dpPlan, loss, dp);
  const plan = localTrainingPlan(config, ds.count);
  const rng = new SeededRng(seed);
  const optimizer = localOptimizer(model, plan);
  const t0 = performance.now();
  let lossSum = 0;
  let steps = 0;
  try {
    for (const b of stepBatches(ds, plan, rng)) {
      const { value, grads } = tf.variableGrads(() => loss(b), model.variables);
      optimizer.apply(grads, plan.learningRateDecay === 'linear' ? 1 - steps / plan.steps : 1);
      lossSum += (await value.data())[0];
      tf.dispose([value, b.images, ...Object.values(grads)]);
      steps++;
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    optimizer.dispose();
  }
  return { train_loss: lossSum / steps, steps, train_seconds: (performance.now() - t0) / 1000 };
}
