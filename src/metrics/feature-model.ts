/**
 * The feature model of privlab's FID: a LeNet-5-style MNIST classifier (LeCun et al.
 * 1998) whose penultimate layer (84 units) gives the features. Trained once on the
 * canonical MNIST training digits (60,000) and cached under data/fid-lenet/, so FID is
 * deterministic and quick. These FID values are NOT comparable in absolute terms to
 * Inception-based FID (different features, different scale); compare runs with each
 * other. Any tfjs layers model can serve instead (loadFeatureModel(path, layerName)).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { mnistSplit } from '../data/mnist-canonical';
import { toTensors } from '../data/tensors';
import { interruptScope } from '../util/interrupt';
import { SeededRng } from '../util/rng';
import { packageRoot } from '../util/files';
import { loadModel, saveModel } from './tfjs-files';
import { loadClassifierCheckpoint, saveClassifierCheckpoint } from './classifier-checkpoint';

export const FEATURE_LAYER = 'features';

export function defaultFeatureModelPath(): string {
  return path.join(packageRoot(), 'data', 'fid-lenet', 'model.json');
}

/**
 * The same LeNet trained on Fashion-MNIST's 60,000 training images (privlab fid
 * train-classifier --dataset fashion): the features for FID of Fashion-MNIST experiments
 * (Pix2Pix's edges→image outputs, cropped back to 28x28).
 */
export function fashionFeatureModelPath(): string {
  return path.join(packageRoot(), 'data', 'fid-fashion', 'model.json');
}

export function buildLenet(seed = 0): tf.Sequential {
  const init = (k: number): tf.serialization.Serializable => tf.initializers.glorotUniform({ seed: seed * 100 + k });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(1) as never }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: init(2) as never }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu', kernelInitializer: init(3) as never }),
      tf.layers.dense({ units: 84, activation: 'relu', kernelInitializer: init(4) as never, name: FEATURE_LAYER }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(5) as never }),
    ],
  });
}

export interface TrainClassifierOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  /** Default: the canonical MNIST (60,000 train / 10,000 test). */
  train?: ImageDataset;
  test?: ImageDataset;
  onEpoch?: (epoch: number, loss: number) => void;
  /** On an interrupt, save the run here (classifier-checkpoint.ts) before stopping. */
  checkpoint?: string;
  /** Continue a stopped run from its checkpoint: the result is bit-identical to an uninterrupted run. */
  resume?: string;
}

export interface TrainedClassifier {
  model: tf.LayersModel;
  testAccuracy: number;
  /** What it was trained and tested on (recorded beside the weights). */
  trainedOn: string;
  epochs: number;
  seed: number;
  seconds: number;
}

/** Train the classifier deterministically (seeded initialisation and batch order, no dropout). */
export async function trainFeatureClassifier(opts: TrainClassifierOptions = {}): Promise<TrainedClassifier> {
  const t0 = Date.now();
  const split = opts.train && opts.test ? { train: opts.train, test: opts.test } : mnistSplit();
  const trainName = `${split.train.name} (${split.train.count})`;
  const model = buildLenet(opts.seed ?? 0);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  // A resumed run continues the stopped one's settings; given ones must agree with them.
  const resumed = opts.resume ? await loadClassifierCheckpoint(opts.resume, model) : undefined;
  if (resumed) {
    const given = { seed: opts.seed, epochs: opts.epochs, batchSize: opts.batchSize, train: trainName };
    for (const [k, v] of Object.entries(given))
      if (v !== undefined && v !== resumed[k as keyof typeof given]) {
        model.dispose();
        throw new RangeError(`--resume ${opts.resume}: the stopped run had ${k} ${JSON.stringify(resumed[k as keyof typeof given])}, not ${JSON.stringify(v)}`);
      }
  }
  const seed = resumed?.seed ?? opts.seed ?? 0;
  const epochs = resumed?.epochs ?? opts.epochs ?? 8;
  const batch = resumed?.batchSize ?? opts.batchSize ?? 64;
  const { x, yOneHot, y } = toTensors(split.train, { range: '[0,1]', layout: 'image' });
  const rng = new SeededRng(seed);
  if (resumed) rng.setState(resumed.epochRng);
  // Ctrl-C / the kernel's interrupt: stop between batches (the cached model on disk is untouched),
  // after saving the run to opts.checkpoint when given.
  const scope = interruptScope();
  try {
    for (let e = resumed?.epoch ?? 0; e < epochs; e++) {
      const epochRng = rng.getState();
      const order = rng.permutation(split.train.count);
      const skip = e === resumed?.epoch ? resumed.batch : 0;
      let lossSum = e === resumed?.epoch ? resumed.lossSum : 0;
      let batches = skip;
      for (let s = skip * batch; s < order.length; s += batch) {
        const idx = tf.tensor1d(Int32Array.from(order.subarray(s, Math.min(order.length, s + batch))), 'int32');
        const [bx, by] = [tf.gather(x, idx), tf.gather(yOneHot, idx)];
        lossSum += (await model.trainOnBatch(bx, by)) as number;
        batches++;
        tf.dispose([idx, bx, by]);
        if (await scope.pause()) {
          const where = `epoch ${e + 1}, batch ${batches}`;
          if (opts.checkpoint) {
            await saveClassifierCheckpoint(opts.checkpoint, model, {
              seed,
              epochs,
              batchSize: batch,
              train: trainName,
              epoch: e,
              batch: batches,
              lossSum,
              epochRng,
            });
          }
          model.dispose();
          scope.throwIfInterrupted(`classifier training (${where}${opts.checkpoint ? `; saved to ${opts.checkpoint} for --resume` : ''})`);
        }
      }
      opts.onEpoch?.(e + 1, lossSum / batches);
    }
  } finally {
    scope.dispose();
    tf.dispose([x, yOneHot, y]);
  }
  const trainedOn = `${split.train.name} (${split.train.count}); tested on ${split.test.name} (${split.test.count})`;
  return { model, testAccuracy: classifierAccuracy(model, split.test), trainedOn, epochs, seed, seconds: (Date.now() - t0) / 1000 };
}

