/**
 * Newton's method with a backtracking line search for the smooth convex objectives of the
 * linear models (L2-regularized logistic loss, squared hinge). Their Hessians are
 * (p+1)x(p+1) with p ≤ a few hundred features here, so each step solves the Newton
 * system exactly (Cholesky, ml-matrix) and the solution converges to machine precision in
 * a few dozen steps — closer to the optimum than scikit-learn's default tolerances,
 * which is what lets the tests compare coefficients with scikit-learn's.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

export interface Objective {
  /** Value at w. */
  value(w: Float64Array): number;
  /** Gradient and Hessian at w. */
  derivatives(w: Float64Array): { gradient: Float64Array; hessian: Matrix };
}

export function minimizeNewton(f: Objective, dim: number, maxIter = 100, tol = 1e-10): Float64Array {
  let w = new Float64Array(dim);
  let fw = f.value(w);
  for (let it = 0; it < maxIter; it++) {
    const { gradient, hessian } = f.derivatives(w);
    const gnorm = Math.sqrt(gradient.reduce((s, g) => s + g * g, 0));
    if (gnorm < tol * Math.max(1, Math.abs(fw))) break;
    const chol = new CholeskyDecomposition(hessian);
    if (!chol.isPositiveDefinite()) throw new RangeError('the Newton system is not positive definite (is a feature constant or the data degenerate?)');
    const step = chol.solve(Matrix.columnVector(Array.from(gradient))).getColumn(0);
    const slope = step.reduce((s, d, i) => s + d * gradient[i], 0);
    let t = 1;
    let next = w;
    let fNext = fw;
    for (let k = 0; k < 50; k++, t /= 2) {
      next = Float64Array.from(w, (v, i) => v - t * step[i]);
      fNext = f.value(next);
      if (fNext <= fw - 1e-4 * t * slope) break;
    }
    if (!(fNext < fw)) break; // no decrease left at double precision
    w = next;
    fw = fNext;
  }
  return w;
}

/** Σ_i c_i · x̃_i x̃_iᵀ with x̃ = [x, 1] (the bias as the last coordinate). */
export function weightedGram(x: number[][], c: ArrayLike<number>, dim: number): Matrix {
  const h = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < x.length; i++) {
    if (c[i] === 0) continue;
    row.set(x[i]);
    row[dim - 1] = 1;
    for (let a = 0; a < dim; a++) {
      const ca = c[i] * row[a];
      if (ca === 0) continue;
      for (let b = a; b < dim; b++) h[a * dim + b] += ca * row[b];
    }
  }
  const m = new Matrix(dim, dim);
  for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) m.set(a, b, h[a * dim + b]).set(b, a, h[a * dim + b]);
  return m;
}

/** w·x + bias, with w̃ = [w, bias]. */
export function affine(w: Float64Array, x: number[]): number {
  let s = w[w.length - 1];
  for (let j = 0; j < x.length; j++) s += w[j] * x[j];
  return s;
}
