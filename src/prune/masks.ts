/**
 * L1 unstructured pruning masks: keep the weights of largest magnitude. Masks are
 * 0/1 bytes in the weights' own (row-major) layout. Ties are broken by position so
 * that the same weights always give the same mask.
 */
import { requirePositiveInteger } from '../util/checks';

export type Mask = Uint8Array;

function checkFraction(fraction: number): void {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`pruning fraction must be in [0, 1), got ${fraction}`);
}

/** Indices sorted by |w| ascending (stable). */
function byMagnitude(w: ArrayLike<number>): Uint32Array {
  const idx = Uint32Array.from({ length: w.length }, (_, i) => i);
  return idx.sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]) || a - b);
}

/** Prune `fraction` of one layer's weights: the smallest in magnitude. */
export function l1Mask(weights: ArrayLike<number>, fraction: number): Mask {
  checkFraction(fraction);
  const mask = new Uint8Array(weights.length).fill(1);
  const order = byMagnitude(weights);
  const n = Math.round(fraction * weights.length);
  for (let k = 0; k < n; k++) mask[order[k]] = 0;
  return mask;
}

/** Prune `fraction` of all layers' weights together, against one global magnitude threshold. */
export function globalL1Masks(layers: ArrayLike<number>[], fraction: number): Mask[] {
  checkFraction(fraction);
  const total = layers.reduce((s, w) => s + w.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const w of layers) for (let i = 0; i < w.length; i++) all[at++] = w[i];
  const flat = l1Mask(all, fraction);
  const masks: Mask[] = [];
  at = 0;
  for (const w of layers) {
    masks.push(flat.slice(at, at + w.length));
    at += w.length;
  }
  return masks;
}

/**
 * Keep at most `maxActive` inputs per output neuron (the largest in magnitude), as the
 * Zama paper does to bound accumulator bit-widths. Weights are [rows × cols] row-major;
 * `inputAxis` says which axis indexes the inputs (tfjs dense kernels are [in × out]:
 * inputAxis 0).
 */
export function fanInCapMask(weights: ArrayLike<number>, rows: number, cols: number, inputAxis: 0 | 1, maxActive: number, base?: Mask): Mask {
  if (weights.length !== rows * cols) throw new RangeError(`${rows}x${cols} needs ${rows * cols} weights, got ${weights.length}`);
  requirePositiveInteger(maxActive, 'maxActive');
  const mask = base ? Uint8Array.from(base) : new Uint8Array(weights.length).fill(1);
  const neurons = inputAxis === 0 ? cols : rows;
  const fanIn = inputAxis === 0 ? rows : cols;
  const at = (neuron: number, input: number): number => (inputAxis === 0 ? input * cols + neuron : neuron * cols + input);
  for (let o = 0; o < neurons; o++) {
    const active = Array.from({ length: fanIn }, (_, i) => i).filter((i) => mask[at(o, i)] === 1);
    if (active.length <= maxActive) continue;
    active.sort((a, b) => Math.abs(weights[at(o, b)]) - Math.abs(weights[at(o, a)]) || a - b);
    for (const i of active.slice(maxActive)) mask[at(o, i)] = 0;
  }
  return mask;
}

export function sparsity(mask: Mask): number {
  let zeros = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) zeros++;
  return mask.length ? zeros / mask.length : 0;
}

/** w ⊙ mask, as a new array. */
export function applyMask(weights: ArrayLike<number>, mask: Mask): Float32Array {
  if (weights.length !== mask.length) throw new RangeError(`mask of ${mask.length} for ${weights.length} weights`);
  const out = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = mask[i] ? weights[i] : 0;
  return out;
}
