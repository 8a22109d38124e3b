/**
 * Client-level DP for federated averaging: each site's whole model update is the unit of
 * privacy. An update is Float32Array[], one array per model variable, in the model's variable
 * order.
 *
 * - DP-FedAvg (McMahan, Ramage, Talwar & Zhang 2018, "Learning differentially private
 *   recurrent language models"), in the form of Flower's server-side fixed clipping: the server
 *   clips each site's update to L2 norm C (clipUpdate), sums, adds N(0, σ²C²) per coordinate
 *   and divides by the number of sites (noisyMean). Account it with RdpAccountant: σ as the
 *   noise multiplier, q = sites sampled per round / total sites (1 when all take part), one
 *   step per round.
 * - The source paper's mode (addUpdateNoise): each site adds Gaussian noise of std σ0 to every
 *   coordinate of its own update. Without a bound on the update's norm the sensitivity is
 *   unbounded, so this gives NO formal DP guarantee — it is only the paper's experiment.
 */
import { defaultNoise, GaussianNoise } from './noise';
import { checkSameLayout, l2Norm } from './vector';

export interface ClippedUpdate {
  /** The update scaled by `scale` (new arrays; the input is untouched). */
  clipped: Float32Array[];
  /** The update's L2 norm before clipping, over all variables jointly. */
  norm: number;
  /** min(1, C / norm). */
  scale: number;
}

function checkClipNorm(clipNorm: number): void {
  if (!(clipNorm > 0 && Number.isFinite(clipNorm))) throw new RangeError(`clip norm must be a finite number > 0, got ${clipNorm}`);
}

/** Scale an update down to L2 norm at most C (Flower's compute_clip_model_update). */
export function clipUpdate(update: readonly Float32Array[], clipNorm: number): ClippedUpdate {
  checkClipNorm(clipNorm);
  const norm = l2Norm(update);
  const scale = norm > clipNorm ? clipNorm / norm : 1;
  return { clipped: update.map((p) => p.map((x) => x * scale)), norm, scale };
}

/**
 * (Σ clipped updates + N(0, σ²C²)) / number of sites. The updates must already be clipped to C;
 * the sensitivity of the sum to one site is then C.
 */
export function noisyMean(
  clipped: readonly Float32Array[][],
  noiseMultiplier: number,
  clipNorm: number,
  noise: GaussianNoise = defaultNoise(),
): Float32Array[] {
  checkClipNorm(clipNorm);
  if (!(noiseMultiplier >= 0 && Number.isFinite(noiseMultiplier))) throw new RangeError(`noise multiplier must be a finite number ≥ 0, got ${noiseMultiplier}`);
  if (clipped.length === 0) throw new RangeError('noisyMean needs at least one update');
  const first = clipped[0];
  clipped.forEach((u, i) => {
    checkSameLayout(u, first, `update ${i}`);
    // A little slack for float32 rounding of updates clipped by clipUpdate.
    const n = l2Norm(u);
    if (n > clipNorm * (1 + 1e-5)) throw new RangeError(`update ${i} has norm ${n} > clip norm ${clipNorm}: clip it first`);
  });
  return first.map((part, k) => {
    const sum = new Float64Array(part.length);
    if (noiseMultiplier > 0) noise.fill(sum, noiseMultiplier * clipNorm);
    for (const u of clipped) {
      const p = u[k];
      for (let j = 0; j < p.length; j++) sum[j] += p[j];
    }
    const mean = new Float32Array(part.length);
    for (let j = 0; j < part.length; j++) mean[j] = sum[j] / clipped.length;
    return mean;
  });
}

/**
 * The source paper's site-side noise: update + N(0, σ0²) on every coordinate (new arrays).
 * No clipping, hence no formal (ε, δ) guarantee — see the module comment.
 */
export function addUpdateNoise(update: readonly Float32Array[], sigma0: number, noise: GaussianNoise = defaultNoise()): Float32Array[] {
  if (!(sigma0 >= 0 && Number.isFinite(sigma0))) throw new RangeError(`noise std must be a finite number ≥ 0, got ${sigma0}`);
  return update.map((p) => {
    if (sigma0 === 0) return p.slice();
    const z = new Float64Array(p.length);
    noise.fill(z, sigma0);
    return p.map((x, j) => x + z[j]);
  });
}
