/**
 * A small MNIST CNN for encrypted inference, trained with quantization-aware training
 * (quantized-classifier.ts): two 3x3 convolutions with stride 2 (valid padding, ReLU)
 * and a dense layer to the logits. Strided convolutions instead of pooling, because in
 * FHE a max-pool costs extra bootstrapped comparisons while a strided convolution is
 * one linear combination and one table per output. Kernels are quantized per output
 * channel, as src/quant/ptq.ts quantizes dense weights per neuron, so the export — each
 * convolution as its equivalent dense layer (src/quant/conv-as-dense.ts) — is exactly
 * the network the forward pass simulates.
 */
import * as tf from '@tensorflow/tfjs';
import { fakeQuant, fakeQuantPerChannel } from '../fake-quant';
import { paramsFromRange } from '../quantizer';
import { FloatDense, integerModel, weightParams } from '../ptq';
import { ConvShape, convAsDense, convOutputShape } from '../conv-as-dense';
import { fillUniform } from '../../nn/random';
import { SeededRng } from '../../util/rng';
import { ActivationRanges, ClassifierTrainOptions, QuantizableNet, TrainedClassifier, trainQuantizedClassifier } from './qat-training';

export interface CnnTrainOptions extends ClassifierTrainOptions {
  /** Filters of the two convolutions. Default [6, 12] (92.8 % on the test split at 3 bits; [8, 16]: 92.9 %, a third more PBS). */
  filters?: number[];
}

const KERNEL = 3;
const STRIDE = 2;

/** A variable ~ U(±1/√fan_in) (PyTorch's default initialisation) from `rng`. */
function uniformVariable(rng: SeededRng, shape: number[], fanIn: number): tf.Variable {
  const b = 1 / Math.sqrt(fanIn);
  const n = shape.reduce((a, d) => a * d, 1);
  return tf.variable(tf.tensor(fillUniform(rng, new Float32Array(n), -b, b), shape));
}

export async function trainCnn(o: CnnTrainOptions): Promise<TrainedClassifier> {
  const filters = o.filters ?? [6, 12];
  if (filters.length !== 2 || !filters.every((f) => Number.isInteger(f) && f > 0)) throw new RangeError(`filters must be two positive integers, got [${filters}]`);
  const wBits = o.weightBits ?? 3;
  const aBits = o.activationBits ?? 3;
  const rng = new SeededRng(o.seed ?? 0);
  const classes = o.train.classNames.length;
  const shapes: ConvShape[] = [{ height: o.train.height, width: o.train.width, channels: 1 }];
  const convs = filters.map((f, k) => {
    const cin = shapes[k].channels;
    shapes.push(convOutputShape(shapes[k], { kernelHeight: KERNEL, kernelWidth: KERNEL, outChannels: f, stride: STRIDE }));
    return { kernel: uniformVariable(rng, [KERNEL, KERNEL, cin, f], KERNEL * KERNEL * cin), bias: uniformVariable(rng, [f], KERNEL * KERNEL * cin) };
  });
  const last = shapes[shapes.length - 1];
  const flat = last.height * last.width * last.channels;
  const head = { kernel: uniformVariable(rng, [flat, classes], flat), bias: uniformVariable(rng, [classes], flat) };
  const inputQ = paramsFromRange(0, 1, { bits: o.inputBits ?? aBits, signed: false });
  const ranges = new ActivationRanges(convs.length + 1, aBits, o.outputBits ?? 6, o.rangePercentile ?? 99);

  // Per-output-channel fake quantization of a [k × k × C_in × C_out] kernel, viewed as [k·k·C_in × C_out].
  const quantKernel = (w: tf.Variable): tf.Tensor => {
    const [kh, kw, cin, cout] = w.shape;
    const w2 = w.reshape([kh * kw * cin, cout]) as tf.Tensor2D;
    return fakeQuantPerChannel(w2, weightParams(w.dataSync(), kh * kw * cin, cout, wBits)).reshape(w.shape);
  };
  const net: QuantizableNet = {
    variables: [...convs.flatMap((c) => [c.kernel, c.bias]), head.kernel, head.bias],
    forward: (x, quantized, observe) => {
      let h: tf.Tensor = (quantized ? fakeQuant(x, inputQ) : x).reshape([-1, shapes[0].height, shapes[0].width, 1]);
      convs.forEach((c, k) => {
        const w = quantized ? quantKernel(c.kernel) : c.kernel;
        const z = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, w as tf.Tensor4D, STRIDE, 'valid'), c.bias));
        if (observe) ranges.observe(k, z);
        h = quantized ? fakeQuant(z, ranges.params(k)) : z;
      });
      const h2 = h.reshape([-1, flat]) as tf.Tensor2D;
      const w = quantized ? fakeQuantPerChannel(head.kernel as tf.Tensor2D, weightParams(head.kernel.dataSync(), flat, classes, wBits)) : head.kernel;
      const z = tf.add(tf.matMul(h2, w as tf.Tensor2D), head.bias) as tf.Tensor2D;
      if (observe) ranges.observe(convs.length, z);
      return quantized ? (fakeQuant(z, ranges.params(convs.length)) as tf.Tensor2D) : z;
    },
    exportModel: () => {
      const floatLayers: FloatDense[] = convs.map((c, k) => convAsDense(shapes[k], {
        kernel: c.kernel.dataSync() as Float32Array, kernelHeight: KERNEL, kernelWidth: KERNEL, outChannels: filters[k],
        bias: c.bias.dataSync() as Float32Array, stride: STRIDE, activation: 'relu',
      }).layer);
      floatLayers.push({ inputs: flat, outputs: classes, kernel: head.kernel.dataSync() as Float32Array, bias: head.bias.dataSync() as Float32Array, activation: 'linear' });
      return integerModel(floatLayers, inputQ, wBits, (k) => ranges.params(k), {
        name: 'mnist-cnn', method: 'qat', architecture: `conv3x3/2(${filters[0]}) → conv3x3/2(${filters[1]}) → dense(${classes})`,
        weightBits: wBits, activationBits: aBits, inputBits: o.inputBits ?? aBits, outputBits: o.outputBits ?? 6, filters,
      });
    },
    dispose: () => tf.dispose(net.variables),
  };
  try {
    return await trainQuantizedClassifier(o, net, rng);
  } finally {
    net.dispose();
  }
}
