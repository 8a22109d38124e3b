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
 *
 * Acceptance floor. With a sharp discriminator the acceptance can collapse: the logits spread over
 * many units, so the γ quantile leaves almost every candidate far below the threshold, and a
 * late candidate above the burn-in's maximum raises D̃_M and pushes all the rest further down
 * (one full-setting generator accepted 1.6 %: 64 candidates per kept digit, half an hour of
 * drawing). So the class's expected acceptance is watched: after the burn-in and after every
 * batch of `DRS_BATCH` candidates, if the mean acceptance probability σ(F) of that batch (the burn-in
 * the first time) under the current D̃_M and γ is below `minAcceptance`, γ drops to the value γ*
 * at which the mean of σ(F) over all the class's logits so far (burn-in and candidates, against
 * the current D̃_M) is exactly `minAcceptance` (γ only ever decreases). The check reads logits
 * alone, not the acceptance draws, so the γ schedule is a deterministic function of D's logits;
 * the expected cost stays near 1 / minAcceptance candidates per kept digit. The result reports,
 * per class, the candidates, the acceptances, the γ it started and ended with and how many times
 * it fell back.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset, makeDataset } from '../data/dataset';
import { Gan } from '../nn/gan';
import { SeededRng } from '../util/rng';
import { requirePositiveInteger } from '../util/checks';

/** Candidates drawn (and checked against the acceptance floor) at a time, per class. */
export const DRS_BATCH = 1000;

/** The default acceptance floor: at most about 20 candidates per kept digit. */
export const DRS_MIN_ACCEPTANCE_DEFAULT = 0.05;

export interface DrsOptions {
  /** Samples per class whose logits set D̃_M and γ. Default 1000. */
  burnIn?: number;
  /** γ = this quantile of F over the burn-in (higher: fewer, more typical samples accepted). Default 0.95. */
  gammaQuantile?: number;
  /** A fixed γ instead (0: plain rejection sampling, acceptance ≈ exp(D̃ − D̃_M)). */
  gamma?: number;
  /** ε of F. Default 1e-6. */
  epsilon?: number;
  /**
   * The acceptance floor (module doc): a batch whose mean acceptance probability falls below it
   * lowers γ. Default 0.05; 0 turns the floor off (the plain DRS of the paper).
   */
  minAcceptance?: number;
}

/** One class's run of the sampler. */
export interface DrsClassStats {
  label: number;
  /** Candidates drawn after the burn-in. */
  candidates: number;
  accepted: number;
  /** γ after the burn-in (the quantile or the fixed γ), and when the class was done. */
  gammaInitial: number;
  gammaFinal: number;
  /** Times the acceptance floor lowered γ (0: plain DRS throughout). */
  fallbacks: number;
}

export interface DrsResult {
  set: ImageDataset;
  /** Accepted ÷ candidates after the burn-in, over all classes. */
  acceptance: number;
  candidates: number;
  /** The acceptance floor in force (0: none). */
  minAcceptance: number;
  classes: DrsClassStats[];
}

/** What a run of the sampler reports besides its digits. */
export type DrsReport = Omit<DrsResult, 'set'>;

/** The classes whose acceptance floor lowered γ at least once. */
export function drsFallbackClasses(r: DrsReport): number[] {
  return r.classes.filter((c) => c.fallbacks > 0).map((c) => c.label);
}

