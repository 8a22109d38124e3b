/**
 * The Fréchet distance between two Gaussians (Dowson & Landau 1982), as FID uses it:
 *   ‖μ1 − μ2‖² + Tr(Σ1) + Tr(Σ2) − 2 Tr((Σ1^½ Σ2 Σ1^½)^½).
 * pytorch-fid computes the last trace as Tr(sqrtm(Σ1 Σ2)) with a general (Schur)
 * matrix square root. Σ1^½ Σ2 Σ1^½ is similar to Σ1 Σ2 but symmetric positive
 * semi-definite, so its trace root is Σ √λᵢ over a *symmetric* eigendecomposition:
 * stable, real, and without the ad-hoc diagonal offset. Tiny negative eigenvalues
 * from rounding are clamped to zero; clearly negative ones mean a covariance that is
 * not positive semi-definite, and are an error.
 *
 * With Σ1 = Vᵀ Λ V (rows of V the eigenvectors), Σ1^½ Σ2 Σ1^½ is similar to
 * B Σ2 Bᵀ with B = Λ^½ V, so one eigendecomposition with vectors, two products and one
 * eigenvalues-only decomposition give the trace (linalg.ts: LAPACK when built).
 */
import { Matrix } from 'ml-matrix';
import { GaussianStats } from './gaussian-stats';
import { matmul, symmetricEigen } from './linalg';
import { NonFiniteError, requireFinite } from '../util/finite';

/** A covariance that cannot be one: not positive semi-definite beyond rounding. */
export class CovarianceError extends RangeError {
  constructor(
    /** Which argument of frechetDistance: 1 or 2. */
    readonly which: 1 | 2,
    readonly problem: string,
  ) {
    super(`the ${which === 1 ? 'first' : 'second'} covariance ${problem}`);
    this.name = 'CovarianceError';
  }
}

/** Eigenvalues below −PSD_TOLERANCE·max|λ| are not rounding (float64 solvers err near 1e-13 relative here). */
const PSD_TOLERANCE = 1e-6;

function checkPsd(values: Float64Array, which: 1 | 2): void {
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const min = values.length ? values[0] : 0;
  if (min < -PSD_TOLERANCE * maxAbs) {
    throw new CovarianceError(which, `is not positive semi-definite: eigenvalue ${min.toPrecision(6)} (largest magnitude ${maxAbs.toPrecision(6)})`);
  }
}

function flat(m: Matrix): Float64Array {
  const n = m.rows;
  const out = new Float64Array(n * m.columns);
  for (let i = 0; i < n; i++) out.set(m.getRow(i), i * m.columns);
  return out;
}

/** Λ^½ V of a PSD matrix: its eigenvectors scaled by √λ (clamped at 0), one per row. */
function scaledEigenvectors(s: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(s, n, true);
  checkPsd(values, 1);
  const b = vectors as Float64Array;
  for (let r = 0; r < n; r++) {
    const f = Math.sqrt(Math.max(values[r], 0));
    for (let i = 0; i < n; i++) b[r * n + i] *= f;
  }
  return b;
}

/** Square root of a symmetric PSD matrix: Vᵀ diag(√max(λ,0)) V. */
export function sqrtPsd(m: Matrix): Matrix {
  const n = m.rows;
  const v = symmetricEigen(flat(m), n, true);
  // (Λ^¼ V)ᵀ (Λ^¼ V) = Vᵀ Λ^½ V.
  const q = v.vectors as Float64Array;
  for (let r = 0; r < n; r++) {
    const f = Math.sqrt(Math.sqrt(Math.max(v.values[r], 0)));
    for (let i = 0; i < n; i++) q[r * n + i] *= f;
  }
  const out = matmul(q, q, n, n, n, true, false);
  return new Matrix(Array.from({ length: n }, (_, i) => Array.from(out.subarray(i * n, (i + 1) * n))));
}

/** Tr((Σ1^½ Σ2 Σ1^½)^½) = Tr(sqrtm(Σ1 Σ2)). */
export function traceSqrtProduct(sigma1: Matrix, sigma2: Matrix): number {
  const n = sigma1.rows;
  const b = scaledEigenvectors(flat(sigma1), n);
  const c = matmul(matmul(b, flat(sigma2), n, n, n), b, n, n, n, false, true);
  // Symmetrise away rounding before the symmetric solver.
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const v = (c[i * n + j] + c[j * n + i]) / 2;
      c[i * n + j] = v;
      c[j * n + i] = v;
    }
  // Entries beyond float64 (covariances near 1e150 and up) overflow here; LAPACK must not see them.
  requireFinite(c, 'Σ1^½ Σ2 Σ1^½ (the covariances are too large for float64)');
  const { values } = symmetricEigen(c, n, false);
  // Negative here (beyond rounding) means Σ2 has a negative direction that Σ1 does not hide.
  checkPsd(values, 2);
  return values.reduce((acc, v) => acc + Math.sqrt(Math.max(v, 0)), 0);
}

export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  const d = a.mu.length;
  if (b.mu.length !== d || a.sigma.rows !== d || a.sigma.columns !== d || b.sigma.rows !== d || b.sigma.columns !== d) {
    throw new RangeError(
      `feature dimensions differ: μ ${a.mu.length} vs ${b.mu.length}, Σ ${a.sigma.rows}x${a.sigma.columns} vs ${b.sigma.rows}x${b.sigma.columns}`,
    );
  }
  // NaN would otherwise surface as a failure inside the eigensolver, or as a NaN distance.
  requireFinite(a.mu, 'first statistics: mu');
  requireFinite(b.mu, 'second statistics: mu');
  for (const [s, what] of [
    [a.sigma, 'first statistics: sigma'],
    [b.sigma, 'second statistics: sigma'],
  ] as const) {
    for (let i = 0; i < d; i++) requireFinite(s.getRow(i), `${what} row ${i}`);
  }
  let diff2 = 0;
  for (let i = 0; i < d; i++) diff2 += (a.mu[i] - b.mu[i]) ** 2;
  const fd = diff2 + a.sigma.trace() + b.sigma.trace() - 2 * traceSqrtProduct(a.sigma, b.sigma);
  if (!Number.isFinite(fd)) throw new NonFiniteError('the Fréchet distance (statistics too large for float64)', 0, fd);
  // Mathematically ≥ 0; rounding can leave a tiny negative for identical inputs.
  return Math.max(fd, 0);
}
