/**
 * The first federated task: an MLP digit classifier (784 → 100 → 10, ReLU) on MNIST-style
 * 28x28 images, trained with softmax cross-entropy. Small enough that a three-site job
 * converges in seconds. Its linear sibling `logreg-mnist` (784 → 10, no hidden layer:
 * multinomial logistic regression) is the federated model that src/models/federated.ts
 * deploys to FHE as a LogisticRegression.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../data/dataset';
import { Mlp } from '../../nn/mlp';
import { epochBatches, Batch } from '../../nn/batches';
import { SeededRng } from '../../util/rng';
import { FlTask, TaskModel } from './task';
import { trainSteps } from './local-training';

export const MLP_MNIST_SIZES = [784, 100, 10];
/** logreg-mnist: one dense layer, softmax over its 10 outputs. */
export const LOGREG_MNIST_SIZES = [784, 10];

function mlpModel(sizes: number[], seed: number): TaskModel & { mlp: Mlp } {
  const mlp = new Mlp({ sizes, hiddenActivation: 'relu', outputActivation: 'linear' }, new SeededRng(seed));
  return { mlp, variables: mlp.variables(), names: mlp.variableNames(), dispose: () => mlp.dispose() };
}

/** The Mlp of a model made by mlp-mnist (e.g. to read a trained classifier's outputs). */
export function asMlp(model: TaskModel): Mlp {
  const mlp = (model as { mlp?: Mlp }).mlp;
  if (!(mlp instanceof Mlp)) throw new TypeError('mlp-mnist: the model was not made by this task');
  return mlp;
}

function checkImages(name: string, data: ImageDataset): void {
  if (data.height * data.width !== 784 || data.classNames.length !== 10) {
    throw new RangeError(`${name} takes 28x28 images of 10 classes, got ${data.height}x${data.width} of ${data.classNames.length} (${data.name})`);
  }
}

/** Mean softmax cross-entropy of logits against class labels. */
function crossEntropy(logits: tf.Tensor2D, labels: Uint8Array): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 10);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** A digit classifier of the given layer sizes (784 → … → 10), softmax cross-entropy. */
function mlpTask(name: string, description: string, sizes: number[]): FlTask {
  return {
    name,
    description,
    createModel: (seed) => mlpModel(sizes, seed),
    trainLocal(model, data, config, seed, dp) {
      checkImages(name, data);
      const mlp = asMlp(model);
      return trainSteps(model, data, config, seed, (b: Batch) => crossEntropy(mlp.apply(b.images), b.labels), dp);
    },
    evaluate(model, data) {
      checkImages(name, data);
      const mlp = asMlp(model);
      let loss = 0;
      let correct = 0;
      // Order does not matter for the totals; the seed only fixes the batching.
      for (const b of epochBatches(data, 1000, new SeededRng(0))) {
        const [l, pred] = tf.tidy(() => {
          const logits = mlp.apply(b.images);
          return [crossEntropy(logits, b.labels).dataSync()[0] * b.labels.length, logits.argMax(1).dataSync()];
        });
        b.images.dispose();
        loss += l as number;
        (pred as Int32Array).forEach((p, i) => (correct += p === b.labels[i] ? 1 : 0));
      }
      return { loss: loss / data.count, accuracy: correct / data.count };
    },
  };
}

export const mlpMnist: FlTask = mlpTask('mlp-mnist', 'MLP 784-100-10 (ReLU) digit classifier, softmax cross-entropy', MLP_MNIST_SIZES);

/** Multinomial logistic regression on the pixels (pixel/127.5 − 1): a linear model FHE runs levelled. */
export const logregMnist: FlTask = mlpTask(
  'logreg-mnist',
  'linear 784-10 digit classifier (multinomial logistic regression), softmax cross-entropy',
  LOGREG_MNIST_SIZES,
);