export function classifierAccuracy(model: tf.LayersModel, ds: ImageDataset): number {
  const { x, y, yOneHot } = toTensors(ds, { range: '[0,1]', layout: 'image' });
  const correct = tf.tidy(() => (model.predict(x, { batchSize: 256 }) as tf.Tensor).argMax(1).equal(y).sum().dataSync()[0]);
  tf.dispose([x, y, yOneHot]);
  return correct / ds.count;
}

export interface FeatureModel {
  /** Maps a batch of images [n, h, w, c] in the model's input range to features [n, d]. */
  extractor: tf.LayersModel;
  inputShape: number[];
  dims: number;
  meta: Record<string, unknown>;
  /** The whole model (for the LeNet: the classifier whose class predictions mode coverage counts). */
  classifier: tf.LayersModel;
  /** Release the model's weights. */
  dispose(): void;
}

/** The cached LeNet (default) or any tfjs layers model, cut at `layerName`. */
export async function loadFeatureModel(modelJson = defaultFeatureModelPath(), layerName = FEATURE_LAYER): Promise<FeatureModel> {
  if (modelJson === defaultFeatureModelPath() && !fs.existsSync(modelJson)) {
    throw new Error(`the FID classifier is not cached at ${modelJson}: run \`privlab fid train-classifier\``);
  }
  const { model, meta } = await loadModel(modelJson);
  const layer = model.layers.find((l) => l.name === layerName);
  if (!layer) throw new Error(`${modelJson}: no layer named "${layerName}" (layers: ${model.layers.map((l) => l.name).join(', ')})`);
  const extractor = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
  const inputShape = (model.inputs[0].shape as number[]).slice(1);
  const out = layer.output as tf.SymbolicTensor;
  return { extractor, classifier: model, inputShape, dims: out.shape[out.shape.length - 1] as number, meta, dispose: () => model.dispose() };
}

/**
 * Grayscale images [n, h, w] or [n, h, w, 1] with pixels in `range` as the model's input:
 * scaled to [0, 1], resized and repeated over channels (an InceptionV3 wants [299, 299, 3]).
 */
function toModelInput(fm: FeatureModel, images: tf.Tensor, range: '[0,1]' | '[-1,1]'): tf.Tensor4D {
  const [h, w, c] = fm.inputShape;
  return tf.tidy(() => {
    let b = images;
    if (b.rank === 3) b = b.expandDims(-1);
    if (range === '[-1,1]') b = b.add(1).div(2);
    let img = b as tf.Tensor4D;
    if (img.shape[1] !== h || img.shape[2] !== w) img = tf.image.resizeBilinear(img, [h, w]);
    if (c !== img.shape[3]) img = tf.tile(img, [1, 1, 1, c]);
    return img;
  });
}

/** `model`'s outputs for `images`, batch by batch, as row-major float32 n × width. */
function predictRows(fm: FeatureModel, model: tf.LayersModel, width: number, images: tf.Tensor, range: '[0,1]' | '[-1,1]', batchSize: number): Float32Array {
  const n = images.shape[0];
  const out = new Float32Array(n * width);
  for (let s = 0; s < n; s += batchSize) {
    const rows = tf.tidy(() => model.predict(toModelInput(fm, images.slice(s, Math.min(batchSize, n - s)), range)) as tf.Tensor);
    out.set(rows.dataSync(), s * width);
    rows.dispose();
  }
  return out;
}

/**
 * Features of grayscale images [n, h, w] or [n, h, w, 1] with pixels in `range`, made to fit
 * the model's input (toModelInput). Returns row-major float32 n × d.
 */
export function extractFeatures(fm: FeatureModel, images: tf.Tensor, range: '[0,1]' | '[-1,1]' = '[0,1]', batchSize = 256): Float32Array {
  return predictRows(fm, fm.extractor, fm.dims, images, range, batchSize);
}

/** Number of classes the feature model's classifier predicts (its output width). */
export function classifierClasses(fm: FeatureModel): number {
  const shape = fm.classifier.outputs[0].shape;
  return shape[shape.length - 1] as number;
}

/** The classifier's predicted class (argmax) of each image; images as for extractFeatures. */
export function predictClasses(fm: FeatureModel, images: tf.Tensor, range: '[0,1]' | '[-1,1]' = '[0,1]', batchSize = 256): Int32Array {
  const k = classifierClasses(fm);
  const scores = predictRows(fm, fm.classifier, k, images, range, batchSize);
  const out = new Int32Array(images.shape[0]);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** What the saved model is and the command that reproduces it (defaults: the MNIST LeNet's). */
export interface ClassifierDescription {
  what?: string;
  command?: string;
}

export async function saveFeatureClassifier(
  trained: TrainedClassifier,
  modelJson = defaultFeatureModelPath(),
  about: ClassifierDescription = {},
): Promise<void> {
  await saveModel(trained.model, path.dirname(modelJson), {
    what: about.what ?? 'LeNet-5-style MNIST classifier for FID features (layer "features", 84 units)',
    trainedOn: trained.trainedOn,
    command: about.command ?? `privlab fid train-classifier --epochs ${trained.epochs} --seed ${trained.seed}`,
    testAccuracy: trained.testAccuracy,
    epochs: trained.epochs,
    tfjs: tf.version.tfjs,
    backend: tf.getBackend(),
  });
}
