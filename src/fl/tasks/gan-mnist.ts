/**
 * The reference MLP GAN of src/nn (Gan, ganTrainStep, ganOptimizers) as a federated task:
 * each site trains both networks on its own digits for a round, and FedAvg averages the
 * generator's AND the discriminator's variables. D is federated too, as the source does for
 * Pix2Pix: a site's G only learns through its D, so a D that saw one shard alone would pull
 * each site's G toward that shard and the averaged G would be trained against no common
 * critic; the averaged D is the one judge every site's G answers to next round.
 *
 * Sizes: `gan-mnist` is the reference (G 100 → 256 → 512 → 1024 → 784, D 784 → 1024 → 512 →
 * 256 → 1). Smaller ones are named `gan-mnist:Z:G:D`, e.g. `gan-mnist:8:32:32.16` (latent 8,
 * G hidden [32], D hidden [32, 16]). `cgan-mnist` (and `cgan-mnist:Z:G:D`) is the same GAN made
 * class-conditional (src/nn/gan.ts: the one-hot class of 10 joins G's latent and D's image):
 * each site trains it on its own labelled digits, so the global generator draws a digit of any
 * requested class — what the generative-privacy experiment samples a labelled synthetic set from. The sizes go in the task's name rather than the fit
 * config because a model's shape must be known before any config reaches a site: the site
 * builds its model and sizes the largest message it accepts from the task alone, and the
 * checkpoint is tied to the name.
 *
 * Per round a site reports its mean D and G losses (under DP-SGD, which privatises D's step
 * as ./dp-gan-step.ts says, only G's) and its Adam step count (optimizer_steps: more than the
 * round's steps when the fit key keepOptimizerState keeps the pair between rounds,
 * ./optimizer-slot.ts); evaluation reports the losses of the global networks on
 * held-out digits. FID per round would cost a generator sweep and a
 * feature pass per site and round, so FID is computed once on the final generator
 * (federatedGeneratorFid, used by `privlab fl run --fid`).
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/dataset';
import { epochBatches } from '../../nn/batches';
import { Gan, GanConfig, ganConfig } from '../../nn/gan';
import { discriminatorStep, GanOptimizers, ganOptimizers, ganTrainStep } from '../../nn/gan-step';
import { bceWithLogits } from '../../nn/losses';
import { SeededRng } from '../../util/rng';
import { generatorFid } from '../../metrics/gan-fid';
import { cachedDatasetStats } from '../../metrics/stats-cache';
import type { FeatureModel } from '../../metrics/feature-model';
import { Weights, assignWeights } from '../weights';
import { CryptoUniform, poissonSample } from '../dp/poisson-sampling';
import { Metrics } from '../strategy';
import { FlTask, TaskModel, configBoolean, configChoice, configNumber } from './task';
import { OptimizerSlot } from './optimizer-slot';
import { LocalTrainingPlan, localTrainingPlan } from './local-training';
import { DpRandomness, DpSgdPlan, batchOf, dpMetrics, dpSgdPlan } from './dp-local-training';
import { dpGanTrainStep } from './dp-gan-step';

export const GAN_MNIST = 'gan-mnist';
/** The class-conditional variant (10 classes). */
export const CGAN_MNIST = 'cgan-mnist';
const CGAN_CLASSES = 10;

/** The Gan, and the Adam pair a site keeps between rounds when the fit config says keepOptimizerState. */
type SiteOptimizers = GanOptimizers & { dispose(): void };
type GanModel = TaskModel & { gan: Gan; optimizers: OptimizerSlot<SiteOptimizers> };

/**
 * The default of the fit key keepOptimizerState for the GAN tasks. Off: every round starts
 * with a fresh Adam pair, as it always did, so a restarted job repeats a round exactly.
 */
export const GAN_KEEP_OPTIMIZER_STATE_DEFAULT = false;

function siteOptimizers(gan: Gan, learningRate: number): SiteOptimizers {
  const o = ganOptimizers(gan, { learningRate, beta1: 0.5, beta2: 0.999 });
  return {
    ...o,
    dispose: () => {
      o.discriminator.dispose();
      o.generator.dispose();
    },
  };
}

function asGanModel(model: TaskModel, task: string): GanModel {
  asGan(model, task);
  return model as GanModel;
}

function asGan(model: TaskModel, task: string): Gan {
  const gan = (model as Partial<GanModel>).gan;
  if (!(gan instanceof Gan)) throw new TypeError(`${task}: the model was not made by this task`);
  return gan;
}

/**
 * `gan-mnist`, `cgan-mnist`, or either with `:Z:G:D` (hidden sizes dot-separated) → the GAN's
 * sizes (and numClasses 10 for `cgan-mnist`); undefined for another name.
 */
