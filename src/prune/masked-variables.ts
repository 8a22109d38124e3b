/**
 * Keeping pruned weights at zero while training: after every optimizer step the
 * masked variables are multiplied by their masks (the optimizer's moments may move
 * them, the mask puts them back). Masks live as tensors beside their variables.
 */
import * as tf from '@tensorflow/tfjs';
import { Mask } from './masks';

export class MaskedVariables {
  private readonly masks = new Map<tf.Variable, tf.Tensor>();

  /** Set (or replace) the mask of a variable; it is applied at once. */
  setMask(v: tf.Variable, mask: Mask): void {
    if (mask.length !== v.size) throw new RangeError(`mask of ${mask.length} for variable ${v.name} of ${v.size} values`);
    this.masks.get(v)?.dispose();
    this.masks.set(v, tf.tensor(mask, v.shape, 'float32'));
    this.apply();
  }

  /** The current mask of a variable (a copy), if it has one. */
  mask(v: tf.Variable): Mask | undefined {
    const m = this.masks.get(v);
    return m ? Uint8Array.from(m.dataSync()) : undefined;
  }

  /** Re-zero pruned weights; call after each optimizer step. */
  apply(): void {
    tf.tidy(() => {
      for (const [v, m] of this.masks) v.assign(v.mul(m));
    });
  }

  get size(): number {
    return this.masks.size;
  }

  dispose(): void {
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
  }
}
