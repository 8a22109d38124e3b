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
   * Epochs trained before the caps start tightening (default: the float epochs). Below
   * `floatEpochs`, the network is pruned while still in float and the quantizers come in
   * only once it has settled on its few inputs per neuron. The float accuracy reported, and
   * the distillation teacher, are the dense network's at this point.
   */
  pruneStart?: number;
  /**
   * 'cosine': the QAT epochs' learning rate falls along a half cosine to a twentieth of
   * `learningRate` (measured on the 2-bit FCNN: at a constant rate the QAT loss rises
   * again after its second epoch). Default 'constant'.
   */
  learningRateSchedule?: 'constant' | 'cosine';
  /**
   * Knowledge distillation in the QAT epochs (Hinton et al. 2015): the loss is
   * (1 − weight)·CE(labels, z) + weight·T²·CE(softmax(t/T), z/T), where t are the teacher's
   * logits of each training digit — by default the network's own float logits when the float
   * epochs end (before pruning and quantization), so the 2-bit, pruned network learns the
   * float network's soft classes and not only the labels. Default: none (labels only).
   */
  distill?: DistillOptions;
  /** After each epoch: its number (from 1), phase, mean training loss and the learning rate it trained at. */
  onEpoch?: (e: { epoch: number; phase: 'float' | 'qat'; loss: number; learningRate: number }) => void | Promise<void>;
  /** On an interrupt, save the run here (qat-checkpoint.ts) before stopping; the InterruptedError names it. */
  checkpoint?: string;
  /** Continue a run stopped with `checkpoint` (same options): the result is bit-identical to a run never stopped. */
  resume?: string;
}

