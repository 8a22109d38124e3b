/**
 * Quantization-aware training of an MNIST classifier, whatever its layers: a few float
 * epochs, then epochs with the quantizers in the loop (straight-through gradients,
 * src/quant/fake-quant.ts), activation ranges from an EMA of each batch's percentiles.
 * The network (fcnn-train.ts, cnn-train.ts) supplies its variables, a forward pass with
 * and without quantizers, and the export to the integer model the FHE compiler takes.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/dataset';
import { toTensors } from '../../data/tensors';
import { Adam } from '../../nn';
import { QuantParams, paramsFromRange } from '../quantizer';
import { QuantizedModel } from '../quantized-model';
import { quantizeInputs, runQuantized } from '../quantized-eval';
import { SeededRng } from '../../util/rng';
import { argmax } from '../../fhe/tfhe/run/model';

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

/** What a network gives the training loop. */
export interface QuantizableNet {
  variables: tf.Variable[];
  /** Logits [batch × classes] of pixels [batch × 784] in [0, 1]; `quantized` puts the quantizers in, `observe` updates the ranges. */
  forward(x: tf.Tensor2D, quantized: boolean, observe: boolean): tf.Tensor2D;
  /** The integer model as trained. */
  exportModel(): QuantizedModel;
  dispose(): void;
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

/** The p-th percentile of a batch's values and its mirror, via top-k on both sides. */
function observedRange(z: tf.Tensor, percentile: number): [number, number] {
  return tf.tidy(() => {
    const flat = z.reshape([-1]) as tf.Tensor1D;
    const k = Math.max(1, Math.ceil(((100 - percentile) / 100) * flat.size));
    const hi = tf.topk(flat, k).values.min();
    const lo = tf.topk(flat.neg(), k).values.min().neg();
    return Array.from(tf.stack([lo, hi]).dataSync()) as [number, number];
  });
}

/** Per-layer activation ranges (EMA of batch percentiles) and the quantizers they give. */
export class ActivationRanges {
  private ranges: Array<{ min: number; max: number } | undefined>;

  constructor(readonly layers: number, readonly activationBits: number, readonly outputBits: number, readonly percentile: number) {
    this.ranges = new Array(layers).fill(undefined);
  }

  observe(k: number, z: tf.Tensor): void {
    const [mn, mx] = observedRange(z, this.percentile);
    const prev = this.ranges[k];
    this.ranges[k] = prev ? { min: 0.99 * prev.min + 0.01 * mn, max: 0.99 * prev.max + 0.01 * mx } : { min: mn, max: mx };
  }

  params(k: number): QuantParams {
    const r = this.ranges[k];
    if (!r) throw new Error(`no range observed for layer ${k}`);
    return paramsFromRange(r.min, r.max, { bits: k === this.layers - 1 ? this.outputBits : this.activationBits, signed: r.min < 0 });
  }
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
  try {
    for (let e = 0; e < total; e++) {
      const quantized = e >= floatEpochs;
      const order = rng.permutation(o.train.count);
      let lossSum = 0;
      let steps = 0;
      for (let s = 0; s < order.length; s += batch) {
        const idx = tf.tensor1d(Int32Array.from(order.subarray(s, Math.min(order.length, s + batch))), 'int32');
        const loss = tf.tidy(() => {
          const bx = tf.gather(tr.x, idx) as tf.Tensor2D;
          const by = tf.gather(tr.yOneHot, idx);
          // ranges are observed in the float epochs too, so QAT starts from them
          const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(by, net.forward(bx, quantized, true)) as tf.Scalar, net.variables);
          opt.apply(grads);
          return value.dataSync()[0];
        });
        idx.dispose();
        lossSum += loss;
        steps++;
      }
      if (e === floatEpochs - 1 || (floatEpochs === 0 && e === 0)) floatAccuracy = testAccuracy(net, o.test, classes, false);
      await o.onEpoch?.({ epoch: e + 1, phase: quantized ? 'qat' : 'float', loss: lossSum / steps });
    }
  } finally {
    tf.dispose([tr.x, tr.y, tr.yOneHot]);
    opt.dispose();
  }
  const qatAccuracy = testAccuracy(net, o.test, classes, true);
  const model = net.exportModel();
  const run = runQuantized(model, quantizeInputs(model, pixels01(o.test)), o.test.count);
  const quantizedAccuracy = classificationAccuracy(run.values, o.test.labels, classes);
  return { model, floatAccuracy, quantizedAccuracy, qatAccuracy, seconds: (Date.now() - t0) / 1000 };
}

function testAccuracy(net: QuantizableNet, test: ImageDataset, classes: number, quantized: boolean): number {
  const te = toTensors(test, { range: '[0,1]' });
  const scores = tf.tidy(() => net.forward(te.x as tf.Tensor2D, quantized, false).dataSync() as Float32Array);
  tf.dispose([te.x, te.y, te.yOneHot]);
  return classificationAccuracy(scores, test.labels, classes);
}
