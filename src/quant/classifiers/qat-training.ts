/**
 * Quantization-aware training of a classifier, whatever its layers (an Mlp, a StridedCnn):
 * a few float epochs, then epochs with the quantizers in the loop. The quantizers are
 * src/quant's one QAT (QatTransform: kernels per output channel, activation ranges from an
 * EMA of each batch's percentiles, straight-through gradients), attached to the network's
 * layer transform; the float epochs already observe the ranges, so QAT starts from them.
 * The network's export is the integer model the FHE compiler takes.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/dataset';
import { toTensors } from '../../data/tensors';
import { Adam } from '../../nn';
import { argmax } from '../../nn/classify';
import { QuantizedModel } from '../quantized-model';
import { quantizeInputs, runQuantized } from '../quantized-eval';
import { QatConfig, QatTransform } from '../qat';
import { SeededRng } from '../../util/rng';
import { interruptScope } from '../../util/interrupt';
import { fanInCapMask } from '../../prune/masks';
import { MaskedVariables } from '../../prune/masked-variables';
import { loadQatCheckpoint, QatProgress, saveQatCheckpoint } from './qat-checkpoint';

/**
 * Prune each kernel (the rank ≥ 2 variables, in layer order; a convolution's
 * [k, k, C_in, C_out] seen as [k·k·C_in × C_out]) to its layer's fan-in cap.
 */
export function capFanIns(variables: tf.Variable[], caps: number[], masked: MaskedVariables, progress = 1): void {
  const kernels = variables.filter((v) => v.rank >= 2);
  if (caps.length !== kernels.length) throw new RangeError(`fanInCaps needs one cap per layer (${kernels.length}), got [${caps}]`);
  kernels.forEach((v, l) => {
    const cap = caps[l];
    if (!(Number.isInteger(cap) && cap >= 0)) throw new RangeError(`fan-in cap of layer ${l} must be a non-negative integer, got ${cap}`);
    const cols = v.shape[v.rank - 1];
    const rows = v.size / cols;
    if (cap === 0 || cap >= rows) return;
    // geometric from the full fan-in (progress 0) to the cap (progress 1); already-pruned weights are zero, so the masks only shrink
    const now = Math.max(cap, Math.round(cap * (rows / cap) ** (1 - progress)));
    masked.setMask(v, fanInCapMask(v.dataSync() as Float32Array, rows, cols, 0, now, masked.mask(v)));
  });
}

export interface ClassifierTrainOptions {
  train: ImageDataset;
  test: ImageDataset;
  weightBits?: number;
  activationBits?: number;
  inputBits?: number;
  /** Bits of the logits (the last layer's output). Default 6. */
  outputBits?: number;
  /** Float epochs, then QAT epochs. Defaults 2 and 8. */
  floatEpochs?: number;
  qatEpochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /**
   * Activation ranges follow this percentile of each batch (and its mirror below) rather
   * than the extremes: at 2 bits a few outliers would otherwise set the step for all.
   * Default 99 (FCNN, measured: 92.2 % at 99, 91.0 % at 99.9, 90.3 % with min/max); 100 is min/max.
   */
  rangePercentile?: number;
  /**
   * Largest number of non-zero inputs per neuron, one per layer (0: no cap), as the Zama
   * source prunes to bound each accumulator's bit-width. The float network is pruned to
   * these caps (largest magnitudes kept) when the float epochs end, and the pruned weights
   * stay zero through QAT, so the exported integer model has the same fan-ins.
   */
  fanInCaps?: number[];
  /**
   * Epochs over which the caps tighten, from the full fan-in down to `fanInCaps`
   * geometrically, starting when the float epochs end (default 1: all at once). Pruning a
   * 784-input neuron to ten inputs in one step loses most of what the float epochs learnt.
   */
  pruneEpochs?: number;
  /**
   * 'cosine': the QAT epochs' learning rate falls along a half cosine to a twentieth of
   * `learningRate` (measured on the 2-bit FCNN: at a constant rate the QAT loss rises
   * again after its second epoch). Default 'constant'.
   */
  learningRateSchedule?: 'constant' | 'cosine';
  onEpoch?: (e: { epoch: number; phase: 'float' | 'qat'; loss: number }) => void | Promise<void>;
  /** On an interrupt, save the run here (qat-checkpoint.ts) before stopping; the InterruptedError names it. */
  checkpoint?: string;
  /** Continue a run stopped with `checkpoint` (same options): the result is bit-identical to a run never stopped. */
  resume?: string;
}

