/**
 * The building blocks both Pix2Pix networks share: named parameter lists of plain tf.Variables
 * (which the federated engine averages by name), the original's initialisation, 4x4
 * convolutions down and up, batch normalisation and seeded dropout.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../util/rng';
import { fillNormal } from '../random';
import { variableFrom } from '../variables';
import { batchNorm } from '../../backend/ops/batch-norm';

/** Variables in a fixed order with stable names ("enc1/kernel", …), the shape Mlp has. */
export class ParamList {
  private readonly vars: tf.Variable[] = [];
  private readonly names: string[] = [];

  add(name: string, values: Float32Array, shape: number[]): tf.Variable {
    if (this.names.includes(name)) throw new Error(`duplicate parameter name ${name}`);
    const v = variableFrom(values, shape);
    this.vars.push(v);
    this.names.push(name);
    return v;
  }

  variables(): tf.Variable[] {
    return [...this.vars];
  }

  variableNames(): string[] {
    return [...this.names];
  }

  parameterCount(): number {
    return this.vars.reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    tf.dispose(this.vars);
  }
}

/** What both networks expose: their parameters, by name, for optimisers, checkpoints and federated averaging. */
export abstract class ParamNetwork {
  readonly params = new ParamList();

  variables(): tf.Variable[] {
    return this.params.variables();
  }

  variableNames(): string[] {
    return this.params.variableNames();
  }

  parameterCount(): number {
    return this.params.parameterCount();
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Pix2Pix's init_weights('normal', 0.02): conv weights N(0, 0.02), biases 0. */
export function convKernel(params: ParamList, rng: SeededRng, name: string, shape: [number, number, number, number]): tf.Variable {
  return params.add(`${name}/kernel`, fillNormal(rng, new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]), 0, 0.02), shape);
}

export function zeroBias(params: ParamList, name: string, channels: number): tf.Variable {
  return params.add(`${name}/bias`, new Float32Array(channels), [channels]);
}

/** Batch-norm scale N(1, 0.02) and shift 0, as the original initialises them. */
export interface NormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
}

export function normParams(params: ParamList, rng: SeededRng, name: string, channels: number): NormParams {
  return {
    gamma: params.add(`${name}/gamma`, fillNormal(rng, new Float32Array(channels), 1, 0.02), [channels]),
    beta: params.add(`${name}/beta`, new Float32Array(channels), [channels]),
  };
}

/** Normalisation of the networks: 'batch' (the original) or 'none' (analysis, e.g. receptive fields). */
export type NormKind = 'batch' | 'none';

/**
 * Batch normalisation with the statistics of the batch at hand — in training AND in
 * inference, as the original Pix2Pix runs it (with batch 1 that is instance normalisation).
 * So the networks keep no running statistics: every bit of state is a trainable variable,
 * which federated averaging can average. ε = 1e-5 as PyTorch's BatchNorm2d.
 */
export function norm(x: tf.Tensor4D, p: NormParams | undefined): tf.Tensor4D {
  return p ? batchNorm(x, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D, 1e-5) : x;
}

/** 4x4 stride-2 convolution, padding 1 (PyTorch's) — 'same' gives that for even sizes. */
export function convDown(x: tf.Tensor4D, kernel: tf.Variable, bias?: tf.Variable): tf.Tensor4D {
  const y = tf.conv2d(x, kernel as tf.Tensor4D, 2, 'same');
  return bias ? tf.add(y, bias) : y;
}

/** 4x4 stride-1 convolution with padding 1: the PatchGAN's last two layers (each shrinks the map by 1). */
export function convPad1(x: tf.Tensor4D, kernel: tf.Variable, bias?: tf.Variable): tf.Tensor4D {
  const y = tf.conv2d(x, kernel as tf.Tensor4D, 1, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  return bias ? tf.add(y, bias) : y;
}

/**
 * 4x4 stride-2 transposed convolution, padding 1 (output twice the input's size). The kernel
 * is [4, 4, outChannels, inChannels], tfjs's layout for conv2dTranspose.
 */
export function convUp(x: tf.Tensor4D, kernel: tf.Variable, bias?: tf.Variable): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const y = tf.conv2dTranspose(x, kernel as tf.Tensor4D, [n, 2 * h, 2 * w, kernel.shape[2] as number], 2, 'same');
  return bias ? tf.add(y, bias) : y;
}

/**
 * A dropout mask drawn from `rng` (keep with probability 1 − rate, kept values scaled by
 * 1/(1 − rate)), so a step's randomness depends on the seed alone, on every backend.
 */
export function dropoutMask(rng: SeededRng, shape: number[], rate: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const mask = new Float32Array(n);
  const scale = 1 / (1 - rate);
  for (let i = 0; i < n; i++) mask[i] = rng.next() >= rate ? scale : 0;
  return tf.tensor(mask, shape, 'float32');
}
