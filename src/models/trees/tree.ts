/**
 * One decision tree as flat arrays, scikit-learn's layout (tree_.feature, threshold,
 * children_left/right, value): node 0 is the root; a leaf has feature −1. Each node's
 * `value` is its output vector: class probabilities (decision trees, random forests) or
 * one margin (gradient boosting). The rule says how a row goes left: x[f] ≤ t
 * (scikit-learn) or x[f] < t (XGBoost). Features are compared in float32, as both
 * libraries do, so imported trees predict exactly as they did there.
 */

export type SplitRule = '<=' | '<';

export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[][];
}

export function isLeaf(t: Tree, node: number): boolean {
  return t.feature[node] < 0;
}

/** Whether a row (feature values) goes left at an internal node. */
export function goesLeft(x: number, threshold: number, rule: SplitRule): boolean {
  const v = Math.fround(x);
  return rule === '<=' ? v <= threshold : v < threshold;
}

/** The leaf a row reaches. */
export function leafOf(t: Tree, row: ArrayLike<number>, rule: SplitRule): number {
  let n = 0;
  while (!isLeaf(t, n)) n = goesLeft(row[t.feature[n]], t.threshold[n], rule) ? t.left[n] : t.right[n];
  return n;
}

/** Every leaf with the internal nodes on its path and the direction taken at each (true: left). */
export function leafPaths(t: Tree): { leaf: number; nodes: number[]; left: boolean[] }[] {
  const out: { leaf: number; nodes: number[]; left: boolean[] }[] = [];
  const walk = (n: number, nodes: number[], left: boolean[]): void => {
    if (isLeaf(t, n)) {
      out.push({ leaf: n, nodes, left });
      return;
    }
    walk(t.left[n], [...nodes, n], [...left, true]);
    walk(t.right[n], [...nodes, n], [...left, false]);
  };
  walk(0, [], []);
  return out;
}

export function treeDepth(t: Tree): number {
  const d = (n: number): number => (isLeaf(t, n) ? 0 : 1 + Math.max(d(t.left[n]), d(t.right[n])));
  return d(0);
}

/** Check a tree's shape (untrusted JSON): sizes agree, children are later nodes, features in range, outputs of `width`. */
export function checkTree(t: Tree, features: number, width: number, where: string): Tree {
  if (!t || typeof t !== 'object') throw new TypeError(`${where} is not a tree object`);
  const n = t.feature?.length;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${where}: feature must be a non-empty array`);
  for (const k of ['threshold', 'left', 'right', 'value'] as const)
    if (!Array.isArray(t[k]) || t[k].length !== n) throw new RangeError(`${where}: ${k} needs ${n} entries, got ${t[k]?.length}`);
  for (let i = 0; i < n; i++) {
    const f = t.feature[i];
    if (!Number.isInteger(f) || f >= features || f < -1) throw new RangeError(`${where}: node ${i} has feature ${f}, not in [-1, ${features})`);
    if (f >= 0) {
      if (!Number.isFinite(t.threshold[i])) throw new RangeError(`${where}: node ${i} threshold ${t.threshold[i]} is not finite`);
      for (const c of [t.left[i], t.right[i]])
        if (!Number.isInteger(c) || c <= i || c >= n) throw new RangeError(`${where}: node ${i} has child ${c}, not a later node below ${n}`);
    }
    const v = t.value[i];
    if (f < 0 && (!Array.isArray(v) || v.length !== width || !v.every(Number.isFinite)))
      throw new RangeError(`${where}: leaf ${i} needs ${width} finite output values, got ${JSON.stringify(v)}`);
  }
  return t;
}
