/**
 * The tree classifiers with Concrete ML's workflow (as the linear models, linear-model.ts):
 * `fit(X, y)` in the clear, `compile(Xcal, { nBits })`, then `predict(X, { fhe })` with fhe
 * omitted (the float model), 'disable' (the quantized model in the clear, by direct
 * traversal), 'simulate' (the compiled circuit in the clear) or 'execute' (encrypted).
 *
 *   DecisionTreeClassifier   CART, gini, max_depth (scikit-learn's defaults otherwise)
 *   RandomForestClassifier   bootstrap rows, max_features 'sqrt' per node, n_estimators trees;
 *                            probabilities averaged (scikit-learn's predict_proba)
 *   XGBClassifier            XGBoost-style gradient boosting, binary logistic or softmax (one
 *                            tree per class per round): depth-limited trees on
 *                            gradients/hessians (exact greedy), learning rate, λ, γ,
 *                            min_child_weight; XGBoost 1.7's defaults
 *
 * The trainers are the project's own (cart.ts): the npm packages ml-cart / ml-random-forest
 * have no sample weights, no per-node feature sampling as scikit-learn's, and no
 * gradient/hessian criterion, so they could give neither the boosted trees nor forests
 * comparable with the scikit-learn yardstick. Trees trained elsewhere come in as JSON
 * (tree-json.ts; bench/yardsticks/sklearn_trees.py writes scikit-learn's and XGBoost's).
 *
 * Quantization: tree-quantization.ts; compilation (Hummingbird GEMM): hummingbird.ts.
 */
import { CompileOptions } from '../../fhe/tfhe/compile/options';
import { defaultCandidates, readParameterSet } from '../../fhe/tfhe/compile/parameters';
import { SeededRng } from '../../util/rng';
import { checkX, checkY, classesOf } from '../matrix-input';
import type { FheOption, ModelPredictOptions } from '../linear-model';
import { SortedColumns, growTree, sortColumns } from './cart';
import { SplitRule, Tree, leafOf } from './tree';
import {
  Aggregation,
  QuantizedTrees,
  classIndexOf,
  probabilitiesOf,
  quantizeFeatureRows,
  quantizeTrees,
  scoresOf,
  softmaxInto,
  treeOutputs,
} from './tree-quantization';
import { TreeCircuitInfo, TreeExecuteTimes, TreeFheModel, planHummingbird } from './hummingbird';

export type TreeKind = 'decision-tree' | 'random-forest' | 'xgboost';

export interface TreeCompileOptions {
  /** Bits of each input feature (default 6, Concrete ML's default for trees). */
  nBits?: number;
  /**
   * Bits of the leaf values (default: nBits). Each tree's output is read off a sum of PBS
   * outputs, whose noise bounds it: 6 bits decode with error < 1e-15, 8 bits about 1e-4.
   */
  leafBits?: number;
  /** Sibling leaves share a layer-2 lookup (default true; false: one per leaf, as Hummingbird). */
  pairLeaves?: boolean;
  /** Largest N among the default candidate parameter sets (default 2048). */
  maxPolynomialSize?: number;
  /** Compiler options (read-error target etc.; default pError 1e-4, DEFAULT_TREE_P_ERROR). */
  pError?: number;
  parameterSet?: string;
  candidates?: string[];
}

export interface CompiledTrees extends TreeCircuitInfo {
  nBits: number;
  leafBits: number;
}

/** One predict call's integer sums (quantized modes) and the encrypted run's record. */
export interface TreeOutputs {
  /** Float: class probabilities per row; quantized: the same from the integer sums. */
  proba: number[][];
  /** Class indices. */
  labels: number[];
  /** Quantized modes: each (tree, class)'s integer output [rows × quantized trees], and the scores [rows × outputs] the client sums from them. */
  treeOutputs?: Int32Array;
  scores?: Int32Array;
  times?: TreeExecuteTimes;
}

