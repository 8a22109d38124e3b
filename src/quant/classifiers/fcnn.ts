/**
 * The MNIST fully connected classifier of the Zama FCNN experiment, trained with
 * quantization-aware training (quantized-classifier.ts): 2-bit post-training
 * quantization of a float MLP loses most of its accuracy (measured here: 93 % float →
 * 20 % at 2 bits), so the network learns with its quantizers in the loop — the input,
 * every kernel (symmetric, one scale per output neuron from the current max |w|, as
 * src/quant/ptq.ts quantizes weights) and every layer's output.
 *
 * The export is the same integer model the forward pass simulates, so the clear integer
 * accuracy (quantized-eval) is the QAT accuracy up to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { Mlp } from '../../nn';
import { dense } from '../../backend/ops/dense';
import { fakeQuant, fakeQuantPerChannel } from '../fake-quant';
import { paramsFromRange } from '../quantizer';
import { integerModel, weightParams } from '../ptq';
import { SeededRng } from '../../util/rng';
import { ActivationRanges, ClassifierTrainOptions, QuantizableNet, TrainedClassifier, trainQuantizedClassifier } from './qat-training';

export { classificationAccuracy, pixels01 } from './qat-training';

export interface FcnnTrainOptions extends ClassifierTrainOptions {
  /** Hidden widths (3 dense layers: 784 → h1 → h2 → 10). Default [92, 92]. */
  hidden?: number[];
}

export type TrainedFcnn = TrainedClassifier;

export async function trainFcnn(o: FcnnTrainOptions): Promise<TrainedFcnn> {
  const hidden = o.hidden ?? [92, 92];
  const wBits = o.weightBits ?? 2;
  const aBits = o.activationBits ?? 2;
  const rng = new SeededRng(o.seed ?? 0);
  const classes = o.train.classNames.length;
  const mlp = new Mlp({ sizes: [o.train.height * o.train.width, ...hidden, classes], hiddenActivation: 'relu', outputActivation: 'linear' }, rng);
  const inputQ = paramsFromRange(0, 1, { bits: o.inputBits ?? aBits, signed: false });
  const ranges = new ActivationRanges(mlp.layers.length, aBits, o.outputBits ?? 6, o.rangePercentile ?? 99);
  const net: QuantizableNet = {
    variables: mlp.variables(),
    forward: (x, quantized, observe) => {
      let h = quantized ? (fakeQuant(x, inputQ) as tf.Tensor2D) : x;
      mlp.layers.forEach((l, k) => {
        const [inputs, outputs] = l.kernel.shape as [number, number];
        const w = quantized ? fakeQuantPerChannel(l.kernel as tf.Tensor2D, weightParams(l.kernel.dataSync(), inputs, outputs, wBits)) : (l.kernel as tf.Tensor2D);
        const z = dense(h, w, l.bias as tf.Tensor1D, { activation: l.activation });
        if (observe) ranges.observe(k, z);
        h = quantized ? (fakeQuant(z, ranges.params(k)) as tf.Tensor2D) : z;
      });
      return h;
    },
    exportModel: () => integerModel(
      mlp.layers.map((l) => {
        const [inputs, outputs] = l.kernel.shape as [number, number];
        return { inputs, outputs, kernel: l.kernel.dataSync() as Float32Array, bias: l.bias.dataSync() as Float32Array, activation: l.activation };
      }),
      inputQ, wBits, (k) => ranges.params(k),
      { name: 'mnist-fcnn', method: 'qat', weightBits: wBits, activationBits: aBits, inputBits: o.inputBits ?? aBits, outputBits: o.outputBits ?? 6, hidden },
    ),
    dispose: () => mlp.dispose(),
  };
  try {
    return await trainQuantizedClassifier(o, net, rng);
  } finally {
    net.dispose();
  }
}