export interface TrainedClassifier {
  model: QuantizedModel;
  /** Test accuracy of the float network (after the float epochs) and of the integer model. */
  floatAccuracy: number;
  quantizedAccuracy: number;
  /** Test accuracy of the trained network's own quantized forward pass (the export should match it). */
  qatAccuracy: number;
  seconds: number;
}

/** What a network gives the training loop: its variables, a forward pass through its transform, the QAT attached, the export. */
export interface QuantizableNet {
  variables: tf.Variable[];
  /** Logits [batch × classes] of pixels [batch × features] in [0, 1], through `qat`. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  qat: QatTransform;
  /** The integer model as trained. */
  exportModel(): QuantizedModel;
}

/** The QAT configuration of a classifier: pixels in [0, 1] at the input, `outputBits` logits. */
export function classifierQatConfig(o: ClassifierTrainOptions, defaults: { weightBits: number; activationBits: number }): QatConfig {
  const activationBits = o.activationBits ?? defaults.activationBits;
  return {
    weightBits: o.weightBits ?? defaults.weightBits,
    activationBits,
    inputBits: o.inputBits ?? activationBits,
    outputBits: o.outputBits ?? 6,
    inputRange: { min: 0, max: 1 },
    activationPercentile: o.rangePercentile ?? 99,
  };
}

export function classificationAccuracy(scores: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  const pred = argmax(scores, classes);
  let ok = 0;
  for (let s = 0; s < pred.length; s++) if (pred[s] === labels[s]) ok++;
  return ok / pred.length;
}

/** Pixels in [0, 1], [count × 784], as the classifiers take them. */
export function pixels01(ds: ImageDataset): Float32Array {
  return Float32Array.from(ds.images, (v) => v / 255);
}

