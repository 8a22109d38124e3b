/**
 * The clear training of the linear models, written here rather than taken from npm:
 * ml-logistic-regression (gradient descent, fixed step count, no L2 term) and
 * ml-regression-multivariate-linear do not minimise scikit-learn's objectives, so their
 * coefficients would not be comparable with scikit-learn's yardstick. These do:
 *
 * - least squares (LinearRegression): min Σ (w·x + b − y)², normal equations;
 * - logistic (LogisticRegression, binary, C): min ½‖w‖² + C Σ log(1 + e^(−y(w·x+b))),
 *   bias unpenalized (lbfgs's objective);
 * - squared hinge (LinearSVC, C): min ½‖w̃‖² + C Σ max(0, 1 − y·w̃·x̃)², where w̃ includes
 *   the bias (liblinear appends a constant feature of 1, so the bias is penalized too).
 *
 * Multi-class models are one-vs-rest, one binary problem per class (LinearSVC's scheme; for
 * LogisticRegression it matches scikit-learn's multi_class="ovr").
 */
import { Matrix, solve } from 'ml-matrix';
import { affine, minimizeNewton, weightedGram } from './newton';

export interface LinearSolution {
  /** Coefficients [outputs × features] and intercepts [outputs]. */
  coef: number[][];
  intercept: number[];
}

function split(w: Float64Array): { coef: number[]; intercept: number } {
  return { coef: Array.from(w.subarray(0, w.length - 1)), intercept: w[w.length - 1] };
}

/** Ordinary least squares with an intercept (tiny ridge 1e-10·trace only to keep a singular design solvable). */
export function leastSquares(x: number[][], y: number[]): LinearSolution {
  const dim = x[0].length + 1;
  const h = weightedGram(x, new Float64Array(x.length).fill(1), dim);
  let trace = 0;
  for (let a = 0; a < dim; a++) trace += h.get(a, a);
  for (let a = 0; a < dim; a++) h.set(a, a, h.get(a, a) + 1e-12 * trace);
  const rhs = new Float64Array(dim);
  x.forEach((r, i) => {
    for (let j = 0; j < dim - 1; j++) rhs[j] += r[j] * y[i];
    rhs[dim - 1] += y[i];
  });
  const w = Float64Array.from(solve(h, Matrix.columnVector(Array.from(rhs))).getColumn(0));
  const s = split(w);
  return { coef: [s.coef], intercept: [s.intercept] };
}

function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/** Binary L2 logistic regression; `positive[i]` says whether row i is the positive class. */
export function logisticBinary(x: number[][], positive: boolean[], c: number): { coef: number[]; intercept: number } {
  const dim = x[0].length + 1;
  const sign = positive.map((p) => (p ? 1 : -1));
  const w = minimizeNewton(
    {
      value(w) {
        let s = 0;
        for (let j = 0; j < dim - 1; j++) s += 0.5 * w[j] * w[j];
        for (let i = 0; i < x.length; i++) s -= c * logSigmoid(sign[i] * affine(w, x[i]));
        return s;
      },
      derivatives(w) {
        const g = Float64Array.from(w, (v, j) => (j < dim - 1 ? v : 0));
        const curv = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const p = 1 / (1 + Math.exp(-affine(w, x[i])));
          const r = c * (p - (positive[i] ? 1 : 0));
          for (let j = 0; j < dim - 1; j++) g[j] += r * x[i][j];
          g[dim - 1] += r;
          curv[i] = c * p * (1 - p);
        }
        const hessian = weightedGram(x, curv, dim);
        for (let j = 0; j < dim - 1; j++) hessian.set(j, j, hessian.get(j, j) + 1);
        hessian.set(dim - 1, dim - 1, hessian.get(dim - 1, dim - 1) + 1e-12);
        return { gradient: g, hessian };
      },
    },
    dim,
  );
  return split(w);
}

/** Binary L2-regularized squared-hinge SVM (liblinear's primal L2-loss problem, bias penalized). */
export function squaredHingeBinary(x: number[][], positive: boolean[], c: number): { coef: number[]; intercept: number } {
  const dim = x[0].length + 1;
  const sign = positive.map((p) => (p ? 1 : -1));
  const w = minimizeNewton(
    {
      value(w) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += 0.5 * w[j] * w[j];
        for (let i = 0; i < x.length; i++) {
          const m = 1 - sign[i] * affine(w, x[i]);
          if (m > 0) s += c * m * m;
        }
        return s;
      },
      derivatives(w) {
        const g = Float64Array.from(w);
        const active = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const m = 1 - sign[i] * affine(w, x[i]);
          if (m <= 0) continue;
          const r = -2 * c * m * sign[i];
          for (let j = 0; j < dim - 1; j++) g[j] += r * x[i][j];
          g[dim - 1] += r;
          active[i] = 2 * c;
        }
        // the generalized Hessian of the squared hinge (the loss is C¹, piecewise quadratic)
        const hessian = weightedGram(x, active, dim);
        for (let j = 0; j < dim; j++) hessian.set(j, j, hessian.get(j, j) + 1);
        return { gradient: g, hessian };
      },
    },
    dim,
  );
  return split(w);
}

/** One-vs-rest: a binary problem per class; two classes need one (the second class positive, as scikit-learn). */
export function oneVsRest(
  x: number[][],
  y: number[],
  classes: number[],
  binary: (x: number[][], positive: boolean[], c: number) => { coef: number[]; intercept: number },
  c: number,
): LinearSolution {
  const targets = classes.length === 2 ? [classes[1]] : classes;
  const fits = targets.map((k) =>
    binary(
      x,
      y.map((v) => v === k),
      c,
    ),
  );
  return { coef: fits.map((f) => f.coef), intercept: fits.map((f) => f.intercept) };
}