/**
 * The tree read-error target: 1e-4. A wrong comparison read can send a row to another leaf,
 * and an ensemble makes hundreds of reads per row. Measured on Spambase (XGBoost 50 trees
 * depth 4, 758 PBS): at 0.001 the compiler takes N = 1024 and the noise model changes some
 * tree's output on half the rows (an executed row changed class); at 1e-4, N = 2048 (about
 * 20 % slower per PBS), 14 of 2,760 simulated rows have a tree output off and no class changes.
 */
export const DEFAULT_TREE_P_ERROR = 1e-4;

export abstract class TreeEnsembleClassifier {
  abstract readonly kind: TreeKind;
  trees: Tree[] = [];
  classes: number[] | undefined;
  rule: SplitRule = '<=';
  features = 0;
  private compiled: { quant: QuantizedTrees; fhe: TreeFheModel; info: CompiledTrees } | undefined;

  protected abstract aggregation(): Aggregation;
  /** How the trees this model grows send rows left: x ≤ t (scikit-learn's) unless a model says otherwise. */
  protected splitRule(): SplitRule {
    return '<=';
  }
  protected abstract train(data: SortedColumns, y: Int32Array, classes: number): void;
  /** The base margin of boosting (0 for the others). */
  baseMargin = 0;

  protected classesOrThrow(): number[] {
    if (!this.classes || this.trees.length === 0) throw new Error(`${this.kind}: not fitted (call fit or load trees first)`);
    return this.classes;
  }

  fit(x: number[][], y: number[]): this {
    this.features = checkX(x);
    checkY(y, x.length);
    const classes = classesOf(y);
    const index = new Map(classes.map((c, i) => [c, i]));
    this.classes = classes;
    this.trees = [];
    this.rule = this.splitRule();
    this.dispose();
    this.compiled = undefined;
    this.train(
      sortColumns(x),
      Int32Array.from(y, (v) => index.get(v) as number),
      classes.length,
    );
    return this;
  }

  /** Set trees trained elsewhere (checked by tree-json.ts); a compiled circuit is dropped. */
  setTrees(trees: Tree[], classes: number[], features: number, rule: SplitRule, baseMargin = 0): this {
    this.trees = trees;
    this.classes = classes.slice();
    this.features = features;
    this.rule = rule;
    this.baseMargin = baseMargin;
    this.dispose();
    this.compiled = undefined;
    return this;
  }

  /** Float class probabilities [rows × classes]. */
  private floatProba(x: number[][]): number[][] {
    const classes = this.classesOrThrow();
    checkX(x, this.features);
    if (this.aggregation() === 'logit' && classes.length === 2) {
      return x.map((r) => {
        const m = this.trees.reduce((s, t) => s + t.value[leafOf(t, r, this.rule)][0], this.baseMargin);
        const p = 1 / (1 + Math.exp(-m));
        return [1 - p, p];
      });
    }
    if (this.aggregation() === 'logit') {
      // softmax boosting: tree i adds to class i mod K
      const K = classes.length;
      return x.map((r) => {
        const m = new Array<number>(K).fill(this.baseMargin);
        this.trees.forEach((t, i) => (m[i % K] += t.value[leafOf(t, r, this.rule)][0]));
        const p = new Array<number>(K);
        softmaxInto(m, 0, K, p);
        return p;
      });
    }
    return x.map((r) => {
      const p = new Array<number>(classes.length).fill(0);
      for (const t of this.trees) t.value[leafOf(t, r, this.rule)].forEach((v, k) => (p[k] += v / this.trees.length));
      return p;
    });
  }

  get compileInfo(): CompiledTrees | undefined {
    return this.compiled?.info;
  }

  get fheModel(): TreeFheModel | undefined {
    return this.compiled?.fhe;
  }

  get quantized(): QuantizedTrees | undefined {
    return this.compiled?.quant;
  }

