/**
 * Add, Sub, Multiply and RealDiv natively when one operand repeats over the other (same
 * shape, a scalar, or trailing dimensions such as a bias row). Backprop sums the gradients
 * of a variable used twice with Add, over weight-sized tensors, and tfjs's cpu loop (with a
 * modulo per element) was the largest cost of a GAN step.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native-addon';
import { cpuKernel, float32Output, float32Values, KernelArgs, sizeOf } from './kernel-util';

const OPS = { Add: 0, Sub: 1, Mul: 2, Div: 3 } as const;

/** True when `small` broadcasts over `big` by repeating: its shape is big's trailing dims (after 1s). */
export function repeatsOver(small: readonly number[], big: readonly number[]): boolean {
  if (sizeOf(small) === 1) return true;
  const s = [...small];
  while (s.length > 0 && s[0] === 1) s.shift();
  if (s.length > big.length) return false;
  const tail = big.slice(big.length - s.length);
  return s.every((d, i) => d === tail[i]);
}

function binary(kernelName: string, op: number): (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const av = float32Values(args.backend, a);
    const bv = float32Values(args.backend, b);
    if (!av || !bv) return cpuKernel(kernelName)(args);
    const aBig = av.length >= bv.length;
    const [big, small] = aBig ? [a, b] : [b, a];
    // The result has the bigger operand's shape only when the smaller one's rank is not higher.
    if (small.shape.length > big.shape.length || !repeatsOver(small.shape, big.shape)) return cpuKernel(kernelName)(args);
    const out = new Float32Array(Math.max(av.length, bv.length));
    nativeKernels().binaryCyclic(op, av, bv, out);
    return float32Output(args.backend, [...big.shape], out);
  };
}

export const add = binary(tf.Add, OPS.Add);
export const sub = binary(tf.Sub, OPS.Sub);
export const multiply = binary(tf.Multiply, OPS.Mul);
export const realDiv = binary(tf.RealDiv, OPS.Div);
