/**
 * The noise model of a KS-PBS read: the variance (as a torus fraction squared) of the
 * position the blind rotation reads, relative to the exact input phase.
 *
 *   input        caller's variance (a fresh tfhe encryption: the GLWE noise; a linear
 *                combination: Σ w_i² of its inputs')
 *   keyswitch    rounding to base^level: k·N · 2^(-2·B·l)/24 (uniform rounding error,
 *                binary key bits with E[s²] = 1/2), plus the KSK's noise through the
 *                digits: k·N · l · (base² + 2)/12 · Var(lwe noise)
 *   mod switch   mean-corrected switch to 2N: n/48 · (1/2N)² (rounding error of each mask
 *                element times s_i - 1/2), plus the body's rounding 1/12 · (1/2N)²
 *
 * The read is correct when the total stays inside the table step, so for a step of w
 * positions read at its centre the error probability is 2·Q(w / (2σ_positions)).
 */
import { CoreParameters, bigLweDimension, noiseVariance } from './parameters';

export interface ReadNoise {
  input: number;
  keyswitchRounding: number;
  keyswitchKey: number;
  modulusSwitch: number;
  total: number;
  /** standard deviation in units of table positions (1/(2N) of the torus) */
  stdPositions: number;
}

export function keyswitchBootstrapReadNoise(p: CoreParameters, inputVariance: number): ReadNoise {
  const big = bigLweDimension(p);
  const base = 2 ** p.ksBaseLog;
  const keyswitchRounding = (big * 2 ** (-2 * p.ksBaseLog * p.ksLevel)) / 24;
  const keyswitchKey = big * p.ksLevel * ((base * base + 2) / 12) * noiseVariance(p.lweNoise);
  const w = 1 / (2 * p.polynomialSize);
  const modulusSwitch = (p.lweDimension / 48 + 1 / 12) * w * w;
  const total = inputVariance + keyswitchRounding + keyswitchKey + modulusSwitch;
  return { input: inputVariance, keyswitchRounding, keyswitchKey, modulusSwitch, total, stdPositions: Math.sqrt(total) / w };
}

/** Upper tail of the standard normal, Q(x) = P(Z > x) (erfc by a rational fit, |err| < 1.2e-7). */
export function normalTail(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  const q = erfc / 2;
  return x >= 0 ? q : 1 - q;
}

/** Probability that a read at the centre of a step `width` positions wide lands outside it. */
export function stepErrorProbability(width: number, stdPositions: number): number {
  return 2 * normalTail(width / 2 / stdPositions);
}
