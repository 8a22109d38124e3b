/**
 * Fake quantization for quantization-aware training: the forward pass rounds to the
 * integer grid and back, the backward pass is the straight-through estimator (STE,
 * Bengio et al. 2013): gradient 1 inside the representable range, 0 where clipped.
 * Call inside the training step's tidy scope (optimizer.minimize / tf.variableGrads),
 * which also owns the small tensors made by the backward pass.
 */
import * as tf from '@tensorflow/tfjs';
import { QuantParams } from './quantizer';
import { hasKernel } from './fake-quant-kernels';
import { PrivlabFakeQuantAffine, PrivlabFakeQuantAffineGrad } from '../backend/kernel-names';

/** One implementation for per-tensor (scalar) and per-channel (broadcast) parameters. */
function fakeQuantWith(x: tf.Tensor, params: QuantParams[], shape: number[]): tf.Tensor {
  const t = (f: (p: QuantParams) => number): tf.Tensor => tf.tensor(params.map(f), shape);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([input]);
    const value =
      hasKernel(PrivlabFakeQuantAffine) && input.dtype === 'float32'
        ? (tf.engine().runKernel(PrivlabFakeQuantAffine, { x: input }, {
            scale: params.map((p) => p.scale),
            zeroPoint: params.map((p) => p.zeroPoint),
            qmin: params.map((p) => p.qmin),
            qmax: params.map((p) => p.qmax),
          } as unknown as tf.NamedAttrMap) as tf.Tensor)
        : tf.tidy(() => {
            const scale = t((p) => p.scale);
            const zp = t((p) => p.zeroPoint);
            return tf
              .minimum(
                tf.maximum(
                  tf.round(input.div(scale)).add(zp),
                  t((p) => p.qmin),
                ),
                t((p) => p.qmax),
              )
              .sub(zp)
              .mul(scale);
          });
    // The backward pass runs after tfjs has disposed the forward pass's intermediates,
    // so the bounds are made here, from the plain numbers.
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      if (hasKernel(PrivlabFakeQuantAffineGrad) && dy.dtype === 'float32' && saved[0].dtype === 'float32') {
        return tf.engine().runKernel(PrivlabFakeQuantAffineGrad, { dy, x: saved[0] }, {
          lo: params.map((p) => (p.qmin - p.zeroPoint) * p.scale),
          hi: params.map((p) => (p.qmax - p.zeroPoint) * p.scale),
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      }
      const lo = t((p) => (p.qmin - p.zeroPoint) * p.scale);
      const hi = t((p) => (p.qmax - p.zeroPoint) * p.scale);
      const inside = tf.logicalAnd(tf.greaterEqual(saved[0], lo), tf.lessEqual(saved[0], hi));
      return tf.mul(dy, tf.cast(inside, dy.dtype));
    };
    return { value, gradFunc };
  });
  return f(x);
}

/** Per-tensor fake quantization. */
export function fakeQuant(x: tf.Tensor, p: QuantParams): tf.Tensor {
  return fakeQuantWith(x, [p], []);
}

/**
 * Per-channel fake quantization of a dense kernel [in × out] (tfjs layout): one
 * parameter set per output column.
 */
export function fakeQuantPerChannel(w: tf.Tensor2D, params: QuantParams[]): tf.Tensor2D {
  const out = w.shape[1];
  if (params.length !== out) throw new RangeError(`per-channel quantization of ${out} columns needs ${out} parameter sets, got ${params.length}`);
  return fakeQuantWith(w, params, [1, out]) as tf.Tensor2D;
}
