/**
 * Post-training quantization of a binary tree ensemble (Concrete ML's recipe for trees):
 *
 * - Inputs: one affine unsigned quantizer per feature on `inputBits` (default 6), calibrated
 *   (min/max) on the calibration rows; the client quantizes before encrypting.
 * - Thresholds on the same integer grid: a row goes left iff its level q ≤ T. Level q stands
 *   for the values that round to it, x/s + z ∈ [q − ½, q + ½), so T = ⌊t/s + z⌋ puts the level
 *   boundary T + ½ next to t: the comparison is exact on the quantized inputs, and a node whose
 *   T is below 0 or at the top level always goes one way (a constant, folded away by the
 *   compiler).
 * - Leaf values as small non-negative integers, one per tree: each tree's output is the
 *   level of the leaf a row reaches, and the client adds the trees' outputs up as
 *   score = Σ_trees (sign·output + offset). Forests and single trees: the second class's
 *   probability as round(p·(2^leafBits − 1)) (sign +1), or the first class's (sign −1, offset
 *   2^leafBits − 1) — whichever gives the tree more leaves at 0, since a leaf at 0 costs no
 *   lookup (pure leaves are common). Boosting: margins symmetric on leafBits signed bits with
 *   one scale for all trees, shifted per tree by its smallest leaf (offset = that leaf).
 *
 * More than two classes, boosting (softmax): tree i's margins go to class i mod K on the common
 * scale, and the class is the argmax of the K integer scores (the softmax of leafScale·score
 * gives the probabilities). Forests and single trees: one score per class, each tree split into
 * one integer tree per class (its leaves' levels of that class's probability) that share the
 * comparisons; the class is the argmax of the scores. The circuit returns one small integer per
 * (tree, class) (hummingbird.ts). The integer model is run here by direct traversal (`treeOutputs`): the 'disable' mode, and
 * the reference the compiled circuit is checked against.
 */
import { QuantParams, paramsFromRange, quantize } from '../../quant/quantizer';
import { Tree, isLeaf } from './tree';

export type Aggregation = 'mean' | 'logit';

export interface QuantizedTree {
  feature: number[];
  /** Integer threshold per internal node: left iff level ≤ T. */
  threshold: number[];
  left: number[];
  right: number[];
  /** Non-negative integer output per node (leaves only; 0 elsewhere). */
  value: number[];
  sign: 1 | -1;
  offset: number;
  /** The score (class) this tree adds to: 0 for two classes. */
  output: number;
}

export interface QuantizedTrees {
  inputBits: number;
  leafBits: number;
  inputQuant: QuantParams[];
  trees: QuantizedTree[];
  /** Scores per row: 1 for two classes, else one per class. */
  outputs: number;
  aggregation: Aggregation;
  /** mean: (2^leafBits − 1)·trees (the score of a certain second class); logit: 1. */
  denominator: number;
  /** logit: the margin of one score unit, and the base margin. */
  leafScale: number;
  baseMargin: number;
}

export interface TreeQuantOptions {
  inputBits: number;
  leafBits: number;
}

/** Per-feature input quantizers from calibration rows. */
export function inputQuantizers(xcal: number[][], bits: number): QuantParams[] {
  return xcal[0].map((_, j) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of xcal) {
      const v = Math.fround(r[j]);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return paramsFromRange(lo, hi, { bits, signed: false });
  });
}

/** The integer threshold of float threshold t (see the module doc); the same for x ≤ t and x < t, which differ only at x = t. */
export function gridThreshold(t: number, q: QuantParams): number {
  return Math.floor(t / q.scale + q.zeroPoint);
}