  /** Quantize on calibration rows and compile by the Hummingbird GEMM method (hummingbird.ts). */
  compile(xcal: number[][], o: TreeCompileOptions = {}): CompiledTrees {
    const classes = this.classesOrThrow();
    checkX(xcal, this.features, 'Xcal');
    const nBits = o.nBits ?? 6;
    const leafBits = o.leafBits ?? nBits;
    const quant = quantizeTrees(
      this.trees,
      xcal,
      { aggregation: this.aggregation(), classes: classes.length, baseMargin: this.baseMargin },
      { inputBits: nBits, leafBits },
    );
    const plan = planHummingbird(quant, this.kind, { pairLeaves: o.pairLeaves });
    const maxN = o.maxPolynomialSize ?? 2048;
    const cal = xcal.slice(0, 500);
    this.dispose();
    const fhe = TreeFheModel.compile(plan, quantizeFeatureRows(cal, quant.inputQuant), cal.length, {
      name: this.kind,
      pError: o.pError ?? DEFAULT_TREE_P_ERROR,
      parameterSet: o.parameterSet,
      candidates: o.candidates ?? defaultCandidates().filter((n) => readParameterSet(n).polynomialSize <= maxN),
    });
    const info: CompiledTrees = { nBits, leafBits, ...fhe.info };
    this.compiled = { quant, fhe, info };
    return info;
  }

  /** Probabilities, labels and (quantized modes) the integer sums of one predict call. */
  async outputs(x: number[][], o: ModelPredictOptions = {}): Promise<TreeOutputs> {
    this.classesOrThrow();
    if (o.fhe === undefined) {
      const proba = this.floatProba(x);
      const labels = proba.map((p) => {
        let best = 0;
        for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
        return best;
      });
      return { proba, labels };
    }
    const mode: FheOption = o.fhe;
    if (mode !== 'disable' && mode !== 'simulate' && mode !== 'execute')
      throw new RangeError(`fhe must be 'disable', 'simulate' or 'execute', got ${JSON.stringify(o.fhe)}`);
    if (!this.compiled) throw new Error(`${this.kind}: fhe "${mode}" needs compile(Xcal) first`);
    checkX(x, this.features);
    const { quant, fhe } = this.compiled;
    const levels = quantizeFeatureRows(x, quant.inputQuant);
    let outputs: Int32Array;
    let times: TreeExecuteTimes | undefined;
    if (mode === 'disable') outputs = treeOutputs(quant, levels, x.length);
    else if (mode === 'simulate') outputs = fhe.simulate(levels, x.length, { noise: o.noise, seed: o.seed });
    else ({ outputs, times } = await fhe.execute(levels, x.length, { threads: o.threads, onSample: o.onSample }));
    const scores = scoresOf(quant, outputs, x.length);
    return {
      proba: x.map((_, i) => probabilitiesOf(quant, scores, i)),
      labels: x.map((_, i) => classIndexOf(quant, scores, i)),
      treeOutputs: outputs,
      scores,
      times,
    };
  }

  async predictProba(x: number[][], o: ModelPredictOptions = {}): Promise<number[][]> {
    return (await this.outputs(x, o)).proba;
  }

  async predict(x: number[][], o: ModelPredictOptions = {}): Promise<number[]> {
    const classes = this.classesOrThrow();
    return (await this.outputs(x, o)).labels.map((k) => classes[k]);
  }

  async score(x: number[][], y: number[], o: ModelPredictOptions = {}): Promise<number> {
    checkY(y, x.length);
    const p = await this.predict(x, o);
    return p.filter((v, i) => v === y[i]).length / y.length;
  }

  /** Frees the client keys of an executed session (the compiled circuit stays). */
  dispose(): void {
    this.compiled?.fhe.dispose();
  }
}

function positiveInt(v: number, what: string, allowInfinity = false): number {
  if (!(Number.isInteger(v) && v >= 1) && !(allowInfinity && v === Infinity)) throw new RangeError(`${what} must be a positive integer, got ${v}`);
  return v;
}

/**
 * A model's options with its defaults filled in (an option given as undefined takes the
 * default); the named counts are checked as positive integers (maxDepth may be Infinity).
 */
function withDefaults<T extends object>(given: T, defaults: Required<T>, counts: readonly (keyof T & string)[]): Required<T> {
  const o = { ...defaults };
  for (const k of Object.keys(defaults) as (keyof T)[]) if (given[k] !== undefined) o[k] = given[k] as Required<T>[keyof T];
  for (const k of counts) positiveInt(o[k] as number, k, k === 'maxDepth');
  return o;
}

