/**
 * The float64 linear algebra FID needs (symmetric eigendecomposition, matrix products),
 * on flat row-major arrays: LAPACK/BLAS through the native kernels addon when it is
 * built, ml-matrix otherwise (same results to rounding; the native route is what makes
 * 2048-dimensional Inception statistics take seconds instead of minutes).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { loadNativeKernels, NativeKernels } from '../backend/native-addon';

type Lapack = Required<Pick<NativeKernels, 'symmetricEigen' | 'gemmF64'>>;

/** The addon's float64 routines, when it is built with them (and PRIVLAB_LINALG is not "js"). */
function native(): Lapack | undefined {
  if (process.env.PRIVLAB_LINALG === 'js') return undefined;
  const k = loadNativeKernels();
  return k?.symmetricEigen && k.gemmF64 ? (k as Lapack) : undefined;
}

/** Which implementation runs: 'lapack' (native addon) or 'ml-matrix'. PRIVLAB_LINALG=js forces ml-matrix. */
export function linalgBackend(): 'lapack' | 'ml-matrix' {
  return native() ? 'lapack' : 'ml-matrix';
}

export interface SymmetricEigen {
  /** Ascending. */
  values: Float64Array;
  /** Row i is the unit eigenvector of values[i] (n×n, row-major); only when asked for. */
  vectors?: Float64Array;
}

/** Eigen-decomposition of the symmetric n×n matrix `a` (row-major; not modified). */
export function symmetricEigen(a: Float64Array, n: number, wantVectors: boolean): SymmetricEigen {
  if (a.length !== n * n) throw new RangeError(`a ${n}x${n} matrix needs ${n * n} values, got ${a.length}`);
  const nat = native();
  if (nat) {
    const work = Float64Array.from(a);
    const values = new Float64Array(n);
    const info = nat.symmetricEigen(work, n, values, wantVectors);
    if (info !== 0) throw new RangeError(`the symmetric eigensolver did not converge (LAPACK dsyevd info ${info})`);
    return wantVectors ? { values, vectors: work } : { values };
  }
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, a[i * n + j]);
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const order = e.realEigenvalues.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const values = Float64Array.from(order, ([v]) => v);
  if (!wantVectors) return { values };
  const ev = e.eigenvectorMatrix;
  const vectors = new Float64Array(n * n);
  order.forEach(([, col], r) => {
    for (let i = 0; i < n; i++) vectors[r * n + i] = ev.get(i, col);
  });
  return { values, vectors };
}

/** op(a)·op(b), row-major; op(a) is m×k, op(b) is k×n. */
export function matmul(a: Float64Array, b: Float64Array, m: number, n: number, k: number, transA = false, transB = false): Float64Array {
  if (a.length !== m * k || b.length !== k * n)
    throw new RangeError(`matmul: ${m}x${k} by ${k}x${n} needs ${m * k} and ${k * n} values, got ${a.length} and ${b.length}`);
  const c = new Float64Array(m * n);
  const nat = native();
  if (nat) {
    nat.gemmF64(a, b, c, m, n, k, transA, transB);
    return c;
  }
  const A = transA ? new Matrix(k, m) : new Matrix(m, k);
  const B = transB ? new Matrix(n, k) : new Matrix(k, n);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.columns; j++) A.set(i, j, a[i * A.columns + j]);
  for (let i = 0; i < B.rows; i++) for (let j = 0; j < B.columns; j++) B.set(i, j, b[i * B.columns + j]);
  const C = (transA ? A.transpose() : A).mmul(transB ? B.transpose() : B);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[i * n + j] = C.get(i, j);
  return c;
}
