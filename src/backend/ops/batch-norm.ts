/**
 * batchNorm(x, gamma, beta): per-channel normalisation of an NHWC tensor over batch, height
 * and width with the batch's own statistics (biased variance, as PyTorch's BatchNorm2d in
 * training mode), then scale and shift — with a gradient of its own.
 *
 * tfjs's autodiff of moments() + arithmetic records about ten kernels forward and more than
 * twenty backward, each a full pass over the activation. The closed-form gradient
 *   dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂)),  dγ = Σ dy·x̂,  dβ = Σ dy
 * needs only x, the channel means and σ⁻¹; on the native backend forward and backward are one
 * kernel each (PrivlabBatchNorm, PrivlabBatchNormGrad), elsewhere they are standard ops.
 */
import * as tf from '@tensorflow/tfjs';
import { PrivlabBatchNorm, PrivlabBatchNormGrad } from '../kernel-names';

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** y, channel means and 1/sqrt(var + ε), with standard ops. */
function forwardOps(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const y = tf.add(tf.mul(tf.mul(tf.sub(x, mean), invStd), gamma), beta) as tf.Tensor4D;
    return [y, mean as tf.Tensor1D, invStd as tf.Tensor1D];
  });
}

function backwardOps(dy: tf.Tensor4D, x: tf.Tensor4D, mean: tf.Tensor1D, invStd: tf.Tensor1D, gamma: tf.Tensor1D): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const xhat = tf.mul(tf.sub(x, mean), invStd);
    const dbeta = tf.sum(dy, [0, 1, 2]) as tf.Tensor1D;
    const dgamma = tf.sum(tf.mul(dy, xhat), [0, 1, 2]) as tf.Tensor1D;
    const m = x.size / x.shape[3];
    const centred = tf.sub(tf.sub(dy, tf.div(dbeta, m)), tf.mul(xhat, tf.div(dgamma, m)));
    const dx = tf.mul(centred, tf.mul(gamma, invStd)) as tf.Tensor4D;
    return [dx, dgamma, dbeta];
  });
}

function checkShapes(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): void {
  if (x.rank !== 4) throw new RangeError(`batchNorm takes an NHWC tensor, got shape [${x.shape}]`);
  const c = x.shape[3];
  if (gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== c || beta.shape[0] !== c) {
    throw new RangeError(`batchNorm: gamma [${gamma.shape}] and beta [${beta.shape}] must be [${c}] for x [${x.shape}]`);
  }
  if (x.size === 0) throw new RangeError(`batchNorm of an empty tensor [${x.shape}]`);
}

/** Batch-normalise x [n, h, w, c] with scale gamma [c] and shift beta [c]. */
export function batchNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = 1e-5): tf.Tensor4D {
  checkShapes(x, gamma, beta);
  if (!(epsilon > 0)) throw new RangeError(`batchNorm epsilon must be positive, got ${epsilon}`);
  const native = hasKernel(PrivlabBatchNorm) && x.dtype === 'float32';
  const f = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, invStd] = native
      ? (tf.engine().runKernel(PrivlabBatchNorm, { x: xi, gamma: g, beta: b }, { epsilon }) as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D])
      : forwardOps(xi as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, epsilon);
    save([xi, mean, invStd, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sm, ss, sg] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        if (hasKernel(PrivlabBatchNormGrad) && dy.dtype === 'float32') {
          return tf.engine().runKernel(PrivlabBatchNormGrad, { dy, x: sx, mean: sm, invStd: ss, gamma: sg }, {}) as tf.Tensor[];
        }
        return backwardOps(dy as tf.Tensor4D, sx, sm, ss, sg);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, gamma, beta) as tf.Tensor4D;
}

/** The same function written with moments() and tfjs's autodiff: the reference the tests check against. */
export function batchNormReference(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = 1e-5): tf.Tensor4D {
  checkShapes(x, gamma, beta);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta) as tf.Tensor4D;
  });
}
