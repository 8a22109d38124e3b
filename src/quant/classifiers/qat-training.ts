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
  onEpoch?: (e: { epoch: number; phase: 'float' | 'qat'; loss: number }) => void | Promise<void>;
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
  // Ctrl-C / the kernel's interrupt: stop between batches; a half-trained classifier is not returned.
  const scope = interruptScope();
  try {
    for (let e = 0; e < total; e++) {
      net.qat.quantize = e >= floatEpochs;
      net.qat.training = true;
      const order = rng.permutation(o.train.count);
      let lossSum = 0;
      let steps = 0;
      for (let s = 0; s < order.length; s += batch) {
        const idx = tf.tensor1d(Int32Array.from(order.subarray(s, Math.min(order.length, s + batch))), 'int32');
        const loss = tf.tidy(() => {
          const bx = tf.gather(tr.x, idx) as tf.Tensor2D;
          const by = tf.gather(tr.yOneHot, idx);
          const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(by, net.apply(bx)) as tf.Scalar, net.variables);
          opt.apply(grads);
          return value.dataSync()[0];
        });
        idx.dispose();
        lossSum += loss;
        steps++;
        if (await scope.pause()) scope.throwIfInterrupted(`classifier training (epoch ${e + 1}, batch ${steps})`);
      }
      if (e === floatEpochs - 1 || (floatEpochs === 0 && e === 0)) floatAccuracy = testAccuracy(net, o.test, classes, false);
      await o.onEpoch?.({ epoch: e + 1, phase: net.qat.quantize ? 'qat' : 'float', loss: lossSum / steps });
    }
  } finally {
    scope.dispose();
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
