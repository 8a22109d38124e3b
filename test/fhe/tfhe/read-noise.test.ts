/**
 * The noise model (src/fhe/core/noise_model.ts) against the evaluator's measured noise,
 * term by term. 2048 noise-free big-key encryptions of known phases (masks from a seeded
 * rng, so the key-switch and modulus-switch roundings are reproducible) go through the
 * native key switch, then the native PBS with the table T[t] = t mod 256 (coarse enough to read
 * through the output noise), so each output names the position its read landed on. With the
 * secret keys the test splits each read's error into the key switch's part (the small-key
 * phase) and the modulus switch's (read position − that phase), and compares:
 *   - each part's variance and the total's with the model's terms: the sample variance of
 *     M near-Gaussian errors has relative std √(2/M) = 3.1 %; the bound is 5 of those
 *     plus 2 % for the key's Hamming weight (the model assumes balanced bits);
 *   - the rate at which a 16-position step table would misread (inputs at step centres)
 *     with 2·Q(8/σ) of the model's σ, within 4 binomial standard deviations.
 * A 20 % error in the modelled std (44 % in variance) fails every one of these; so does a
 * modulus-switch term a third too large. The evaluation keys' own noise comes from the
 * CSPRNG (never seeded, by design); each read sums thousands of their samples, so the
 * statistics above do not depend on it beyond the bounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../../src/util/rng';
import { fullResolutionPolynomial } from '../../../src/fhe/tfhe/shortint';
import { decryptLwePhase, keyswitchBootstrapReadNoise, noiseVariance, normalTail, stepErrorProbability } from '../../../src/fhe/tfhe/core';
import { noiseFreeInputs, phaseOf, seededShortint } from './noise-inputs';

function variance(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) };
}

test('read noise, measured through the native key switch and PBS, matches the model term by term (4-bit set, carry 8)', async (t) => {
  const { sk, p, server } = await seededShortint(4, 91n, 8);
  const N = p.polynomialSize;
  const unit = 1n << BigInt(63 - Math.log2(N)); // one position: 2^64/(2N)
  const w = 16; // a step of the carry-8 set: N/128
  assert.equal(N / (p.messageModulus * p.carryModulus), w);

  // inputs: step centres k·w + w/2 − 1/2 in the middle half of the table (no wrap)
  const rng = new SeededRng(4242);
  const M = 2048;
  const big = sk.glweSecretKey;
  const size = big.length + 1;
  const centres: number[] = [];
  const inputs = noiseFreeInputs(big, M, rng, () => {
    const k = N / (4 * w) + rng.nextInt(N / (2 * w));
    const x = k * w + w / 2 - 0.5;
    centres.push(x);
    return BigInt(2 * x) * (unit / 2n); // exactly x positions
  });
  assert.equal(decryptLwePhase(big, inputs.subarray(0, size)), BigInt(2 * centres[0]) * (unit / 2n), 'the inputs hold their phases');
  const small = await server.key.keyswitch(inputs);
  // T[t] = t mod L in units of 2^63/L: far coarser than the PBS output noise (about a
  // quarter of a position), and unambiguous for reads within L/2 of their input
  const L = 256;
  const V = (1n << 63n) / BigInt(L);
  const identity = fullResolutionPolynomial(
    Array.from({ length: N }, (_, pos) => BigInt(pos % L) * V),
    p,
  );
  const outs = await server.key.bootstrap(small, identity, 0n);

  const toPositions = (phase: bigint): number => {
    const signed = phase >= 1n << 63n ? phase - (1n << 64n) : phase;
    return Number(signed) / Number(unit);
  };
  const ksErr: number[] = [];
  const msErr: number[] = [];
  const total: number[] = [];
  let misreads = 0;
  for (let i = 0; i < M; i++) {
    const afterKs = toPositions(phaseOf(small, i, sk.lweSecretKey));
    const out = (toPositions(phaseOf(outs, i, big)) * Number(unit)) / Number(V);
    const idx = Math.round(out);
    assert.ok(Math.abs(out - idx) < 0.25, `output ${i} is a table value (${out})`);
    const base = Math.round(centres[i]);
    const read = base + ((((idx - base) % L) + L + L / 2) % L) - L / 2;
    ksErr.push(afterKs - centres[i]);
    msErr.push(read - afterKs);
    total.push(read - centres[i]);
    const step = Math.floor((centres[i] + 0.5) / w);
    if (Math.floor(read / w) !== step) misreads++;
  }

  const model = keyswitchBootstrapReadNoise(p, 0); // noise-free inputs
  const pos2 = (v: number): number => v * (2 * N) ** 2; // torus² → positions²
  const relBound = 5 * Math.sqrt(2 / M) + 0.02;
  // The key switch's top decomposition digit is +B/2 at a tie (as in TFHE-rs: +B/2 and
  // −B/2 are the same there modulo 2^64), and the next level's ties round towards even top
  // digits, so top digits average about +0.56 (measured) and each key shifts all its reads
  // by a fixed −0.56·Σ_i e_i (its top-level KSK noise): std about 0.6·√(kN)·σ_ksk, zero
  // mean over keys (checked over five keys: offsets −0.24…+0.21 positions, each within
  // 0.15 of −0.56·Σ_i e_i).
  const keyBias = pos2(0.36 * big.length * noiseVariance(p.lweNoise));
  const parts: Array<[string, number[], number, number]> = [
    ['key switch', ksErr, pos2(model.keyswitchRounding + model.keyswitchKey), keyBias],
    ['modulus switch', msErr, pos2(model.modulusSwitch), 0],
    ['total', total, model.stdPositions ** 2, keyBias],
  ];
  const lines: string[] = [];
  for (const [name, xs, predicted] of parts) {
    const s = variance(xs);
    lines.push(`${name}: measured variance ${s.variance.toFixed(3)} (mean ${s.mean.toFixed(3)}) vs model ${predicted.toFixed(3)} positions²`);
  }
  const predictedRate = stepErrorProbability(w, model.stdPositions);
  const rate = misreads / M;
  const rateBound = 4 * Math.sqrt((predictedRate * (1 - predictedRate)) / M);
  lines.push(`misreads of a ${w}-position step: ${misreads}/${M} = ${rate.toFixed(4)} vs model ${predictedRate.toFixed(4)} ± ${rateBound.toFixed(4)}`);
  t.diagnostic(lines.join('; '));
  for (const [name, xs, predicted, bias] of parts) {
    const s = variance(xs);
    assert.ok(
      Math.abs(s.variance / predicted - 1) <= relBound,
      `${name}: measured ${s.variance} vs model ${predicted} positions² (bound ±${(100 * relBound).toFixed(1)} %)`,
    );
    // centred: the mean-corrected switch and round-half-up leave no bias beyond 4 standard
    // errors (and the key switch's per-key offset above)
    assert.ok(Math.abs(s.mean) <= 4 * Math.sqrt(predicted / M + bias), `${name}: mean error ${s.mean} positions`);
  }
  assert.ok(Math.abs(rate - predictedRate) <= rateBound, lines.at(-1));
  // the same rate from the model's σ inflated by 20 %: far outside the bound
  const wrong = 2 * normalTail(w / 2 / (1.2 * model.stdPositions));
  assert.ok(Math.abs(wrong - predictedRate) > 2 * rateBound, `the bound separates a 20 % error in σ (${wrong.toFixed(4)})`);
});
