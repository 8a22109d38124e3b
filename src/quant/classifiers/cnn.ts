/**
 * The small MNIST CNN for encrypted inference (src/nn/cnn.ts: two 3x3 stride-2
 * convolutions and a dense layer), trained with quantization-aware training
 * (qat-training.ts). Kernels are quantized per output channel, as dense weights are per
 * neuron, so the export — each convolution as its equivalent dense layer
 * (src/quant/conv-as-dense.ts) — is exactly the network the forward pass simulates.
 */
import { StridedCnn } from '../../nn/cnn';
import { SeededRng } from '../../util/rng';
import { FloatDense, integerModel } from '../ptq';
import { QatTransform } from '../qat';
import { convAsDense } from '../conv-as-dense';
import { ConvShape } from '../../nn/cnn';
import { QuantizedDense, QuantizedModel } from '../quantized-model';
import { foldAveragePool, maxPoolLayers } from '../pooling';
import { ClassifierTrainOptions, TrainedClassifier, classifierQatConfig, trainQuantizedClassifier } from './qat-training';

export interface CnnTrainOptions extends ClassifierTrainOptions {
  /** Filters of the two convolutions. Default [6, 12] (92.8 % on the test split at 3 bits; [8, 16]: 92.9 %, a third more PBS). */
  filters?: number[];
  /** Square kernel size (default 3; LeNet: 5). */
  kernelSize?: number;
  /** Stride of each convolution (default 2 for every one). */
  strides?: number[];
  /** Hidden dense widths after the convolutions (default none; LeNet: [120, 84]). */
  dense?: number[];
  /** Pool size after each convolution (0: none; LeNet: [2, 2]) and the kind (default 'avg'). */
  pools?: number[];
  pool?: 'avg' | 'max';
  /** Model name in the export's meta (default "mnist-cnn"). */
  name?: string;
}

/**
 * The integer model (one dense layer per convolution, each reading the pooled map) with
 * its poolings put in: an average pool folded into the layer after it (0 PBS), a max pool
 * as its comparison layers on the convolution's output quantizer (src/quant/pooling.ts).
 * `shapes` are the convolutions' unpooled outputs (after the input), as StridedCnn keeps them.
 */
export function withPooling(model: QuantizedModel, shapes: ConvShape[], pools: number[], pool: 'avg' | 'max'): QuantizedModel {
  const layers: QuantizedDense[] = [];
  model.layers.forEach((layer, l) => {
    const k = l > 0 ? (pools[l - 1] ?? 0) : 0;
    if (k > 1 && pool === 'avg') {
      layers.push(foldAveragePool(shapes[l], k, layer).layer);
      return;
    }
    if (k > 1) layers.push(...maxPoolLayers(shapes[l], k, model.layers[l - 1].output).layers);
    layers.push(layer);
  });
  return { ...model, layers };
}

export async function trainCnn(o: CnnTrainOptions): Promise<TrainedClassifier> {
  const filters = o.filters ?? [6, 12];
  if (filters.length < 1 || !filters.every((f) => Number.isInteger(f) && f > 0)) throw new RangeError(`filters must be positive integers, got [${filters}]`);
  const rng = new SeededRng(o.seed ?? 0);
  const classes = o.train.classNames.length;
  const cnn = new StridedCnn(
    {
      input: { height: o.train.height, width: o.train.width, channels: 1 },
      filters,
      classes,
      kernelSize: o.kernelSize,
      strides: o.strides,
      dense: o.dense,
      pools: o.pools,
      pool: o.pool,
    },
    rng,
  );
  const config = classifierQatConfig(o, { weightBits: 3, activationBits: 3 });
  const qat = new QatTransform(cnn, config);
  cnn.transform = qat;
  const { kernelSize: k, strides, pools, pool } = cnn.config;
  const exportModel = () => {
    const convs = cnn.layers.slice(0, cnn.convolutions);
    const floatLayers: FloatDense[] = convs.map(
      (c, i) =>
        convAsDense(cnn.convInput(i), {
          kernel: c.kernel.dataSync() as Float32Array,
          kernelHeight: k,
          kernelWidth: k,
          outChannels: filters[i],
          bias: c.bias.dataSync() as Float32Array,
          stride: strides[i],
          activation: 'relu',
        }).layer,
    );
    for (const d of cnn.layers.slice(cnn.convolutions)) {
      const [inputs, outputs] = d.kernel.shape;
      floatLayers.push({ inputs, outputs, kernel: d.kernel.dataSync() as Float32Array, bias: d.bias.dataSync() as Float32Array, activation: d.activation });
    }
    const dense = [...cnn.config.dense, classes];
    const model = integerModel(floatLayers, qat.params(-1), config.weightBits, (l) => qat.params(l), {
      name: o.name ?? 'mnist-cnn',
      method: 'qat',
      architecture: [
        ...filters.map((f, i) => `conv${k}x${k}/${strides[i]}(${f})${pools[i] > 1 ? ` → ${pool}pool${pools[i]}x${pools[i]}` : ''}`),
        ...dense.map((d) => `dense(${d})`),
      ].join(' → '),
      weightBits: config.weightBits,
      activationBits: config.activationBits,
      inputBits: config.inputBits,
      outputBits: config.outputBits,
      filters,
      ...(pools.some((p) => p > 1) ? { pools, pool } : {}),
    });
    return withPooling(model, cnn.shapes, pools, pool);
  };
  try {
    return await trainQuantizedClassifier(o, { variables: cnn.variables(), apply: (x) => cnn.apply(x), qat, exportModel }, rng);
  } finally {
    qat.dispose();
    cnn.dispose();
  }
}
