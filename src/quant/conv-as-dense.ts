/**
 * A 2-D convolution (valid padding, NHWC) as the dense layer that computes the same
 * thing: inputs H·W·C_in, outputs H_out·W_out·C_out, each output neuron wired to its
 * k_h·k_w·C_in window (every other weight zero). The FHE compiler takes chains of dense
 * layers, and in FHE a convolution is exactly such a linear combination per output
 * followed by one table per output, so a CNN compiles through this. Index order is
 * tfjs's NHWC flattening: (y·W + x)·C + c.
 */
import { ActivationName } from './activations';
import { FloatDense } from './ptq';
import { ConvShape, convOutputShape } from '../nn/cnn';

export { ConvShape, convOutputShape };

export interface Conv2dSpec {
  /** [k_h × k_w × C_in × C_out] row-major, as tfjs keeps conv kernels. */
  kernel: Float32Array;
  kernelHeight: number;
  kernelWidth: number;
  outChannels: number;
  bias: Float32Array;
  stride: number;
  activation: ActivationName;
}

export function convAsDense(input: ConvShape, c: Conv2dSpec): { layer: FloatDense; output: ConvShape } {
  const { kernelHeight: kh, kernelWidth: kw, outChannels: cout, stride } = c;
  const cin = input.channels;
  if (!(Number.isInteger(stride) && stride >= 1)) throw new RangeError(`stride must be a positive integer, got ${stride}`);
  if (c.kernel.length !== kh * kw * cin * cout) throw new RangeError(`kernel of ${c.kernel.length} values is not ${kh}x${kw}x${cin}x${cout}`);
  if (c.bias.length !== cout) throw new RangeError(`bias of ${c.bias.length} values for ${cout} channels`);
  const output = convOutputShape(input, c);
  const inputs = input.height * input.width * cin;
  const outputs = output.height * output.width * cout;
  const kernel = new Float32Array(inputs * outputs);
  const bias = new Float32Array(outputs);
  for (let oy = 0; oy < output.height; oy++) {
    for (let ox = 0; ox < output.width; ox++) {
      for (let co = 0; co < cout; co++) {
        const o = (oy * output.width + ox) * cout + co;
        bias[o] = c.bias[co];
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            for (let ci = 0; ci < cin; ci++) {
              const i = ((oy * stride + ky) * input.width + (ox * stride + kx)) * cin + ci;
              kernel[i * outputs + o] = c.kernel[((ky * kw + kx) * cin + ci) * cout + co];
            }
          }
        }
      }
    }
  }
  return { layer: { inputs, outputs, kernel, bias, activation: c.activation }, output };
}
