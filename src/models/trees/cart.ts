/**
 * Growing one tree greedily (CART), for the three ensembles:
 *
 *   'gini'  classification trees (scikit-learn's DecisionTreeClassifier criterion): a node's
 *           cost is n·gini = n − Σ_k c_k²/n over its weighted class counts; a leaf holds the
 *           class proportions.
 *   'xgb'   a boosting round (XGBoost's exact greedy, binary logistic): per-row gradient g and
 *           hessian h; cost −G²/(H + λ), so a split's gain is G_L²/(H_L+λ) + G_R²/(H_R+λ) −
 *           G²/(H+λ), kept when above γ and both children have H ≥ min_child_weight; a leaf
 *           holds −η·G/(H + λ).
 *
 * Split search is exact: every feature's rows are sorted once for the whole tree, and each
 * node scans them in that order, trying the midpoint between consecutive distinct values
 * (scikit-learn's and XGBoost's exact thresholds). Values are float32, as in both libraries.
 * Nodes grow depth first, so children always come after their parent (tree.ts).
 */
import { SeededRng } from '../../util/rng';
import { SplitRule, Tree } from './tree';

export type Criterion = { kind: 'gini'; classes: number } | { kind: 'xgb'; lambda: number; gamma: number; minChildWeight: number; eta: number };

export interface GrowOptions {
  criterion: Criterion;
  /** Largest depth (root = depth 0); Infinity for none. */
  maxDepth: number;
  /** Fewest (weighted) rows a node needs to be split, and each child must have (gini). */
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features tried per node (random subset, random forests); all when undefined. */
  maxFeatures?: number;
  rng?: SeededRng;
  /**
   * How rows go left: x ≤ t (default, scikit-learn) or x < t (XGBoost). The threshold lies
   * between the two values a split separates, so both send the training rows alike; the rule
   * decides the side of a value at the threshold itself (a test row).
   */
  rule?: SplitRule;
}

/**
 * Rows as float32 columns with each column's row order sorted by value: the part of the
 * training data every tree of an ensemble shares.
 */
export interface SortedColumns {
  rows: number;
  features: number;
  columns: Float32Array[];
  order: Int32Array[];
}

export function sortColumns(x: number[][]): SortedColumns {
  const rows = x.length;
  const features = x[0].length;
  const columns = Array.from({ length: features }, (_, f) => Float32Array.from(x, (r) => r[f]));
  const order = columns.map((c) => Int32Array.from({ length: rows }, (_, i) => i).sort((a, b) => c[a] - c[b] || a - b));
  return { rows, features, columns, order };
}

/**
 * Per-row statistics: gini — weight at the row's class index (stats[row·width + class]);
 * xgb — [g, h] per row. `weight` is the row's multiplicity (bootstrap; 0 leaves it out).
 */
export interface RowStats {
  width: number;
  stats: Float64Array;
  weight: Float64Array;
}

function cost(c: Criterion, s: Float64Array, o: number, n: number): number {
  if (c.kind === 'gini') {
    let sq = 0;
    for (let k = 0; k < c.classes; k++) sq += s[o + k] * s[o + k];
    return n > 0 ? n - sq / n : 0;
  }
  return -(s[o] * s[o]) / (s[o + 1] + c.lambda);
}

function leafValue(c: Criterion, s: Float64Array, n: number): number[] {
  if (c.kind === 'gini') return Array.from({ length: c.classes }, (_, k) => s[k] / n);
  return [(-c.eta * s[0]) / (s[1] + c.lambda)];
}

export function growTree(data: SortedColumns, rs: RowStats, o: GrowOptions): Tree {
  const { width, stats, weight } = rs;
  const c = o.criterion;
  const strict = o.rule === '<';
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  // node membership: rows of the node being split are marked with its id
  const nodeOf = new Int32Array(data.rows).fill(-1);
  const members: number[] = [];
  for (let i = 0; i < data.rows; i++) if (weight[i] > 0) members.push(i);
  const total = new Float64Array(width);
  const left = new Float64Array(width);

  const build = (rows: number[], depth: number): number => {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    total.fill(0);
    let n = 0;
    for (const r of rows) {
      n += weight[r];
      for (let k = 0; k < width; k++) total[k] += weight[r] * stats[r * width + k];
    }
    tree.value.push(leafValue(c, total, n));
    const parentCost = cost(c, total, 0, n);
    const canSplit =
      depth < o.maxDepth && (c.kind === 'gini' ? n >= o.minSamplesSplit && n >= 2 * o.minSamplesLeaf && parentCost > 1e-12 : total[1] >= 2 * c.minChildWeight);
    if (!canSplit) return id;
    for (const r of rows) nodeOf[r] = id;
    let best = { gain: c.kind === 'gini' ? 1e-12 : c.gamma + 1e-9, feature: -1, threshold: 0 };
    const feats = o.maxFeatures !== undefined && o.rng ? o.rng.permutation(data.features) : Uint32Array.from({ length: data.features }, (_, f) => f);
    let visited = 0;
    const right = new Float64Array(width);
    for (const f of feats) {
      if (o.maxFeatures !== undefined && visited >= o.maxFeatures && best.feature >= 0) break;
      const col = data.columns[f];
      const ord = data.order[f];
      left.fill(0);
      let nl = 0;
      let prev = NaN;
      let varies = false;
      for (let p = 0; p < ord.length; p++) {
        const r = ord[p];
        if (nodeOf[r] !== id) continue;
        const v = col[r];
        if (nl > 0 && v !== prev) {
          varies = true;
          // candidate: rows so far go left
          const nr = n - nl;
          for (let k = 0; k < width; k++) right[k] = total[k] - left[k];
          const ok = c.kind === 'gini' ? nl >= o.minSamplesLeaf && nr >= o.minSamplesLeaf : left[1] >= c.minChildWeight && right[1] >= c.minChildWeight;
          if (ok) {
            const gain = parentCost - cost(c, left, 0, nl) - cost(c, right, 0, nr);
            if (gain > best.gain) {
              // the midpoint; where it rounds onto one of the two values, the one that keeps the split under the rule
              let t = (prev + v) / 2;
              if (strict ? t === prev : t === v) t = strict ? v : prev;
              best = { gain, feature: f, threshold: t };
            }
          }
        }
        nl += weight[r];
        for (let k = 0; k < width; k++) left[k] += weight[r] * stats[r * width + k];
        prev = v;
      }
      if (varies) visited++;
    }
    for (const r of rows) nodeOf[r] = -1;
    if (best.feature < 0) return id;
    const col = data.columns[best.feature];
    const goesLeft = (r: number): boolean => (strict ? col[r] < best.threshold : col[r] <= best.threshold);
    const lrows = rows.filter(goesLeft);
    const rrows = rows.filter((r) => !goesLeft(r));
    tree.feature[id] = best.feature;
    tree.threshold[id] = best.threshold;
    tree.left[id] = build(lrows, depth + 1);
    tree.right[id] = build(rrows, depth + 1);
    return id;
  };
  build(members, 0);
  return tree;
}
