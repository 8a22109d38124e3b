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

/**
 * Exact nearest-neighbour search by brute force, summed in float64. A partial sum that
 * already exceeds the best distance so far stops early; the result is the same.
 */
export function nearestGenerated(queries: Float32Array, generated: Float32Array, dim: number): NearestGenerated {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be an integer ≥ 1, got ${dim}`);
  const q = rowCount('queries', queries, dim);
  const g = rowCount('generated', generated, dim);
  const distance = new Float64Array(q);
  const index = new Int32Array(q);
  for (let i = 0; i < q; i++) {
    const qo = i * dim;
    let best = Infinity;
    let bestIndex = 0;
    for (let j = 0; j < g; j++) {
      const go = j * dim;
      let d = 0;
      for (let k = 0; k < dim && d < best; k++) {
        const diff = queries[qo + k] - generated[go + k];
        d += diff * diff;
      }
      if (d < best) {
        best = d;
        bestIndex = j;
      }
    }
    distance[i] = Math.sqrt(best);
    index[i] = bestIndex;
  }
  return { distance, index };
}

/** score = −min_j ‖query − generated_j‖₂ (higher = more likely a member). */
export function ganLeaksScores(queries: Float32Array, generated: Float32Array, dim: number): Float64Array {
  return nearestGenerated(queries, generated, dim).distance.map((d) => -d);
}

/** The calibrated score: −(distance to the target's samples − distance to a reference generator's samples). */
export function ganLeaksCalibratedScores(queries: Float32Array, generated: Float32Array, referenceGenerated: Float32Array, dim: number): Float64Array {
  const target = nearestGenerated(queries, generated, dim).distance;
  const reference = nearestGenerated(queries, referenceGenerated, dim).distance;
  return target.map((d, i) => reference[i] - d);
}