export function parseGanTaskName(name: string): Partial<GanConfig> | undefined {
  const prefix = [GAN_MNIST, CGAN_MNIST].find((p) => name === p || name.startsWith(`${p}:`));
  if (prefix === undefined) return undefined;
  const classes: Partial<GanConfig> = prefix === CGAN_MNIST ? { numClasses: CGAN_CLASSES } : {};
  if (name === prefix) return classes;
  const parts = name.slice(prefix.length + 1).split(':');
  const sizes = (s: string): number[] => s.split('.').map((x) => (/^[1-9]\d{0,4}$/.test(x) ? Number(x) : NaN));
  const [z, g, d] = parts.length === 3 ? [sizes(parts[0]), sizes(parts[1]), sizes(parts[2])] : [[NaN], [NaN], [NaN]];
  if (z.length !== 1 || [...z, ...g, ...d].some((n) => Number.isNaN(n))) {
    throw new RangeError(`task "${name}": expected ${prefix}:LATENT:G_HIDDEN:D_HIDDEN with hidden sizes separated by dots, e.g. ${prefix}:8:32:32.16`);
  }
  return { latentDim: z[0], generatorHidden: g, discriminatorHidden: d, ...classes };
}

function checkImages(task: string, data: ImageDataset, c: GanConfig): void {
  if (data.height !== c.imageHeight || data.width !== c.imageWidth)
    throw new RangeError(`${task} takes ${c.imageHeight}x${c.imageWidth} images, got ${data.height}x${data.width} (${data.name})`);
  if (c.numClasses > 0 && data.classNames.length !== c.numClasses)
    throw new RangeError(`${task} is conditional on ${c.numClasses} classes, got ${data.classNames.length} (${data.name})`);
}

/** A batch's class indices when the GAN is conditional (its steps need them), else undefined. */
const labelsFor = (gan: Gan, labels: Uint8Array): Uint8Array | undefined => (gan.conditional ? labels : undefined);

const nextTick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * A round of plain local GAN training: minibatches over seeded epochs. With trainGenerator false
 * only D steps: the round refits the critic to the global generator, which comes back unchanged.
 */
async function ganRound(gan: Gan, opt: GanOptimizers, data: ImageDataset, plan: LocalTrainingPlan, rng: SeededRng, trainGenerator: boolean): Promise<Metrics> {
  let d = 0,
    g = 0,
    steps = 0;
  while (steps < plan.steps) {
    for (const b of epochBatches(data, plan.batchSize === 0 ? data.count : plan.batchSize, rng)) {
      try {
        const labels = labelsFor(gan, b.labels);
        if (trainGenerator) {
          const losses = ganTrainStep(gan, opt, b.images, rng, labels);
          d += losses.d;
          g += losses.g;
        } else d += discriminatorStep(gan, opt, b.images, rng, labels);
      } finally {
        b.images.dispose();
      }
      await nextTick();
      // Leaving the loop ends the generator before it converts another batch.
      if (++steps >= plan.steps) break;
    }
  }
  return { d_loss: d / steps, ...(trainGenerator ? { g_loss: g / steps } : {}), steps };
}

/**
 * A round of DP-SGD on D (./dp-gan-step.ts): Poisson batches of real digits drawn from
 * node:crypto unless a test passes a seeded sampler. D's loss touches real digits and is not
 * reported; G's is post-processing of the private D.
 */
async function dpGanRound(
  gan: Gan,
  opt: GanOptimizers,
  data: ImageDataset,
  plan: DpSgdPlan,
  rng: SeededRng,
  trainGenerator: boolean,
  dp: DpRandomness = {},
): Promise<Metrics> {
  const sampling = dp.sampling ?? new CryptoUniform();
  const expectedBatchSize = plan.sampleRate * data.count;
  let g = 0;
  for (let step = 0; step < plan.steps; step++) {
    const real = batchOf(data, poissonSample(data.count, plan.sampleRate, sampling));
    try {
      g += dpGanTrainStep(
        gan,
        opt,
        real.images,
        rng,
        labelsFor(gan, real.labels),
        {
          clipNorm: plan.clipNorm,
          noiseMultiplier: plan.noiseMultiplier,
          expectedBatchSize,
          noise: dp.noise,
        },
        trainGenerator,
      );
    } finally {
      real.images.dispose();
    }
    await nextTick();
  }
  return { ...dpMetrics(plan), ...(trainGenerator ? { g_loss: g / plan.steps } : {}) };
}

