/**
 * The float64 linear algebra of FID: the LAPACK route (native kernels addon) and the
 * ml-matrix route give the same eigenvalues, eigenvectors that rebuild the matrix, the
 * same products, and the same Fréchet distance; numpy's eigvalsh is the outside reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Matrix } from 'ml-matrix';
import { frechetDistance, GaussianStats } from '../../src/metrics';
import { linalgBackend, matmul, symmetricEigen } from '../../src/metrics/linalg';
import { systemPython } from '../../src/jupyter/env';
import { SeededRng } from '../../src/util/rng';
import { withEnv } from '../support/env';

function withRoute<T>(route: 'native' | 'js', fn: () => T): T {
  return withEnv({ PRIVLAB_LINALG: route === 'js' ? 'js' : undefined }, fn);
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new SeededRng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = rng.next() * 2 - 1;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
}

test('the native addon provides the LAPACK route here', () => {
  assert.equal(linalgBackend(), 'lapack', 'native/kernels is built by the set-up; FID would fall back to ml-matrix (minutes at d = 2048)');
  assert.equal(
    withRoute('js', () => linalgBackend()),
    'ml-matrix',
  );
});

test('symmetric eigendecomposition: both routes equal numpy eigvalsh; eigenvectors rebuild the matrix', () => {
  const n = 40;
  const a = randomSymmetric(n, 3);
  const ref: number[] = JSON.parse(
    execFileSync(
      systemPython(),
      ['-c', 'import numpy as np, json, sys; a = np.array(json.loads(sys.stdin.read())); print(json.dumps(np.linalg.eigvalsh(a).tolist()))'],
      {
        input: JSON.stringify(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)))),
        encoding: 'utf8',
      },
    ),
  );
  for (const route of ['native', 'js'] as const) {
    const { values, vectors } = withRoute(route, () => symmetricEigen(a, n, true));
    values.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-12, `${route}: λ${i} ${v} vs numpy ${ref[i]}`));
    // Vᵀ Λ V = A, with row r of V the r-th eigenvector.
    const scaled = Float64Array.from(vectors as Float64Array, (x, k) => x * values[Math.floor(k / n)]);
    const rebuilt = withRoute(route, () => matmul(vectors as Float64Array, scaled, n, n, n, true, false));
    rebuilt.forEach((x, k) => assert.ok(Math.abs(x - a[k]) < 1e-12, `${route}: entry ${k} ${x} vs ${a[k]}`));
  }
});

test('matmul with transposes and the Fréchet distance agree between the routes', () => {
  const rng = new SeededRng(4);
  const a = Float64Array.from({ length: 5 * 3 }, () => rng.next());
  const b = Float64Array.from({ length: 5 * 4 }, () => rng.next());
  const native = withRoute('native', () => matmul(a, b, 3, 4, 5, true, false));
  const js = withRoute('js', () => matmul(a, b, 3, 4, 5, true, false));
  native.forEach((x, i) => assert.ok(Math.abs(x - js[i]) < 1e-14));
  const stats = (seed: number, d: number): GaussianStats => {
    const s = randomSymmetric(d, seed);
    const spd = matmul(s, s, d, d, d);
    return {
      mu: Float64Array.from({ length: d }, (_, i) => i / d),
      sigma: new Matrix(Array.from({ length: d }, (_, i) => Array.from(spd.subarray(i * d, (i + 1) * d)))),
      count: 0,
    };
  };
  const [p, q] = [stats(5, 60), stats(6, 60)];
  const fdNative = withRoute('native', () => frechetDistance(p, q));
  const fdJs = withRoute('js', () => frechetDistance(p, q));
  assert.ok(Math.abs(fdNative - fdJs) <= 1e-10 * fdJs, `${fdNative} vs ${fdJs}`);
});
