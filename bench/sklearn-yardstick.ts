/**
 * scikit-learn's linear models (bench/yardsticks/sklearn_linear.py, Debian's python3-sklearn)
 * on a split given here, as a subprocess in the same run: their scores are the yardstick of
 * `privlab bench fhe-sklearn`, and their exported weights load with linearModelFromJson.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../src/util/files';
import type { LinearKind, LinearModelJson, TreeKind, TreeModelJson } from '../src/models';
import type { TabularSplit } from '../src/data/tabular';

export interface SklearnModelRun {
  score: number;
  predictions: number[];
  fit_s: number;
  ms_per_prediction: number;
  model: LinearModelJson;
}

export interface SklearnRun {
  sklearn: string;
  models: Partial<Record<LinearKind, SklearnModelRun>>;
}

function python(): string {
  return process.env.PRIVLAB_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** Fit and score scikit-learn's `models` on the split; `tight` lowers its tolerances (for coefficient comparisons). */
export function runSklearnLinear(split: TabularSplit, models: LinearKind[], tight = false): SklearnRun {
  const script = path.join(packageRoot(), 'bench', 'yardsticks', 'sklearn_linear.py');
  const input = JSON.stringify({ ...split, models, tight });
  const r = spawnSync(python(), [script], { input, encoding: 'utf8', maxBuffer: 256 << 20, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`scikit-learn yardstick failed (exit ${r.status}): ${r.stderr?.slice(-2000)}`);
  return JSON.parse(r.stdout) as SklearnRun;
}

export interface TreeSpec {
  kind: TreeKind;
  maxDepth: number;
  nEstimators: number;
  seed?: number;
}

export interface TreeYardstickRun {
  score: number;
  predictions: number[];
  proba: number[];
  /** [rows × classes] */
  proba_all: number[][];
  fit_s: number;
  ms_per_prediction: number;
  model: TreeModelJson;
}

/** scikit-learn's / XGBoost's trees (bench/yardsticks/sklearn_trees.py) fitted and scored on the split. */
export function runSklearnTrees(
  split: TabularSplit,
  models: TreeSpec[],
): { sklearn: string; xgboost: string | null; models: Partial<Record<TreeKind, TreeYardstickRun>> } {
  const script = path.join(packageRoot(), 'bench', 'yardsticks', 'sklearn_trees.py');
  const r = spawnSync(python(), [script], { input: JSON.stringify({ ...split, models }), encoding: 'utf8', maxBuffer: 256 << 20, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`scikit-learn/XGBoost tree yardstick failed (exit ${r.status}): ${r.stderr?.slice(-2000)}`);
  return JSON.parse(r.stdout);
}
