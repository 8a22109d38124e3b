/**
 * GAN-Leaks (Chen et al. 2020, "GAN-Leaks: A Taxonomy of Membership Inference Attacks against
 * Generative Models"), full black-box setting: the attacker sees only samples drawn from the
 * generator, no weights and no latent codes. A generator that memorised its training set
 * puts samples near its members, so a query close to some generated sample is flagged.
 *
 * Assumptions: enough generated samples to cover the generator's distribution (the paper
 * draws up to 20k; the score improves with more), and a distance in which memorisation shows:
 * plain L2 over the given feature vectors (pixels here; pass embeddings to attack in a
 * feature space). The calibrated variant subtracts the distance to a reference generator
 * trained by the attacker on other data, so queries that are close to everything (simple
 * digits) stop looking like members.
 */
import * as tf from '@tensorflow/tfjs';

export interface NearestGenerated {
  /** L2 distance from each query to its nearest generated sample. */
  distance: Float64Array;
  /** Index of that sample in `generated`. */
  index: Int32Array;
}

function rowCount(what: string, values: Float32Array, dim: number): number {
  if (!(values instanceof Float32Array)) throw new TypeError(`${what} must be a Float32Array of rows × ${dim} values`);
  if (values.length === 0 || values.length % dim !== 0) throw new RangeError(`${what} holds ${values.length} values, not a positive multiple of dim ${dim}`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${what}[${bad}] is ${values[bad]}; expected finite values`);
  return values.length / dim;
}

export interface NearestOptions {
  /**
   * 'screen': squared distances ‖q‖² + ‖g‖² − 2·q·g by one float32 matrix product per block of
   * queries (tfjs, so the native sgemm when selected), then the exact float64 distance of every
   * sample within the product's rounding bound of the best — the same answer, far faster.
   * 'brute-force': every pair in float64. Default: screen when queries × generated × dim > 1e7.
   */
  method?: 'screen' | 'brute-force';
}

/** Unit roundoff of float32. */
const U32 = 2 ** -24;
/** Queries per matrix product: a block × generated float32 matrix stays at tens of MB. */
const BLOCK = 256;

function squaredNorms(values: Float32Array, rows: number, dim: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let k = i * dim; k < (i + 1) * dim; k++) s += values[k] * values[k];
    out[i] = s;
  }
  return out;
}

/** ‖q_i − g_j‖² in float64, stopping once it exceeds `stop` (the result is then only known to be larger). */
function exactSquared(queries: Float32Array, i: number, generated: Float32Array, j: number, dim: number, stop: number): number {
  const qo = i * dim;
  const go = j * dim;
  let d = 0;
  for (let k = 0; k < dim && d < stop; k++) {
    const diff = queries[qo + k] - generated[go + k];
    d += diff * diff;
  }
  return d;
}

/** Every pair, keeping the first index of the smallest distance. */
function bruteForce(queries: Float32Array, q: number, generated: Float32Array, g: number, dim: number, out: NearestGenerated): void {
  for (let i = 0; i < q; i++) {
    let best = Infinity;
    for (let j = 0; j < g; j++) {
      const d = exactSquared(queries, i, generated, j, dim, best);
      if (d < best) {
        best = d;
        out.index[i] = j;
      }
    }
    out.distance[i] = Math.sqrt(best);
  }
}

/**
 * Screening by a float32 product. A float32 dot product of length n errs by at most
 * n·u·Σ|q_k g_k| ≤ n·u·(‖q‖² + ‖g‖²)/2 (any summation order), so the computed squared distance
 * is within err_j = (n + 2)·u·(‖q‖² + ‖g_j‖²) of the true one; every j whose computed value is
 * below min_k(computed_k + err_k) + err_j is rechecked exactly, in index order.
 */
function screen(queries: Float32Array, q: number, generated: Float32Array, g: number, dim: number, out: NearestGenerated): void {
  const qNorms = squaredNorms(queries, q, dim);
  const gNorms = squaredNorms(generated, g, dim);
  const generatedRows = tf.tensor2d(generated, [g, dim]);
  try {
    for (let start = 0; start < q; start += BLOCK) {
      const rows = Math.min(BLOCK, q - start);
      // dataSync outside tidy: tidy would walk the returned million-element array as a container.
      const product = tf.tidy(() => tf.matMul(tf.tensor2d(queries.subarray(start * dim, (start + rows) * dim), [rows, dim]), generatedRows, false, true));
      const dots = product.dataSync();
      product.dispose();
      for (let r = 0; r < rows; r++) {
        const i = start + r;
        const approx = (j: number): number => qNorms[i] + gNorms[j] - 2 * dots[r * g + j];
        const err = (j: number): number => (dim + 2) * U32 * (qNorms[i] + gNorms[j]);
        let ceiling = Infinity;
        for (let j = 0; j < g; j++) ceiling = Math.min(ceiling, approx(j) + err(j));
        let best = Infinity;
        for (let j = 0; j < g; j++) {
          if (approx(j) - err(j) > ceiling) continue;
          const d = exactSquared(queries, i, generated, j, dim, best);
          if (d < best) {
            best = d;
            out.index[i] = j;
          }
        }
        out.distance[i] = Math.sqrt(best);
      }
    }
  } finally {
    generatedRows.dispose();
  }
}

/** The exact nearest generated sample of each query (L2, summed in float64; ties go to the first). */
export function nearestGenerated(queries: Float32Array, generated: Float32Array, dim: number, opts: NearestOptions = {}): NearestGenerated {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be an integer ≥ 1, got ${dim}`);
  const q = rowCount('queries', queries, dim);
  const g = rowCount('generated', generated, dim);
  const method = opts.method ?? (q * g * dim > 1e7 ? 'screen' : 'brute-force');
  if (method !== 'screen' && method !== 'brute-force') throw new RangeError(`method must be 'screen' or 'brute-force', got ${String(method)}`);
  const out = { distance: new Float64Array(q), index: new Int32Array(q) };
  (method === 'screen' ? screen : bruteForce)(queries, q, generated, g, dim, out);
  return out;
}

/** score = −min_j ‖query − generated_j‖₂ (higher = more likely a member). */
export function ganLeaksScores(queries: Float32Array, generated: Float32Array, dim: number, opts: NearestOptions = {}): Float64Array {
  return nearestGenerated(queries, generated, dim, opts).distance.map((d) => -d);
}

/** The calibrated score: −(distance to the target's samples − distance to a reference generator's samples). */
export function ganLeaksCalibratedScores(
  queries: Float32Array,
  generated: Float32Array,
  referenceGenerated: Float32Array,
  dim: number,
  opts: NearestOptions = {},
): Float64Array {
  const target = nearestGenerated(queries, generated, dim, opts).distance;
  const reference = nearestGenerated(queries, referenceGenerated, dim, opts).distance;
  return target.map((d, i) => reference[i] - d);
}
