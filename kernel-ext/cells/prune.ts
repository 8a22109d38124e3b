/**
 * `lab.prune(mlp, opts)`: L1 unstructured pruning of an MLP's kernels in one cell, per layer
 * or against one global threshold, optionally capping each neuron's active inputs (what
 * bounds an FHE accumulator). The weights are zeroed in place; a table shows each layer's
 * sparsity and largest fan-in. Returns the masks, to hold with MaskedVariables while
 * fine-tuning.
 */
import * as tf from '@tensorflow/tfjs';
import { Mlp } from '../../src/nn/mlp';
import { Mask, applyMask, fanInCapMask, globalL1Masks, l1Mask, sparsity } from '../../src/prune/masks';
import { table } from '../tables';

export interface PruneCellOptions {
  /** Fraction of weights to remove, in [0, 1). */
  fraction: number;
  /** One threshold per layer (default) or one for all layers. */
  scope?: 'layer' | 'global';
  /** At most this many non-zero inputs per neuron (after the L1 mask). */
  maxFanIn?: number;
  show?: boolean;
  save?: string;
}

/** Most kept inputs of any neuron of an [inputs × outputs] kernel's mask. */
function largestFanIn(mask: Mask, inputs: number, outputs: number): number {
  const kept = new Int32Array(outputs);
  for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) kept[o] += mask[i * outputs + o];
  return Math.max(0, ...kept);
}

export function prune(mlp: Mlp, opts: PruneCellOptions): Mask[] {
  const kernels = mlp.layers.map((l) => l.kernel.dataSync() as Float32Array);
  let masks = opts.scope === 'global' ? globalL1Masks(kernels, opts.fraction) : kernels.map((w) => l1Mask(w, opts.fraction));
  if (opts.maxFanIn !== undefined) {
    const cap = opts.maxFanIn;
    // kernels are [in × out]: a neuron's inputs run along axis 0
    masks = masks.map((m, k) => {
      const [inputs, outputs] = mlp.layers[k].kernel.shape as [number, number];
      return fanInCapMask(kernels[k], inputs, outputs, 0, cap, m);
    });
  }
  mlp.layers.forEach((l, k) => tf.tidy(() => l.kernel.assign(tf.tensor(applyMask(kernels[k], masks[k]), l.kernel.shape))));
  if (opts.show ?? true) {
    table(
      mlp.layers.map((l, k) => {
        const [inputs, outputs] = l.kernel.shape as [number, number];
        return {
          layer: k,
          shape: `${inputs} → ${outputs}`,
          sparsity: Number(sparsity(masks[k]).toFixed(3)),
          'max fan-in': largestFanIn(masks[k], inputs, outputs),
        };
      }),
      { save: opts.save },
    );
  }
  return masks;
}
