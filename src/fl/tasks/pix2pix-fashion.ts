/**
 * The federated Pix2Pix task: each site turns its own Fashion-MNIST images into Sobel edge →
 * image pairs (src/data/pix2pix-pairs.ts) and trains src/nn/pix2pix on them as the source does —
 * batch 1, Adam lr 2e-4 β1 0.5 for both networks, λ = 100. Generator and discriminator are
 * both federated: the model's variables are the two networks' together.
 *
 * Two widths are registered: `pix2pix-fashion` is the original's (ngf = ndf = 64, 16.7M + 2.8M
 * parameters), `pix2pix-fashion-small` the same architecture with 16 filters in the first layer
 * (about 1/16 of the parameters) for short runs and tests. The site builds the model before it
 * sees a round's config, so the width is part of the task's name.
 *
 * As the engine's other tasks, a site keeps no state between rounds: Adam starts afresh each
 * round (so a restarted job repeats a round exactly), and the experiment's in-process settings
 * train through the same trainLocal, round by round, so every setting sees the same optimizer.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/dataset';
import { edgePairs, EdgePairs } from '../../data/pix2pix-pairs';
import { Pix2Pix, Pix2PixConfig, pix2pixOptimizers, pix2pixTrainStep, PIX2PIX_L1_WEIGHT } from '../../nn/pix2pix';
import { SeededRng } from '../../util/rng';
import { Config, Metrics } from '../strategy';
import { configNumber, FlTask, TaskModel } from './task';
import { CryptoUniform, poissonSample } from '../dp/poisson-sampling';
import { DpRandomness, dpMetrics, DpSgdPlan, dpSgdPlan } from './dp-local-training';
import { dpPix2PixTrainStep } from './dp-pix2pix-step';

const positiveInt = (n: number): boolean => Number.isInteger(n) && n >= 1;

export interface Pix2PixTaskModel extends TaskModel {
  readonly pix2pix: Pix2Pix;
}

export function asPix2Pix(model: TaskModel): Pix2Pix {
  const p = (model as { pix2pix?: Pix2Pix }).pix2pix;
  if (!(p instanceof Pix2Pix)) throw new TypeError('pix2pix-fashion: the model was not made by this task');
  return p;
}

/**
 * A site's pairs, made once per dataset object: the site passes the same shard every round,
 * so the Sobel maps are computed at the site once, from its own images only. The tensors live
 * as long as the shard (a site's lifetime).
 */
const PAIRS = new WeakMap<ImageDataset, EdgePairs>();

/** Edge → image pairs of 28x28 images, padded to 32x32. */
function freshPairs(data: ImageDataset): EdgePairs {
  if (data.height !== 28 || data.width !== 28) {
    throw new RangeError(`pix2pix-fashion takes 28x28 images (padded to 32x32), got ${data.height}x${data.width} (${data.name})`);
  }
  return edgePairs(data);
}

export function sitePairs(data: ImageDataset): EdgePairs {
  let p = PAIRS.get(data);
  if (!p) {
    p = freshPairs(data);
    PAIRS.set(data, p);
  }
  return p;
}

/** Frees a dataset's cached pairs (an experiment that made its shards in-process, when it is done with them). */
export function releasePairs(data: ImageDataset): void {
  const p = PAIRS.get(data);
  if (!p) return;
  tf.dispose([p.edges, p.images]);
  PAIRS.delete(data);
}

/** Local steps of a round: config.localSteps, or config.localEpochs passes over the shard at batch 1. */
export function pix2pixLocalSteps(config: Config, count: number): number {
  if ('localSteps' in config && 'localEpochs' in config) throw new RangeError('config has both "localSteps" and "localEpochs"; give one');
  if ('localEpochs' in config) return configNumber(config, 'localEpochs', 1, positiveInt, 'a positive integer') * count;
  return configNumber(config, 'localSteps', 10, positiveInt, 'a positive integer');
}

/**
 * G's translation of edge maps [n, 32, 32, 1], one image at a time: BatchNorm uses the batch's
 * statistics, and training runs at batch 1 (instance normalisation), so generating in larger
 * batches would normalise differently from training. Dropout is off.
 */
export function translateEdges(p: Pix2Pix, edges: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const n = edges.shape[0];
    const outs: tf.Tensor4D[] = [];
    for (let i = 0; i < n; i++) outs.push(p.generator.apply(edges.slice([i, 0, 0, 0], [1, -1, -1, -1])));
    return tf.concat(outs, 0);
  });
}