function giniStats(y: Int32Array, classes: number): Float64Array {
  const s = new Float64Array(y.length * classes);
  y.forEach((c, i) => (s[i * classes + c] = 1));
  return s;
}

export interface DecisionTreeOptions {
  /** Default: none (Infinity), as scikit-learn's. */
  maxDepth?: number;
  minSamplesSplit?: number;
  minSamplesLeaf?: number;
}

const TREE_COUNTS = ['maxDepth', 'minSamplesSplit', 'minSamplesLeaf'] as const;
const TREE_DEFAULTS: Required<DecisionTreeOptions> = { maxDepth: Infinity, minSamplesSplit: 2, minSamplesLeaf: 1 };

export class DecisionTreeClassifier extends TreeEnsembleClassifier {
  readonly kind = 'decision-tree' as const;
  readonly o: Required<DecisionTreeOptions>;

  constructor(o: DecisionTreeOptions = {}) {
    super();
    this.o = withDefaults(o, TREE_DEFAULTS, TREE_COUNTS);
  }

  protected aggregation(): Aggregation {
    return 'mean';
  }

  protected train(data: SortedColumns, y: Int32Array, classes: number): void {
    const rs = { width: classes, stats: giniStats(y, classes), weight: new Float64Array(y.length).fill(1) };
    this.trees = [growTree(data, rs, { criterion: { kind: 'gini', classes }, ...this.o })];
  }
}

export interface RandomForestOptions extends DecisionTreeOptions {
  /** Default 100, as scikit-learn's. */
  nEstimators?: number;
  /** Features tried per node: 'sqrt' (default), 'all' or a number. */
  maxFeatures?: 'sqrt' | 'all' | number;
  bootstrap?: boolean;
  seed?: number;
}

export class RandomForestClassifier extends TreeEnsembleClassifier {
  readonly kind = 'random-forest' as const;
  readonly o: Required<RandomForestOptions>;

  constructor(o: RandomForestOptions = {}) {
    super();
    this.o = withDefaults(o, { ...TREE_DEFAULTS, nEstimators: 100, maxFeatures: 'sqrt', bootstrap: true, seed: 0 }, [...TREE_COUNTS, 'nEstimators']);
    const mf = this.o.maxFeatures;
    if (mf !== 'sqrt' && mf !== 'all') positiveInt(mf, 'maxFeatures');
  }

  protected aggregation(): Aggregation {
    return 'mean';
  }

  protected train(data: SortedColumns, y: Int32Array, classes: number): void {
    const mf = this.o.maxFeatures;
    const maxFeatures = mf === 'all' ? data.features : mf === 'sqrt' ? Math.max(1, Math.floor(Math.sqrt(data.features))) : Math.min(mf, data.features);
    const rng = new SeededRng(this.o.seed);
    const stats = giniStats(y, classes);
    for (let t = 0; t < this.o.nEstimators; t++) {
      const weight = new Float64Array(y.length);
      if (this.o.bootstrap) for (let i = 0; i < y.length; i++) weight[rng.nextInt(y.length)] += 1;
      else weight.fill(1);
      const { maxDepth, minSamplesSplit, minSamplesLeaf } = this.o;
      this.trees.push(
        growTree(
          data,
          { width: classes, stats, weight },
          { criterion: { kind: 'gini', classes }, maxDepth, minSamplesSplit, minSamplesLeaf, maxFeatures, rng },
        ),
      );
    }
  }
}

export interface XGBOptions {
  /** XGBoost 1.7's defaults: 100 rounds, depth 6, learning rate 0.3, λ 1, γ 0, min_child_weight 1, base_score 0.5. */
  nEstimators?: number;
  maxDepth?: number;
  learningRate?: number;
  lambda?: number;
  gamma?: number;
  minChildWeight?: number;
  baseScore?: number;
}

