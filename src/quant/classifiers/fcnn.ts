/**
 * The MNIST fully connected classifier of the Zama FCNN experiment (784 → h1 → h2 → 10,
 * ReLU; an Mlp of src/nn), trained with quantization-aware training (qat-training.ts):
 * 2-bit post-training quantization of a float MLP loses most of its accuracy (measured
 * here: 93 % float → 20 % at 2 bits), so the network learns with its quantizers in the
 * loop — the input, every kernel (symmetric, one scale per output neuron) and every
 * layer's output. The export is the integer model the forward pass simulates.
 */
import { Mlp } from '../../nn';
import { SeededRng } from '../../util/rng';
import { QatTransform } from '../qat';
import { ClassifierTrainOptions, TrainedClassifier, classifierQatConfig, trainQuantizedClassifier } from './qat-training';

export { classificationAccuracy, pixels01 } from './qat-training';

export interface FcnnTrainOptions extends ClassifierTrainOptions {
  /** Hidden widths (3 dense layers: 784 → h1 → h2 → 10). Default [92, 92]. */
  hidden?: number[];
}

export type TrainedFcnn = TrainedClassifier;

export async function trainFcnn(o: FcnnTrainOptions): Promise<TrainedFcnn> {
  const hidden = o.hidden ?? [92, 92];
  const rng = new SeededRng(o.seed ?? 0);
  const mlp = new Mlp(
    { sizes: [o.train.height * o.train.width, ...hidden, o.train.classNames.length], hiddenActivation: 'relu', outputActivation: 'linear' },
    rng,
  );
  const config = classifierQatConfig(o, { weightBits: 2, activationBits: 2 });
  const qat = new QatTransform(mlp, config);
  mlp.transform = qat;
  try {
    return await trainQuantizedClassifier(
      o,
      {
        variables: mlp.variables(),
        apply: (x) => mlp.apply(x),
        qat,
        exportModel: () => qat.exportModel({ name: 'mnist-fcnn', hidden }),
      },
      rng,
    );
  } finally {
    qat.dispose();
    mlp.dispose();
  }
}
