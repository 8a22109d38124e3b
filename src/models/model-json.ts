/**
 * Trained linear models as JSON: privlab's own export and what
 * bench/yardsticks/sklearn_linear.py writes from a scikit-learn model (coef_, intercept_,
 * classes_), so a model trained elsewhere is compiled and run here unchanged.
 *
 *   { "format": "privlab.linear-model", "version": 1, "kind": "logistic-regression",
 *     "coef": [[…]], "intercept": […], "classes": [0, 1] }
 *
 * scikit-learn's binary classifiers have one row of coef_ (the second class's decision),
 * as here.
 */
import { LinearClassifier, LinearKind, LinearModel } from './linear-model';
import { LinearRegression } from './linear-regression';
import { LogisticRegression } from './logistic-regression';
import { LinearSVC } from './linear-svc';
import { modelOfKind, readModelJson } from './model-json-checks';

export interface LinearModelJson {
  format: 'privlab.linear-model';
  version: 1;
  kind: LinearKind;
  coef: number[][];
  intercept: number[];
  classes?: number[];
}

export function linearModelToJson(m: LinearModel): LinearModelJson {
  if (!m.coef || !m.intercept) throw new Error(`${m.kind}: not fitted`);
  const out: LinearModelJson = { format: 'privlab.linear-model', version: 1, kind: m.kind, coef: m.coef, intercept: m.intercept };
  if (m instanceof LinearClassifier) out.classes = m.classes;
  return out;
}

/** A model from its JSON form (an object or text); wrong shapes are RangeErrors naming the field. */
export function linearModelFromJson(json: unknown): LinearModel {
  const j = readModelJson<LinearModelJson>(json, 'privlab.linear-model');
  const m = modelOfKind<LinearModel>(
    j.kind,
    { 'linear-regression': () => new LinearRegression(), 'logistic-regression': () => new LogisticRegression(), 'linear-svc': () => new LinearSVC() },
    'linear-model',
  );
  if (m instanceof LinearClassifier) return m.setClassWeights(j.coef, j.intercept, j.classes as number[]);
  m.setWeights(j.coef, j.intercept);
  if (j.coef.length !== 1) throw new RangeError(`a linear regression has one coef row, got ${j.coef.length}`);
  return m;
}