export interface DistillOptions {
  /** Share of the soft-target loss, in (0, 1]. */
  weight: number;
  /** Softmax temperature T ≥ 1 (default 4). */
  temperature?: number;
  /** Teacher logits [train.count × classes]; default the network's float logits after the float epochs. */
  teacher?: Float32Array;
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
  const floatEpochs = o.floatEpochs ?? 2;
  const total = floatEpochs + (o.qatEpochs ?? 8);
  const pruneEpochs = o.pruneEpochs ?? 1;
  if (!(Number.isInteger(pruneEpochs) && pruneEpochs >= 1)) throw new RangeError(`pruneEpochs must be a positive integer, got ${pruneEpochs}`);
  const pruneStart = o.pruneStart ?? floatEpochs;
  if (!(Number.isInteger(pruneStart) && pruneStart >= 0 && pruneStart <= floatEpochs))
    throw new RangeError(`pruneStart must be an integer from 0 to floatEpochs (${floatEpochs}), got ${pruneStart}`);
  const distill = o.distill && checkDistill(o.distill, o.train.count * classes);
  if (distill && !distill.teacher && pruneStart === 0)
    throw new RangeError('distill without a teacher needs dense float epochs (the teacher is the float network)');
  const opt = new Adam(net.variables, { learningRate: o.learningRate ?? 1e-3, beta1: 0.9, beta2: 0.999 });
  const tr = toTensors(o.train, { range: '[0,1]' });
  let floatAccuracy = NaN;
  const masked = new MaskedVariables();
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
    pruneStart,
    distill: distill ? { weight: distill.weight, temperature: distill.temperature, teacher: Boolean(distill.teacher) } : null,
    qat: net.qat.config,
  };
  const state = { variables: net.variables, qat: net.qat, opt, masked };
  let resumed: QatProgress | undefined;
  try {
    resumed = o.resume ? loadQatCheckpoint(o.resume, state, settings) : undefined;
    // Distillation from the network itself takes its soft targets at the end of the dense float epochs; a
    // checkpoint does not hold them, so such a run resumes only before that point.
    if (resumed && distill && !distill.teacher && resumed.epoch >= pruneStart)
      throw new RangeError(
        `cannot resume a run distilled from its own float network past epoch ${pruneStart} (the checkpoint is at epoch ${resumed.epoch + 1}): pass the teacher's logits as distill.teacher, or start again`,
      );
  } catch (e) {
    masked.dispose();
    tf.dispose([tr.x, tr.y, tr.yOneHot]);
    opt.dispose();
    throw e;
  }
  if (resumed) {
    rng.setState(resumed.epochRng);
    floatAccuracy = resumed.floatAccuracy ?? NaN;
  } else if (o.fanInCaps && pruneStart === 0) capFanIns(net.variables, o.fanInCaps, masked);
  let soft: tf.Tensor2D | undefined = distill?.teacher && softTargets(distill.teacher, classes, distill.temperature);
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
          const st = soft ? (tf.gather(soft, idx) as tf.Tensor2D) : undefined;
          const { value, grads } = tf.variableGrads(() => {
            const z = net.apply(bx);
            const hard = tf.losses.softmaxCrossEntropy(by, z) as tf.Scalar;
            if (!st || !distill) return hard;
            const t = distill.temperature;
            const softLoss = tf.losses.softmaxCrossEntropy(st, z.div(t)).mul(t * t);
            return hard.mul(1 - distill.weight).add(softLoss.mul(distill.weight)) as tf.Scalar;
          }, net.variables);
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
      if (e === pruneStart - 1 || (pruneStart === 0 && e === 0)) floatAccuracy = testAccuracy(net, o.test, classes, false);
      // the teacher is the float network as it stands before the caps and quantizers bite
      if (distill && !soft && e === pruneStart - 1) soft = softTargets(logitsOf(net, tr.x as tf.Tensor2D), classes, distill.temperature);
      const pruneStep = e - (pruneStart - 1);
      if (o.fanInCaps && pruneStep >= 0 && pruneStep < pruneEpochs) capFanIns(net.variables, o.fanInCaps, masked, (pruneStep + 1) / pruneEpochs);
      await o.onEpoch?.({ epoch: e + 1, phase: net.qat.quantize ? 'qat' : 'float', loss: lossSum / steps, learningRate: opt.hyper.learningRate });
    }
  } finally {
    scope.dispose();
    masked.dispose();
    tf.dispose([tr.x, tr.y, tr.yOneHot]);
    soft?.dispose();
    opt.dispose();
  }
  const qatAccuracy = testAccuracy(net, o.test, classes, true);
  const model = net.exportModel();
  const run = runQuantized(model, quantizeInputs(model, pixels01(o.test)), o.test.count);
  const quantizedAccuracy = classificationAccuracy(run.values, o.test.labels, classes);
  return { model, floatAccuracy, quantizedAccuracy, qatAccuracy, seconds: (Date.now() - t0) / 1000 };
}

function checkDistill(d: DistillOptions, teacherSize: number): Required<Omit<DistillOptions, 'teacher'>> & Pick<DistillOptions, 'teacher'> {
  if (!(d.weight > 0 && d.weight <= 1)) throw new RangeError(`distill.weight must be in (0, 1], got ${d.weight}`);
  const temperature = d.temperature ?? 4;
  if (!(temperature >= 1)) throw new RangeError(`distill.temperature must be ≥ 1, got ${temperature}`);
  if (d.teacher && d.teacher.length !== teacherSize)
    throw new RangeError(`distill.teacher needs ${teacherSize} logits (train digits × classes), got ${d.teacher.length}`);
  return { weight: d.weight, temperature, teacher: d.teacher };
}

/** softmax(t / T) of logits [count × classes]: the soft targets. */
function softTargets(logits: Float32Array, classes: number, temperature: number): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(tf.tensor2d(logits, [logits.length / classes, classes]).div(temperature)) as tf.Tensor2D);
}

/** The network's logits of x in its current mode, in batches (ranges are not updated). */
function logitsOf(net: QuantizableNet, x: tf.Tensor2D, batch = 2048): Float32Array {
  const { training } = net.qat;
  net.qat.training = false;
  try {
    const parts: Float32Array[] = [];
    for (let s = 0; s < x.shape[0]; s += batch) {
      parts.push(tf.tidy(() => net.apply(x.slice([s, 0], [Math.min(batch, x.shape[0] - s), x.shape[1]])).dataSync() as Float32Array));
    }
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  } finally {
    net.qat.training = training;
  }
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