async function trainPix2Pix(model: TaskModel, data: ImageDataset, config: Config, seed: number, dp?: DpRandomness): Promise<Metrics> {
  if (data.count === 0) throw new RangeError('a site with no training images');
  const p = asPix2Pix(model);
  const pairs = sitePairs(data);
  const plan = dpSgdPlan(config, 2e-4);
  if (plan) return trainPix2PixDp(p, pairs, data.count, config, plan, seed, dp);
  const steps = pix2pixLocalSteps(config, data.count);
  const learningRate = configNumber(config, 'learningRate', 2e-4, (n) => n > 0 && Number.isFinite(n), 'a positive number');
  const lambda = configNumber(config, 'lambda', PIX2PIX_L1_WEIGHT, (n) => n >= 0 && Number.isFinite(n), 'a number ≥ 0');
  const rng = new SeededRng(seed);
  const opt = pix2pixOptimizers(p, { learningRate });
  const t0 = performance.now();
  const sums = { d: 0, gGan: 0, gL1: 0 };
  // L1 over the round's first and last quarter of steps: how it moved within the round.
  const quarter = Math.max(1, Math.floor(steps / 4));
  let l1First = 0;
  let l1Last = 0;
  try {
    let order = rng.permutation(data.count);
    for (let s = 0; s < steps; s++) {
      const k = s % data.count;
      if (k === 0 && s > 0) order = rng.permutation(data.count);
      const i = order[k];
      const x = pairs.edges.slice([i, 0, 0, 0], [1, -1, -1, -1]);
      const y = pairs.images.slice([i, 0, 0, 0], [1, -1, -1, -1]);
      const l = pix2pixTrainStep(p, opt, x, y, rng, { lambda });
      tf.dispose([x, y]);
      sums.d += l.d;
      sums.gGan += l.gGan;
      sums.gL1 += l.gL1;
      if (s < quarter) l1First += l.gL1;
      if (s >= steps - quarter) l1Last += l.gL1;
      // Keep the site's process responsive (long polls, signals) between steps.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    opt.generator.dispose();
    opt.discriminator.dispose();
  }
  return {
    d_loss: sums.d / steps,
    g_gan: sums.gGan / steps,
    l1: sums.gL1 / steps,
    l1_first_quarter: l1First / quarter,
    l1_last_quarter: l1Last / quarter,
    // the site's mean loss, under the name every task reports
    train_loss: sums.gL1 / steps,
    steps,
    train_seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * DP-SGD at the site (./dp-pix2pix-step.ts): Poisson batches at rate q from the CSPRNG, both
 * networks' per-example gradients clipped and noised. The source's batch size 1 is q = 1/n.
 * As every DP-SGD site, it reports no training loss (a function of the examples).
 */
async function trainPix2PixDp(
  p: Pix2Pix,
  pairs: EdgePairs,
  count: number,
  config: Config,
  plan: DpSgdPlan,
  seed: number,
  dp: DpRandomness = {},
): Promise<Metrics> {
  if (plan.optimizer !== 'adam') throw new RangeError(`pix2pix trains with Adam (β1 0.5), got optimizer "${plan.optimizer}"`);
  const lambda = configNumber(config, 'lambda', PIX2PIX_L1_WEIGHT, (n) => n >= 0 && Number.isFinite(n), 'a number ≥ 0');
  const sampling = dp.sampling ?? new CryptoUniform();
  const rng = new SeededRng(seed);
  const opt = pix2pixOptimizers(p, { learningRate: plan.learningRate });
  const t0 = performance.now();
  try {
    for (let s = 0; s < plan.steps; s++) {
      const batch = poissonSample(count, plan.sampleRate, sampling);
      dpPix2PixTrainStep(p, opt, pairs, batch, rng, {
        clipNorm: plan.clipNorm,
        noiseMultiplier: plan.noiseMultiplier,
        expectedBatchSize: plan.sampleRate * count,
        noise: dp.noise,
        lambda,
      });
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    opt.generator.dispose();
    opt.discriminator.dispose();
  }
  return { ...dpMetrics(plan), train_seconds: (performance.now() - t0) / 1000 };
}

/**
 * Mean |G(edges) − image| over a set's pairs (pixels in [-1, 1]). The pairs are made and freed
 * here, not cached: a site evaluates on a fresh sample of its held-out images each round.
 */
function evaluatePix2Pix(model: TaskModel, data: ImageDataset): Metrics {
  const p = asPix2Pix(model);
  const pairs = PAIRS.get(data) ?? freshPairs(data);
  try {
    const l1 = tf.tidy(() => tf.mean(tf.abs(tf.sub(translateEdges(p, pairs.edges), pairs.images))).dataSync()[0]);
    return { l1, loss: l1 };
  } finally {
    if (!PAIRS.has(data)) tf.dispose([pairs.edges, pairs.images]);
  }
}

export function pix2pixFashionTask(name: string, config: Pix2PixConfig, description: string): FlTask {
  return {
    name,
    description,
    dataset: 'fashion',
    dpReleasesPerStep: 2,
    createModel(seed: number): Pix2PixTaskModel {
      const pix2pix = new Pix2Pix(config, seed);
      return { pix2pix, variables: pix2pix.variables(), names: pix2pix.variableNames(), dispose: () => pix2pix.dispose() };
    },
    trainLocal: trainPix2Pix,
    evaluate: evaluatePix2Pix,
  };
}

export const pix2pixFashion = pix2pixFashionTask(
  'pix2pix-fashion',
  {},
  'Pix2Pix (U-Net + 70x70 PatchGAN, 32x32), Sobel edges → Fashion-MNIST images, both networks federated',
);

export const PIX2PIX_SMALL_CONFIG: Pix2PixConfig = { generator: { filters: 16 }, discriminator: { filters: 16 } };

export const pix2pixFashionSmall = pix2pixFashionTask(
  'pix2pix-fashion-small',
  PIX2PIX_SMALL_CONFIG,
  'pix2pix-fashion with 16 first-layer filters per network (short runs, tests)',
);

export const PIX2PIX_FASHION_TASKS: readonly FlTask[] = [pix2pixFashion, pix2pixFashionSmall];