/** XGBoost's floor of a hessian (its kRtEps), so that a leaf's −G/(H + λ) stays finite. */
const MIN_HESSIAN = 1e-16;

/**
 * XGBoost-style gradient boosting. Two classes: binary logistic (XGBoost's binary:logistic),
 * one tree per round on the margin of the second class, base margin logit(base_score).
 * More classes: softmax (XGBoost's multi:softprob), one tree per class per round — tree i adds
 * to class i mod K's margin — grown on g = p_k − [y = k], h = 2·p_k·(1 − p_k) from the softmax
 * of the margins before the round, every class starting at base_score itself (softmax has no
 * link to invert; the common start cancels in the softmax and the argmax).
 */
export class XGBClassifier extends TreeEnsembleClassifier {
  readonly kind = 'xgboost' as const;
  readonly o: Required<XGBOptions>;

  constructor(o: XGBOptions = {}) {
    super();
    const defaults = { nEstimators: 100, maxDepth: 6, learningRate: 0.3, lambda: 1, gamma: 0, minChildWeight: 1, baseScore: 0.5 };
    this.o = withDefaults(o, defaults, ['nEstimators', 'maxDepth']);
    const { learningRate: eta, lambda, gamma, minChildWeight, baseScore } = this.o;
    if (!(eta > 0 && eta <= 1)) throw new RangeError(`learningRate must be in (0, 1], got ${eta}`);
    if (!(lambda >= 0) || !(gamma >= 0) || !(minChildWeight >= 0))
      throw new RangeError(`lambda, gamma and minChildWeight must be ≥ 0, got ${lambda}, ${gamma}, ${minChildWeight}`);
    if (!(baseScore > 0 && baseScore < 1)) throw new RangeError(`baseScore must be in (0, 1), got ${baseScore}`);
  }

  protected aggregation(): Aggregation {
    return 'logit';
  }

  /** XGBoost's: x < t, so that a test value at a threshold goes where XGBoost sends it. */
  protected override splitRule(): SplitRule {
    return '<';
  }

  protected train(data: SortedColumns, y: Int32Array, classes: number): void {
    const { baseScore, learningRate, lambda, gamma, minChildWeight, maxDepth, nEstimators } = this.o;
    const n = y.length;
    // one margin per (row, class) in softmax; binary: the second class's margin only
    const K = classes === 2 ? 1 : classes;
    this.baseMargin = K === 1 ? Math.log(baseScore / (1 - baseScore)) : baseScore;
    const margin = new Float64Array(n * K).fill(this.baseMargin);
    const stats = Array.from({ length: K }, () => new Float64Array(2 * n));
    const weight = new Float64Array(n).fill(1);
    const p = new Float64Array(K);
    for (let t = 0; t < nEstimators; t++) {
      for (let i = 0; i < n; i++) {
        if (K === 1) {
          const q = 1 / (1 + Math.exp(-margin[i]));
          stats[0][2 * i] = q - y[i];
          stats[0][2 * i + 1] = Math.max(q * (1 - q), MIN_HESSIAN);
          continue;
        }
        softmaxInto(margin, i * K, K, p);
        for (let k = 0; k < K; k++) {
          stats[k][2 * i] = p[k] - (y[i] === k ? 1 : 0);
          stats[k][2 * i + 1] = Math.max(2 * p[k] * (1 - p[k]), MIN_HESSIAN);
        }
      }
      // the round's K trees all read the margins from before it
      for (let k = 0; k < K; k++) {
        const tree = growTree(
          data,
          { width: 2, stats: stats[k], weight },
          { criterion: { kind: 'xgb', lambda, gamma, minChildWeight, eta: learningRate }, maxDepth, minSamplesSplit: 2, minSamplesLeaf: 1, rule: '<' },
        );
        this.trees.push(tree);
        for (let i = 0; i < n; i++) {
          let node = 0;
          while (tree.feature[node] >= 0) node = data.columns[tree.feature[node]][i] < tree.threshold[node] ? tree.left[node] : tree.right[node];
          margin[i * K + k] += tree.value[node][0];
        }
      }
    }
  }
}
