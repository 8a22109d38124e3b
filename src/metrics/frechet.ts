/**
 * The Fréchet distance between two Gaussians (Dowson & Landau 1982), as FID uses it:
 *   ‖μ1 − μ2‖² + Tr(Σ1) + Tr(Σ2) − 2 Tr((Σ1^½ Σ2 Σ1^½)^½).
 * pytorch-fid computes the last trace as Tr(sqrtm(Σ1 Σ2)) with a general (Schur)
 * matrix square root. Σ1^½ Σ2 Σ1^½ is similar to Σ1 Σ2 but symmetric positive
 * semi-definite, so its trace root is Σ √λᵢ over a *symmetric* eigendecomposition:
 * stable, real, and without the ad-hoc diagonal offset. Tiny negative eigenvalues
 * from rounding are clamped to zero.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { GaussianStats } from './gaussian-stats';

function symmetricEigen(m: Matrix): { values: number[]; vectors: Matrix } {
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  return { values: e.realEigenvalues, vectors: e.eigenvectorMatrix };
}

/** Square root of a symmetric PSD matrix: V diag(√max(λ,0)) Vᵀ. */
export function sqrtPsd(m: Matrix): Matrix {
  const { values, vectors } = symmetricEigen(m);
  const scaled = vectors.clone();
  for (let j = 0; j < values.length; j++) {
    const s = Math.sqrt(Math.max(values[j], 0));
    for (let i = 0; i < scaled.rows; i++) scaled.set(i, j, scaled.get(i, j) * s);
  }
  return scaled.mmul(vectors.transpose());
}

/** Tr((Σ1^½ Σ2 Σ1^½)^½) = Tr(sqrtm(Σ1 Σ2)). */
export function traceSqrtProduct(sigma1: Matrix, sigma2: Matrix): number {
  const r = sqrtPsd(sigma1);
  const m = r.mmul(sigma2).mmul(r);
  // Symmetrise away rounding before the symmetric solver.
  const sym = m.add(m.transpose()).div(2);
  return symmetricEigen(sym).values.reduce((acc, v) => acc + Math.sqrt(Math.max(v, 0)), 0);
}

export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  const d = a.mu.length;
  if (b.mu.length !== d || a.sigma.rows !== d || a.sigma.columns !== d || b.sigma.rows !== d || b.sigma.columns !== d) {
    throw new RangeError(
      `feature dimensions differ: μ ${a.mu.length} vs ${b.mu.length}, Σ ${a.sigma.rows}x${a.sigma.columns} vs ${b.sigma.rows}x${b.sigma.columns}`,
    );
  }
  let diff2 = 0;
  for (let i = 0; i < d; i++) diff2 += (a.mu[i] - b.mu[i]) ** 2;
  const fd = diff2 + a.sigma.trace() + b.sigma.trace() - 2 * traceSqrtProduct(a.sigma, b.sigma);
  // Mathematically ≥ 0; rounding can leave a tiny negative for identical inputs.
  return Math.max(fd, 0);
}
