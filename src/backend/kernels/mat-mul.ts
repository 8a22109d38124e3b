/**
 * BatchMatMul and _FusedMatMul on OpenBLAS sgemm. tfjs's MatMul op runs the BatchMatMul
 * kernel; dense layers run _FusedMatMul (matmul + bias + activation in one kernel).
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ACTIVATION_CODES, BIAS_KINDS, isNativeActivation, nativeKernels } from '../native-addon';
import { cpuKernel, float32Output, float32Values, KernelArgs, sizeOf } from './kernel-util';

/** A matrix product as the addon takes it: `batch` products of [m, k]·[k, n]. */
export interface MatMulPlan {
  batch: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** Elements between consecutive matrices; 0 broadcasts one matrix over the batch. */
  strideA: number;
  strideB: number;
  outShape: number[];
}

/**
 * The plan for a[..., m, k]·b[..., k, n] (either transposed), or null when the shapes are
 * invalid or broadcast in a way the addon does not do (then the cpu kernel decides).
 */
export function planMatMul(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return null;
  const k = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kB = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  if (k !== kB) return null;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(aShape.slice(0, -2), bShape.slice(0, -2));
  } catch {
    return null;
  }
  const batch = sizeOf(outer);
  const batchA = sizeOf(aShape.slice(0, -2));
  const batchB = sizeOf(bShape.slice(0, -2));
  // Each operand either has the full batch or a single matrix shared by all; anything else
  // (e.g. [2,1] against [1,3]) is left to the cpu kernel.
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  return {
    batch,
    m,
    n,
    k,
    transposeA,
    transposeB,
    strideA: batchA === 1 ? 0 : m * k,
    strideB: batchB === 1 ? 0 : k * n,
    outShape: [...outer, m, n],
  };
}

function nativeMatMul(backend: MathBackendCPU, a: Float32Array, b: Float32Array, p: MatMulPlan): tf.TensorInfo {
  const out = new Float32Array(p.batch * p.m * p.n);
  nativeKernels().batchMatMul(a, b, out, p.batch, p.m, p.n, p.k, p.transposeA, p.transposeB, p.strideA, p.strideB);
  return float32Output(backend, p.outShape, out);
}

export function batchMatMul(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  const av = float32Values(args.backend, a);
  const bv = float32Values(args.backend, b);
  const plan = planMatMul(a.shape, b.shape, !!transposeA, !!transposeB);
  if (!av || !bv || !plan) return cpuKernel(tf.BatchMatMul)(args);
  return nativeMatMul(args.backend, av, bv, plan);
}

/** How `biasShape` broadcasts over a product of shape `outShape` = [...outer, m, n], if natively. */
export function biasKind(biasShape: readonly number[], outShape: readonly number[]): number | null {
  const size = sizeOf(biasShape);
  const r = outShape.length;
  const m = outShape[r - 2];
  const n = outShape[r - 1];
  if (biasShape.length > r) return null;
  if (size === 1) return BIAS_KINDS.scalar;
  const trimmed = [...biasShape];
  while (trimmed.length > 0 && trimmed[0] === 1) trimmed.shift();
  if (trimmed.length === 1 && trimmed[0] === n) return BIAS_KINDS.perColumn;
  if (trimmed.length === 2 && trimmed[0] === m && trimmed[1] === n) return BIAS_KINDS.perMatrix;
  if (biasShape.length === r && biasShape.every((d, i) => d === outShape[i])) return BIAS_KINDS.full;
  return null;
}

export function fusedMatMul(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b, bias, preluActivationWeights } = args.inputs as tf._FusedMatMulInputs & { [k: string]: tf.TensorInfo | undefined };
  const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
  const backend = args.backend;
  const av = float32Values(backend, a);
  const bv = float32Values(backend, b);
  const plan = planMatMul(a.shape, b.shape, !!attrs.transposeA, !!attrs.transposeB);
  if (!av || !bv || !plan) return cpuKernel(tf._FusedMatMul)(args);
  const activation = attrs.activation ?? 'linear';
  const alpha = attrs.leakyreluAlpha ?? 0.2;
  const biasValues = bias ? float32Values(backend, bias) : null;
  const kind = bias ? biasKind(bias.shape, plan.outShape) : BIAS_KINDS.none;

  if (isNativeActivation(activation) && kind !== null && (!bias || biasValues)) {
    // The common case, all in one native call: GEMM, bias, activation.
    const out = new Float32Array(plan.batch * plan.m * plan.n);
    nativeKernels().fusedBatchMatMul(
      av,
      bv,
      out,
      plan.batch,
      plan.m,
      plan.n,
      plan.k,
      plan.transposeA,
      plan.transposeB,
      plan.strideA,
      plan.strideB,
      biasValues,
      kind,
      ACTIVATION_CODES[activation],
      alpha,
    );
    return float32Output(backend, plan.outShape, out);
  }
  // Rare cases (prelu, odd bias broadcasts): native GEMM, then the cpu kernels for the rest.
  let current = nativeMatMul(backend, av, bv, plan);
  if (bias) {
    const added = cpuKernel(tf.Add)({ inputs: { a: current, b: bias }, backend }) as tf.TensorInfo;
    backend.disposeIntermediateTensorInfo(current);
    current = added;
  }
  if (activation !== 'linear') {
    const activated =
      activation === 'prelu'
        ? (cpuKernel(tf.Prelu)({ inputs: { x: current, alpha: preluActivationWeights as tf.TensorInfo }, backend }) as tf.TensorInfo)
        : applyActivation(backend, current, activation, alpha);
    backend.disposeIntermediateTensorInfo(current);
    current = activated;
  }
  return current;
}

function applyActivation(backend: MathBackendCPU, x: tf.TensorInfo, activation: string, alpha: number): tf.TensorInfo {
  const xv = float32Values(backend, x);
  if (!xv || !isNativeActivation(activation)) throw new Error(`unknown fused activation "${activation}"`);
  const y = new Float32Array(xv.length);
  nativeKernels().activation(xv, y, ACTIVATION_CODES[activation], alpha);
  return float32Output(backend, x.shape, y);
}
