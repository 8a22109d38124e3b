/**
 * Noise of the circuit's reads, in table positions (1/(2N) of the torus each).
 *
 * A layer's accumulator is a linear combination Σ w_i·ct_i of its input ciphertexts, so
 * its noise variance is Σ w_i²·Var(input); the key switch and modulus switch then add
 * theirs (src/fhe/core/noise_model.ts). Inputs are fresh tfhe encryptions (the GLWE
 * noise: KS-PBS sets encrypt under the big key) for the first layer, PBS outputs after.
 *
 * PBS output variance (blind rotation, TFHE's analysis, as a torus fraction squared):
 *   key noise    n·(k+1)·l·N·(B²+2)/12·σ_bsk²
 *   decomposition rounding  n·(1 + k·N/2)/(24·B^(2l))  (the GLWE mask digits lost below B^l,
 *                times the binary key)
 *   FFT rounding  c·n·(k+1)·l·N²·B²·2^-106 — an allowance for the double-precision FFT,
 *                c = 0.05 fitted to this evaluator's measured output noise (N = 2048 and
 *                4096 sets: measured std within 10 % of the model with this term). Checked
 *                by test/fhe/tfhe/pbs-output-noise.test.ts: measured ÷ modelled variance
 *                0.98–1.07 on the N = 1024, k = 2 set and 0.87–0.92 on N = 2048.
 */
import { CoreParameters, noiseVariance } from '../core/parameters';
import { keyswitchBootstrapReadNoise } from '../core/noise_model';

const FFT_ALLOWANCE = 0.05;

export function pbsOutputVariance(p: CoreParameters): number {
  const n = p.lweDimension;
  const k = p.glweDimension;
  const N = p.polynomialSize;
  const l = p.pbsLevel;
  const B = 2 ** p.pbsBaseLog;
  const key = n * (k + 1) * l * N * ((B * B + 2) / 12) * noiseVariance(p.glweNoise);
  const rounding = (n * (1 + (k * N) / 2)) / (24 * B ** (2 * l));
  const fft = FFT_ALLOWANCE * n * (k + 1) * l * N * N * B * B * 2 ** -106;
  return key + rounding + fft;
}

/** Variance of a fresh tfhe encryption (KS-PBS: big key, GLWE noise). */
export function freshEncryptionVariance(p: CoreParameters): number {
  return noiseVariance(p.glweNoise);
}

/**
 * Standard deviation (positions) of the continuous noise at a read, before the modulus
 * switch's final rounding to a position: the model's total minus that rounding's 1/12.
 * Simulation adds this and rounds, which gives the model's total variance back.
 */
export function readNoiseStd(p: CoreParameters, inputVariance: number): number {
  const total = keyswitchBootstrapReadNoise(p, inputVariance).stdPositions;
  return Math.sqrt(Math.max(0, total * total - 1 / 12));
}