/** The GAN task of `name` (`gan-mnist`, `cgan-mnist`, or either with `:Z:G:D`). */
export function ganMnistTask(name: string): FlTask {
  const sizes = parseGanTaskName(name);
  if (!sizes) throw new RangeError(`"${name}" is not a ${GAN_MNIST} task name`);
  const config = ganConfig(sizes);
  return {
    name,
    description: `${config.numClasses > 0 ? `class-conditional (${config.numClasses}) ` : ''}MLP GAN (latent ${config.latentDim}, G hidden [${config.generatorHidden}], D hidden [${config.discriminatorHidden}]), both networks federated`,
    createModel(seed): GanModel {
      const gan = new Gan(config, seed);
      // Prefixed names: G's and D's layers share layer names.
      const names = [...gan.generator.variableNames().map((n) => `generator/${n}`), ...gan.discriminator.variableNames().map((n) => `discriminator/${n}`)];
      const optimizers = new OptimizerSlot<SiteOptimizers>();
      return {
        gan,
        optimizers,
        variables: [...gan.generator.variables(), ...gan.discriminator.variables()],
        names,
        dispose: () => {
          optimizers.dispose();
          gan.dispose();
        },
      };
    },
    async trainLocal(model, data, fit, seed, dp) {
      checkImages(name, data, config);
      const gm = asGanModel(model, name);
      const gan = gm.gan;
      // Both networks use Adam with the reference's β1 = 0.5 and learning rate 2e-4.
      configChoice(fit, 'optimizer', 'adam', ['adam'] as const);
      const learningRate = configNumber(fit, 'learningRate', 2e-4, (n) => n > 0 && Number.isFinite(n), 'a positive number');
      // keepOptimizerState: the pair carries on from the last round (./optimizer-slot.ts says when it resets).
      const keep = configBoolean(fit, 'keepOptimizerState', GAN_KEEP_OPTIMIZER_STATE_DEFAULT);
      // trainGenerator false: D-only rounds, e.g. to fit a critic to a released generator for rejection sampling.
      const trainGenerator = configBoolean(fit, 'trainGenerator', true);
      if ((fit.learningRateDecay ?? 'none') !== 'none')
        throw new RangeError(`${name}: learningRateDecay is for the classifier tasks; a GAN trains at a constant rate`);
      if ((fit.augmentShift ?? 0) !== 0) throw new RangeError(`${name}: augmentShift is for the classifier tasks; a GAN trains on its digits as they are`);
      const slot = gm.optimizers.acquire(keep, model.variables, `adam lr ${learningRate} β 0.5/0.999`, () => siteOptimizers(gan, learningRate));
      const opt = slot.value;
      const rng = new SeededRng(seed);
      const t0 = performance.now();
      const dpPlan = dpSgdPlan(fit, 2e-4);
      try {
        const metrics = dpPlan
          ? await dpGanRound(gan, opt, data, dpPlan, rng, trainGenerator, dp)
          : await ganRound(gan, opt, data, localTrainingPlan({ batchSize: 64, ...fit, learningRate }, data.count), rng, trainGenerator);
        // Adam's step count: the round's steps, or all steps since the pair was made when it is kept.
        return { ...metrics, optimizer_steps: opt.discriminator.step, train_seconds: (performance.now() - t0) / 1000 };
      } finally {
        slot.release();
      }
    },
    evaluate(model, data) {
      checkImages(name, data, config);
      const gan = asGan(model, name);
      // The same latent draws every time, so losses of successive global models compare.
      const rng = new SeededRng(0);
      let dReal = 0,
        dFake = 0,
        gLoss = 0;
      for (const b of epochBatches(data, 500, new SeededRng(0))) {
        const n = b.labels.length;
        const [r, f, g] = tf.tidy(() => {
          // A conditional GAN is judged on the held-out digits' own classes, real and generated.
          const oneHot = gan.conditional ? gan.oneHot(b.labels) : undefined;
          const fakeLogits = gan.discriminate(gan.generate(gan.sampleLatent(rng, n), oneHot), oneHot);
          return [bceWithLogits(gan.discriminate(b.images, oneHot), 1), bceWithLogits(fakeLogits, 0), bceWithLogits(fakeLogits, 1)].map(
            (t) => t.dataSync()[0] * n,
          );
        });
        b.images.dispose();
        dReal += r;
        dFake += f;
        gLoss += g;
      }
      return { d_loss: (dReal + dFake) / data.count, d_real_loss: dReal / data.count, d_fake_loss: dFake / data.count, g_loss: gLoss / data.count };
    },
  };
}

export const ganMnist: FlTask = ganMnistTask(GAN_MNIST);
export const cganMnist: FlTask = ganMnistTask(CGAN_MNIST);

/** The Adam pair a site's model keeps between rounds (keepOptimizerState), if it keeps one. */
export function keptGanOptimizers(model: TaskModel, task: FlTask): GanOptimizers | undefined {
  return asGanModel(model, task.name).optimizers.current;
}

/** The Gan of a model made by a GAN task (e.g. to sample the global generator). */
export function ganOf(model: TaskModel, task: FlTask): Gan {
  return asGan(model, task.name);
}

/**
 * FID of the generator in `weights` (global weights of a GAN task) against `real` digits, in
 * the feature space of `fm` (e.g. loadFeatureModel()), from `count` samples.
 */
export function federatedGeneratorFid(task: FlTask, weights: Weights, fm: FeatureModel, real: ImageDataset, count = 2000, seed = 12345): number {
  const model = task.createModel(0);
  try {
    assignWeights(model.variables, model.names, weights);
    return generatorFid(asGan(model, task.name), fm, cachedDatasetStats(fm, real), { count, seed });
  } finally {
    model.dispose();
  }
}
