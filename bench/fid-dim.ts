/**
 * `privlab bench fid-dim`: time of the Fréchet distance of two d-dimensional Gaussians
 * (random positive-definite covariances, seeded) by the LAPACK route of
 * src/metrics/linalg.ts and by the ml-matrix route (PRIVLAB_LINALG=js), with the relative
 * difference of the two distances. d = 2048 is pytorch-fid's Inception pool3 dimension.
 */
import { parseArgs } from 'node:util';
import { Matrix } from 'ml-matrix';
import { frechetDistance } from '../src/metrics/frechet';
import { GaussianStats } from '../src/metrics/gaussian-stats';
import { linalgBackend, matmul } from '../src/metrics/linalg';
import { SeededRng } from '../src/util/rng';
import type { NamedBenchmark } from './benchmark';

/** Σ = A Aᵀ / d + 0.01 I with A d×d uniform in [-1, 1): full rank, Inception-like spread of eigenvalues. */
function randomStats(d: number, seed: number): GaussianStats {
  const rng = new SeededRng(seed);
  const a = Float64Array.from({ length: d * d }, () => 2 * rng.next() - 1);
  const s = matmul(a, a, d, d, d, false, true);
  const sigma = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) sigma.set(i, j, s[i * d + j] / d + (i === j ? 0.01 : 0));
  return { mu: Float64Array.from({ length: d }, () => (2 * rng.next() - 1) * 0.1), sigma, count: 0 };
}

function dims(text: string | undefined, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  if (text === '') return [];
  return text.split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`dimension "${s}" is not a positive integer`);
    return n;
  });
}

/** Wall and CPU seconds (this process, all threads: what other load on the machine does not inflate). */
function timed(route: 'lapack' | 'js', a: GaussianStats, b: GaussianStats): { seconds: number; cpuSeconds: number; fid: number } {
  const before = process.env.PRIVLAB_LINALG;
  if (route === 'js') process.env.PRIVLAB_LINALG = 'js';
  try {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const fid = frechetDistance(a, b);
    const c = process.cpuUsage(c0);
    return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6, fid };
  } finally {
    if (before === undefined) delete process.env.PRIVLAB_LINALG;
    else process.env.PRIVLAB_LINALG = before;
  }
}

export const fidDimBenchmark: NamedBenchmark = {
  name: 'fid-dim',
  usage: `fid-dim [--dims 64,512,2048] [--js-dims 64,512]
      Seconds (wall and CPU) per Fréchet distance of two random d-dimensional Gaussians by LAPACK (native
      kernels addon) and by ml-matrix (--js-dims; 2048 takes about 5 minutes), and the
      relative difference of the two distances where both ran.`,
  async run(argv, log) {
    const { values } = parseArgs({ args: argv, options: { dims: { type: 'string' }, 'js-dims': { type: 'string' } } });
    const all = dims(values.dims, [64, 512, 2048]);
    const js = new Set(dims(values['js-dims'], [64, 512]));
    const native = linalgBackend() === 'lapack';
    const rows = [];
    for (const d of [...new Set([...all, ...js])].sort((x, y) => x - y)) {
      const a = randomStats(d, 1);
      const b = randomStats(d, 2);
      const row: Record<string, number | null> = {
        d,
        lapack_seconds: null,
        lapack_cpu_seconds: null,
        ml_matrix_seconds: null,
        ml_matrix_cpu_seconds: null,
        fid: null,
        relative_difference: null,
      };
      if (native && all.includes(d)) {
        const r = timed('lapack', a, b);
        Object.assign(row, { lapack_seconds: r.seconds, lapack_cpu_seconds: r.cpuSeconds, fid: r.fid });
      }
      if (js.has(d)) {
        const r = timed('js', a, b);
        Object.assign(row, { ml_matrix_seconds: r.seconds, ml_matrix_cpu_seconds: r.cpuSeconds });
        if (row.fid === null) row.fid = r.fid;
        else row.relative_difference = Math.abs(r.fid - row.fid) / Math.abs(row.fid);
      }
      log(`d=${d}: ${JSON.stringify(row)}`);
      rows.push(row);
    }
    return { benchmark: 'fid-dim', linalg: native ? 'lapack' : 'ml-matrix only (native kernels addon not built)', rows };
  },
};