export async function trainQuantizedClassifier(o: ClassifierTrainOptions, net: QuantizableNet, rng: SeededRng): Promise<TrainedClassifier> {
  const t0 = Date.now();
  const batch = o.batchSize ?? 64;
  const classes = o.train.classNames.length;
  const opt = new Adam(net.variables, { learningRate: o.learningRate ?? 1e-3, beta1: 0.9, beta2: 0.999 });
  const tr = toTensors(o.train, { range: '[0,1]' });
  const floatEpochs = o.floatEpochs ?? 2;
  const total = floatEpochs + (o.qatEpochs ?? 8);
  let floatAccuracy = NaN;
  const masked = new MaskedVariables();
  const pruneEpochs = o.pruneEpochs ?? 1;
  if (!(Number.isInteger(pruneEpochs) && pruneEpochs >= 1)) throw new RangeError(`pruneEpochs must be a positive integer, got ${pruneEpochs}`);
  const baseRate = opt.hyper.learningRate;
  // What a resumed run must share with the stopped one (the network itself is checked by its tensors' shapes).
  const settings = {
    train: `${o.train.name} (${o.train.count})`,
    seed: o.seed ?? 0,
    batch,
    floatEpochs,
    qatEpochs: total - floatEpochs,
    learningRate: baseRate,
    schedule: o.learningRateSchedule ?? 'constant',
    fanInCaps: o.fanInCaps ?? null,
    pruneEpochs,
    qat: net.qat.config,
  };
  const state = { variables: net.variables, qat: net.qat, opt, masked };
  let resumed: QatProgress | undefined;
  try {
    resumed = o.resume ? loadQatCheckpoint(o.resume, state, settings) : undefined;
  } catch (e) {
    masked.dispose();
    tf.dispose([tr.x, tr.y, tr.yOneHot]);
    opt.dispose();
    throw e;
  }
  if (resumed) {
    rng.setState(resumed.epochRng);
    floatAccuracy = resumed.floatAccuracy ?? NaN;
  } else if (o.fanInCaps && floatEpochs === 0) capFanIns(net.variables, o.fanInCaps, masked);
  // Ctrl-C / the kernel's interrupt: stop between batches; a half-trained classifier is not returned (with
  // `checkpoint`, the run is saved there first).
  const scope = interruptScope();
  try {
    for (let e = resumed?.epoch ?? 0; e < total; e++) {
      net.qat.quantize = e >= floatEpochs;
      if (o.learningRateSchedule === 'cosine' && e >= floatEpochs) {
        const t = total - floatEpochs > 1 ? (e - floatEpochs) / (total - floatEpochs - 1) : 0;
        opt.hyper.learningRate = baseRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t)));
      }
      net.qat.training = true;
      const epochRng = rng.getState();
      const order = rng.permutation(o.train.count);
      const skip = e === resumed?.epoch ? resumed.batch : 0;
      let lossSum = skip > 0 ? resumed!.lossSum : 0;
      let steps = skip;
      for (let s = skip * batch; s < order.length; s += batch) {
        const idx = tf.tensor1d(Int32Array.from(order.subarray(s, Math.min(order.length, s + batch))), 'int32');
        const loss = tf.tidy(() => {
          const bx = tf.gather(tr.x, idx) as tf.Tensor2D;
          const by = tf.gather(tr.yOneHot, idx);
          const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(by, net.apply(bx)) as tf.Scalar, net.variables);
          opt.apply(grads);
          masked.apply();
          return value.dataSync()[0];
        });
        idx.dispose();
        lossSum += loss;
        steps++;
        if (await scope.pause()) {
          const progress = { epoch: e, batch: steps, lossSum, epochRng, floatAccuracy: Number.isNaN(floatAccuracy) ? null : floatAccuracy };
          if (o.checkpoint) saveQatCheckpoint(o.checkpoint, state, settings, progress);
          scope.throwIfInterrupted(`classifier training (epoch ${e + 1}, batch ${steps}${o.checkpoint ? `; saved to ${o.checkpoint} for resume` : ''})`);
        }
      }
      if (e === floatEpochs - 1 || (floatEpochs === 0 && e === 0)) floatAccuracy = testAccuracy(net, o.test, classes, false);
      const pruneStep = e - (floatEpochs - 1);
      if (o.fanInCaps && pruneStep >= 0 && pruneStep < pruneEpochs) capFanIns(net.variables, o.fanInCaps, masked, (pruneStep + 1) / pruneEpochs);
      await o.onEpoch?.({ epoch: e + 1, phase: net.qat.quantize ? 'qat' : 'float', loss: lossSum / steps });
    }
  } finally {
    scope.dispose();
    masked.dispose();
    tf.dispose([tr.x, tr.y, tr.yOneHot]);
    opt.dispose();
  }
  const qatAccuracy = testAccuracy(net, o.test, classes, true);
  const model = net.exportModel();
  const run = runQuantized(model, quantizeInputs(model, pixels01(o.test)), o.test.count);
  const quantizedAccuracy = classificationAccuracy(run.values, o.test.labels, classes);
  return { model, floatAccuracy, quantizedAccuracy, qatAccuracy, seconds: (Date.now() - t0) / 1000 };
}

/** Test accuracy with the quantizers in or out; ranges are not updated. */
function testAccuracy(net: QuantizableNet, test: ImageDataset, classes: number, quantized: boolean): number {
  const te = toTensors(test, { range: '[0,1]' });
  const { quantize, training } = net.qat;
  net.qat.quantize = quantized;
  net.qat.training = false;
  try {
    const scores = tf.tidy(() => net.apply(te.x as tf.Tensor2D).dataSync() as Float32Array);
    return classificationAccuracy(scores, test.labels, classes);
  } finally {
    net.qat.quantize = quantize;
    net.qat.training = training;
    tf.dispose([te.x, te.y, te.yOneHot]);
  }
}