/** F(x) of one logit against the running maximum `max` and shift `gamma`. */
export function drsScore(logit: number, max: number, gamma: number, epsilon: number): number {
  const d = logit - max;
  return d - Math.log1p(-Math.exp(d - epsilon)) - gamma;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Mean acceptance probability σ(F) of `logits` under `max` and `gamma`. */
export function drsMeanAcceptance(logits: ArrayLike<number>, max: number, gamma: number, epsilon: number): number {
  let s = 0;
  for (let i = 0; i < logits.length; i++) s += sigmoid(drsScore(logits[i], max, gamma, epsilon));
  return s / logits.length;
}

/**
 * The γ at which the mean acceptance probability of `logits` under `max` is `target` (in (0, 1)),
 * by bisection: the mean falls monotonically from 1 to 0 as γ grows.
 */
export function drsGammaFor(logits: ArrayLike<number>, max: number, target: number, epsilon: number): number {
  if (!(target > 0 && target < 1)) throw new RangeError(`target acceptance must be in (0, 1), got ${target}`);
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const f = drsScore(logits[i], max, 0, epsilon);
    lo = Math.min(lo, f);
    hi = Math.max(hi, f);
  }
  // σ(f − γ) ≥ σ(40) ≈ 1 − 4e-18 for every logit at γ = lo − 40; ≤ σ(−40) at γ = hi + 40.
  lo -= 40;
  hi += 40;
  for (let it = 0; it < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi)); it++) {
    const mid = (lo + hi) / 2;
    if (drsMeanAcceptance(logits, max, mid, epsilon) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function quantile(xs: ArrayLike<number>, q: number): number {
  const s = Array.from(xs).sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export interface DrsClassOptions {
  gammaQuantile: number;
  gamma?: number;
  epsilon: number;
  minAcceptance: number;
}

/**
 * DRS of one class over a stream of candidate logits, until `slots` are accepted: `burnIn` are
 * the burn-in logits, `draw()` gives the next batch of candidate logits, `coin()` a uniform in
 * [0, 1) per candidate, `keep(j)` is told that candidate j of the latest batch was accepted.
 * The acceptance floor (module doc) is checked after the burn-in and after each whole batch.
 */
export function drsFilterClass(
  label: number,
  burnIn: ArrayLike<number>,
  draw: () => ArrayLike<number>,
  slots: number,
  coin: () => number,
  keep: (j: number) => void,
  o: DrsClassOptions,
): DrsClassStats {
  const seen: number[] = Array.from(burnIn);
  let max = seen.reduce((m, l) => Math.max(m, l), -Infinity);
  let gamma =
    o.gamma ??
    quantile(
      seen.map((l) => drsScore(l, max, 0, o.epsilon)),
      o.gammaQuantile,
    );
  const gammaInitial = gamma;
  let fallbacks = 0;
  /** The floor's check on the logits just seen. */
  const check = (recent: ArrayLike<number>): void => {
    if (o.minAcceptance > 0 && drsMeanAcceptance(recent, max, gamma, o.epsilon) < o.minAcceptance) {
      gamma = Math.min(gamma, drsGammaFor(seen, max, o.minAcceptance, o.epsilon));
      fallbacks++;
    }
  };
  check(seen);
  let filled = 0,
    tried = 0;
  while (filled < slots) {
    const batch = draw();
    let j = 0;
    for (; j < batch.length && filled < slots; j++) {
      tried++;
      max = Math.max(max, batch[j]);
      // Kept for the floor's γ*, only when there is a floor (a collapsed plain DRS may draw millions).
      if (o.minAcceptance > 0) seen.push(batch[j]);
      if (coin() >= sigmoid(drsScore(batch[j], max, gamma, o.epsilon))) continue;
      keep(j);
      filled++;
    }
    if (j === batch.length && filled < slots) check(batch);
  }
  return { label, candidates: tried, accepted: filled, gammaInitial, gammaFinal: gamma, fallbacks };
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
  const minAcceptance = o.minAcceptance ?? DRS_MIN_ACCEPTANCE_DEFAULT;
  if (!gan.conditional) throw new RangeError('rejection sampling of a labelled set needs a conditional GAN');
  requirePositiveInteger(burnIn, 'burnIn');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`gammaQuantile must be in [0, 1], got ${q}`);
  if (o.gamma !== undefined && !Number.isFinite(o.gamma)) throw new RangeError(`gamma must be a finite number, got ${o.gamma}`);
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be positive, got ${epsilon}`);
  if (!(minAcceptance >= 0 && minAcceptance < 1)) throw new RangeError(`minAcceptance must be in [0, 1), got ${minAcceptance}`);
  requirePositiveInteger(count, 'count');
  const k = gan.config.numClasses;
  const px = gan.config.imageSize;
  const latents = new SeededRng(seed);
  const coin = new SeededRng(seed ^ 0x5bd1e995);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % k);
  const images = new Uint8Array(count * px);
  const classes: DrsClassStats[] = [];
  for (let c = 0; c < k; c++) {
    const slots: number[] = [];
    for (let i = c; i < count; i += k) slots.push(i);
    if (slots.length === 0) continue;
    let batch = candidates(gan, c, burnIn, latents);
    let filled = 0;
    const stats = drsFilterClass(
      c,
      batch.logits,
      () => (batch = candidates(gan, c, DRS_BATCH, latents)).logits,
      slots.length,
      () => coin.next(),
      (j) => {
        // Pixels to the bytes a real digit has ([-1, 1] → 0..255), like syntheticSet.
        const at = slots[filled++] * px;
        for (let t = 0; t < px; t++) images[at + t] = Math.min(255, Math.max(0, Math.round((batch.pixels[j * px + t] + 1) * 127.5)));
      },
      { gammaQuantile: q, gamma: o.gamma, epsilon, minAcceptance },
    );
    classes.push(stats);
  }
  const set = makeDataset({ name, images, labels, count, height: gan.config.imageHeight, width: gan.config.imageWidth, classNames: [...classNames] });
  const tried = classes.reduce((s, c) => s + c.candidates, 0);
  return { set, acceptance: count / tried, candidates: tried, minAcceptance, classes };
}
