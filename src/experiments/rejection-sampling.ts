/**
 * Discriminator rejection sampling (DRS, Azadi et al. 2019) of a class-conditional GAN, with the
 * GAN's own discriminator: the generative-privacy server already holds the federated D beside
 * G, so it can filter G's samples without any real digit.
 *
 * An optimal D's logit is log p_data(x, y) / p_G(x, y), so accepting x with probability
 * exp(D̃(x) − D̃_M) (D̃_M the largest logit) turns G's samples into draws from the data
 * distribution, to the extent that D is optimal. DRS uses, per candidate,
 *
 *   F(x) = D̃(x) − D̃_M − log(1 − exp(D̃(x) − D̃_M − ε)) − γ,   accept with probability σ(F(x)),
 *
 * which is that ratio in logit space with a shift γ that sets the overall acceptance rate.
 * Here everything is per class (the set is class-balanced and D judges (x, y), so each class
 * is its own conditional distribution): D̃_M starts as the largest logit of a burn-in of the
 * class's samples and grows if a later candidate beats it; γ is the `gammaQuantile` quantile of
 * F over the burn-in. The acceptance draws come from a seeded generator: the filter reads only
 * the released generator and discriminator (post-processing), so no privacy randomness is at
 * stake.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset, makeDataset } from '../data/dataset';
import { Gan } from '../nn/gan';
import { SeededRng } from '../util/rng';

export interface DrsOptions {
  /** Samples per class whose logits set D̃_M and γ. Default 1000. */
  burnIn?: number;
  /** γ = this quantile of F over the burn-in (higher: fewer, more typical samples accepted). Default 0.95. */
  gammaQuantile?: number;
  /** A fixed γ instead (0: plain rejection sampling, acceptance ≈ exp(D̃ − D̃_M)). */
  gamma?: number;
  /** ε of F. Default 1e-6. */
  epsilon?: number;
}

export interface DrsResult {
  set: ImageDataset;
  /** Accepted ÷ candidates after the burn-in, over all classes. */
  acceptance: number;
  candidates: number;
}

/** F(x) of one logit against the running maximum `max` and shift `gamma`. */
export function drsScore(logit: number, max: number, gamma: number, epsilon: number): number {
  const d = logit - max;
  return d - Math.log1p(-Math.exp(d - epsilon)) - gamma;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** `n` candidates of class `c`: their pixels in [-1, 1] and D's logits. */
function candidates(gan: Gan, c: number, n: number, rng: SeededRng): { pixels: Float32Array; logits: Float32Array } {
  return tf.tidy(() => {
    const oneHot = gan.oneHot(new Int32Array(n).fill(c));
    const x = gan.generate(gan.sampleLatent(rng, n), oneHot);
    return { pixels: x.dataSync() as Float32Array, logits: gan.discriminate(x, oneHot).dataSync() as Float32Array };
  });
}

/**
 * `count` labelled digits (classes balanced, label i mod numClasses, as syntheticSet draws them),
 * each a DRS-accepted sample of its class; latents and acceptance draws from `seed`.
 */
export function drsSyntheticSet(gan: Gan, count: number, seed: number, classNames: readonly string[], name: string, o: DrsOptions = {}): DrsResult {
  const burnIn = o.burnIn ?? 1000;
  const q = o.gammaQuantile ?? 0.95;
  const epsilon = o.epsilon ?? 1e-6;
  if (!gan.conditional) throw new RangeError('rejection sampling of a labelled set needs a conditional GAN');
  if (!Number.isInteger(burnIn) || burnIn < 1) throw new RangeError(`burnIn must be a positive integer, got ${burnIn}`);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`gammaQuantile must be in [0, 1], got ${q}`);
  if (o.gamma !== undefined && !Number.isFinite(o.gamma)) throw new RangeError(`gamma must be a finite number, got ${o.gamma}`);
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be positive, got ${epsilon}`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const k = gan.config.numClasses;
  const px = gan.config.imageSize;
  const latents = new SeededRng(seed);
  const coin = new SeededRng(seed ^ 0x5bd1e995);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % k);
  const images = new Uint8Array(count * px);
  let accepted = 0;
  let tried = 0;
  for (let c = 0; c < k; c++) {
    const slots: number[] = [];
    for (let i = c; i < count; i += k) slots.push(i);
    if (slots.length === 0) continue;
    const warm = candidates(gan, c, burnIn, latents);
    let max = Math.max(...warm.logits);
    const gamma =
      o.gamma ??
      quantile(
        Array.from(warm.logits, (l) => drsScore(l, max, 0, epsilon)),
        q,
      );
    let filled = 0;
    while (filled < slots.length) {
      const batch = candidates(gan, c, 1000, latents);
      for (let j = 0; j < batch.logits.length && filled < slots.length; j++) {
        tried++;
        max = Math.max(max, batch.logits[j]);
        const p = 1 / (1 + Math.exp(-drsScore(batch.logits[j], max, gamma, epsilon)));
        if (coin.next() >= p) continue;
        // Pixels to the bytes a real digit has ([-1, 1] → 0..255), like syntheticSet.
        const at = slots[filled++] * px;
        for (let t = 0; t < px; t++) images[at + t] = Math.min(255, Math.max(0, Math.round((batch.pixels[j * px + t] + 1) * 127.5)));
        accepted++;
      }
    }
  }
  const set = makeDataset({ name, images, labels, count, height: gan.config.imageHeight, width: gan.config.imageWidth, classNames: [...classNames] });
  return { set, acceptance: accepted / tried, candidates: tried };
}