export function quantizeTrees(
  trees: Tree[],
  xcal: number[][],
  agg: { aggregation: Aggregation; classes: number; baseMargin: number },
  o: TreeQuantOptions,
): QuantizedTrees {
  if (agg.aggregation === 'logit' && agg.classes > 2 && trees.length % agg.classes !== 0)
    throw new RangeError(`softmax boosting has one tree per class per round: ${trees.length} trees for ${agg.classes} classes`);
  if (!Number.isInteger(o.leafBits) || o.leafBits < 2 || o.leafBits > 8) throw new RangeError(`leafBits must be an integer from 2 to 8, got ${o.leafBits}`);
  const inputQuant = inputQuantizers(xcal, o.inputBits);
  const qmax = 2 ** o.leafBits - 1;
  let leafScale = 1;
  if (agg.aggregation === 'logit') {
    let m = 0;
    for (const t of trees) t.value.forEach((v, n) => isLeaf(t, n) && (m = Math.max(m, Math.abs(v[0]))));
    leafScale = m > 0 ? m / (2 ** (o.leafBits - 1) - 1) : 1;
  }
  const outputs = agg.classes === 2 ? 1 : agg.classes;
  const gridOf = (t: Tree): number[] => t.feature.map((f, n) => (f >= 0 ? gridThreshold(t.threshold[n], inputQuant[f]) : 0));
  const perClass = (t: Tree): QuantizedTree[] => {
    const threshold = gridOf(t);
    return Array.from({ length: outputs }, (_, k) => ({
      feature: t.feature.slice(),
      threshold,
      left: t.left.slice(),
      right: t.right.slice(),
      value: t.value.map((v, n) => (isLeaf(t, n) ? Math.round(v[k] * qmax) : 0)),
      sign: 1,
      offset: 0,
      output: k,
    }));
  };
  const qtrees =
    outputs > 1 && agg.aggregation === 'mean'
      ? trees.flatMap(perClass)
      : trees.map((t, ti): QuantizedTree => {
          const threshold = gridOf(t);
          const leaves = t.feature.map((_, n) => isLeaf(t, n));
          let value: number[];
          let sign: 1 | -1 = 1;
          let offset = 0;
          if (agg.aggregation === 'logit') {
            const w = t.value.map((v) => Math.round(v[0] / leafScale));
            offset = Math.min(...w.filter((_, n) => leaves[n]));
            value = w.map((v) => v - offset);
          } else {
            const q1 = t.value.map((v) => Math.round(v[1] * qmax));
            const zeros1 = q1.filter((v, n) => leaves[n] && v === 0).length;
            const zeros0 = q1.filter((v, n) => leaves[n] && v === qmax).length;
            if (zeros0 > zeros1) {
              sign = -1;
              offset = qmax;
              value = q1.map((v) => qmax - v);
            } else value = q1;
          }
          value = value.map((v, n) => (leaves[n] ? v : 0));
          // softmax boosting: tree ti adds to class ti mod K (outputs is 1 otherwise)
          return { feature: t.feature.slice(), threshold, left: t.left.slice(), right: t.right.slice(), value, sign, offset, output: ti % outputs };
        });
  return {
    inputBits: o.inputBits,
    leafBits: o.leafBits,
    inputQuant,
    trees: qtrees,
    outputs,
    aggregation: agg.aggregation,
    denominator: agg.aggregation === 'mean' ? qmax * trees.length : 1,
    leafScale,
    baseMargin: agg.baseMargin,
  };
}

/** Rows' levels under the per-feature quantizers, [rows × features]. */
export function quantizeFeatureRows(x: number[][], inputQuant: QuantParams[]): Int32Array {
  const f = inputQuant.length;
  const out = new Int32Array(x.length * f);
  x.forEach((r, i) => {
    for (let j = 0; j < f; j++) out[i * f + j] = quantize(Math.fround(r[j]), inputQuant[j]);
  });
  return out;
}

/** The integer model by direct traversal: each tree's output, [rows × trees]. */
export function treeOutputs(q: QuantizedTrees, levels: Int32Array, rows: number): Int32Array {
  const f = q.inputQuant.length;
  const T = q.trees.length;
  const out = new Int32Array(rows * T);
  for (let s = 0; s < rows; s++) {
    q.trees.forEach((t, k) => {
      let n = 0;
      while (t.feature[n] >= 0) n = levels[s * f + t.feature[n]] <= t.threshold[n] ? t.left[n] : t.right[n];
      out[s * T + k] = t.value[n];
    });
  }
  return out;
}

/** The client's sums of tree outputs [rows × trees]: integer scores [rows × outputs]. */
export function scoresOf(q: QuantizedTrees, outputs: Int32Array, rows: number): Int32Array {
  const T = q.trees.length;
  const K = q.outputs;
  const out = new Int32Array(rows * K);
  for (let s = 0; s < rows; s++) q.trees.forEach((t, k) => (out[s * K + t.output] += t.sign * outputs[s * T + k] + t.offset));
  return out;
}

/** Class probabilities of row s from integer scores. */
export function probabilitiesOf(q: QuantizedTrees, scores: Int32Array, s: number): number[] {
  if (q.outputs > 1 && q.aggregation === 'logit') {
    // softmax of the margins; the common base margin cancels
    const p = new Array<number>(q.outputs);
    softmaxInto(
      Array.from({ length: q.outputs }, (_, k) => q.leafScale * scores[s * q.outputs + k]),
      0,
      q.outputs,
      p,
    );
    return p;
  }
  if (q.outputs > 1) return Array.from({ length: q.outputs }, (_, k) => scores[s * q.outputs + k] / q.denominator);
  const score = scores[s];
  const p = q.aggregation === 'logit' ? 1 / (1 + Math.exp(-(q.baseMargin + q.leafScale * score))) : score / q.denominator;
  return [1 - p, p];
}

/** Class index of row s from integer scores: exact comparisons, ties to the first class (argmax; softmax boosting too, as its scale is positive and its base margin common). */
export function classIndexOf(q: QuantizedTrees, scores: Int32Array, s: number): number {
  if (q.outputs > 1) {
    let best = 0;
    for (let k = 1; k < q.outputs; k++) if (scores[s * q.outputs + k] > scores[s * q.outputs + best]) best = k;
    return best;
  }
  const score = scores[s];
  return q.aggregation === 'logit' ? (q.baseMargin + q.leafScale * score > 0 ? 1 : 0) : 2 * score > q.denominator ? 1 : 0;
}

/** Softmax of margins[offset … offset + K) into p (max subtracted first). */
export function softmaxInto(margins: ArrayLike<number>, offset: number, K: number, p: Float64Array | number[]): void {
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, margins[offset + k]);
  let total = 0;
  for (let k = 0; k < K; k++) total += p[k] = Math.exp(margins[offset + k] - max);
  for (let k = 0; k < K; k++) p[k] /= total;
}
