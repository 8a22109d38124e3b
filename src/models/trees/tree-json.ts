/**
 * Trained tree ensembles as JSON: privlab's own export and what
 * bench/yardsticks/sklearn_trees.py writes from scikit-learn's trees (tree_.feature,
 * threshold, children_left/right, value normalized to probabilities) and XGBoost's booster
 * dump (split, split_condition, yes/no, leaf; base_score as a margin), so a model trained
 * elsewhere is compiled and run here unchanged:
 *
 *   { "format": "privlab.tree-model", "version": 1, "kind": "random-forest",
 *     "rule": "<=", "features": 57, "classes": [0, 1], "baseMargin": 0,
 *     "trees": [{ "feature": […], "threshold": […], "left": […], "right": […], "value": [[…]…] }] }
 *
 * A leaf has feature −1; each leaf's value holds the class probabilities (decision trees,
 * forests) or one margin (XGBoost, rule "<"; with K > 2 classes tree i adds to class i mod K,
 * XGBoost's order, and baseMargin is base_score itself).
 */
import { DecisionTreeClassifier, RandomForestClassifier, TreeEnsembleClassifier, TreeKind, XGBClassifier } from './tree-models';
import { SplitRule, Tree, checkTree } from './tree';
import { checkClasses, modelOfKind, readModelJson } from '../model-json-checks';

export interface TreeModelJson {
  format: 'privlab.tree-model';
  version: 1;
  kind: TreeKind;
  rule: SplitRule;
  features: number;
  classes: number[];
  baseMargin: number;
  trees: Tree[];
}

export function treeModelToJson(m: TreeEnsembleClassifier): TreeModelJson {
  if (!m.classes || m.trees.length === 0) throw new Error(`${m.kind}: not fitted`);
  return {
    format: 'privlab.tree-model',
    version: 1,
    kind: m.kind,
    rule: m.rule,
    features: m.features,
    classes: m.classes,
    baseMargin: m.baseMargin,
    trees: m.trees,
  };
}

/** A model from its JSON form (an object or text); wrong shapes are errors naming the field. */
export function treeModelFromJson(json: unknown): TreeEnsembleClassifier {
  const j = readModelJson<TreeModelJson>(json, 'privlab.tree-model');
  const m = modelOfKind<TreeEnsembleClassifier>(
    j.kind,
    { 'decision-tree': () => new DecisionTreeClassifier(), 'random-forest': () => new RandomForestClassifier(), xgboost: () => new XGBClassifier() },
    'tree-model',
  );
  if (j.rule !== '<=' && j.rule !== '<') throw new RangeError(`rule must be "<=" or "<", got ${JSON.stringify(j.rule)}`);
  if (!Number.isInteger(j.features) || j.features < 1) throw new RangeError(`features must be a positive integer, got ${String(j.features)}`);
  const c = checkClasses(j.classes);
  if (!Number.isFinite(j.baseMargin)) throw new RangeError(`baseMargin must be a finite number, got ${String(j.baseMargin)}`);
  if (!Array.isArray(j.trees) || j.trees.length === 0) throw new RangeError('trees must be a non-empty array');
  if (j.kind === 'xgboost' && c.length > 2 && j.trees.length % c.length !== 0)
    throw new RangeError(`an XGBoost model of ${c.length} classes has one tree per class per round, got ${j.trees.length} trees`);
  const width = j.kind === 'xgboost' ? 1 : c.length;
  const trees = j.trees.map((t, i) => checkTree(t, j.features, width, `tree ${i}`));
  return m.setTrees(trees, c, j.features, j.rule, j.baseMargin);
}
