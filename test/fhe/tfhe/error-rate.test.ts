/**
 * Error rate of lookups at full resolution vs. the noise model. The 4-bit N=2048 set
 * with its carry modulus raised to 8 (128 steps of w = N/128 = 16 positions) is read
 * through a table defined at all N positions (step index mod 16). Inputs: tfhe
 * encryptions of m plus a clear bias b (a linear combination), so reads cover every
 * step. A read lands in the neighbouring step when the key-switch + modulus-switch noise
 * exceeds w/2; the model (src/fhe/core/noise_model.ts) predicts that probability, and
 * the measured rate over 2048 lookups must agree within 4 binomial standard deviations
 * plus 3 % of the prediction (the model's own approximations: Gaussian sum of rounding
 * errors, balanced key bits; measured agreement is within 1 %). A modulus-switch term a
 * third too large (σ 12 % too large) predicts 0.143 and fails; test/fhe/tfhe/read-noise.test.ts
 * checks the model term by term.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfhe from 'node-tfhe';
import { SeededRng } from '../../../src/util/rng';
import {
  ShortintServer,
  decodeCiphertext,
  defaultParameterSetName,
  encodeCiphertext,
  encodeMessage,
  fullResolutionPolynomial,
  generateShortintEvaluationKeys,
  lookupBodyOffset,
  tfheParameters,
} from '../../../src/fhe/tfhe/shortint';
import { keyswitchBootstrapReadNoise, noiseVariance, stepErrorProbability } from '../../../src/fhe/tfhe/core';

test('full-resolution lookups: measured error rate vs. noise-model prediction (4-bit set, carry 8, 2048 lookups)', async (t) => {
  const ck = tfhe.Shortint.new_client_key_from_seed_and_parameters(77n, 1n, tfheParameters(defaultParameterSetName(4), { carryModulus: 8 }));
  const keys = await generateShortintEvaluationKeys(tfhe.Shortint.serialize_client_key(ck));
  const p = keys.params;
  const server = ShortintServer.fromKeys(keys);
  const steps = p.messageModulus * p.carryModulus; // 128
  const n = p.polynomialSize;
  const w = n / steps;
  // table at every position t: the step index modulo the message modulus
  const poly = fullResolutionPolynomial(
    Array.from({ length: n }, (_, pos) => encodeMessage(Math.floor(pos / w) % p.messageModulus, p)),
    p,
  );
  const rng = new SeededRng(2024);
  const count = 2048;
  // Every lookup gets its own fresh tfhe encryption: reusing a ciphertext would reuse its
  // mask, hence the same key-switch and modulus-switch rounding, and the reads would not
  // be independent trials.
  const shifted = [];
  const expected: number[] = [];
  for (let i = 0; i < count; i++) {
    const m = rng.nextInt(p.messageModulus);
    const b = rng.nextInt(steps - m); // m + b < 128: the phase stays in [0, 1/2)
    const ct = decodeCiphertext(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, BigInt(m))), p);
    // x + b: a weight-1 linear combination, i.e. b·Δ added to the body (no extra noise)
    const lwe = ct.lwe.slice();
    lwe[lwe.length - 1] = (lwe[lwe.length - 1] + encodeMessage(b, p)) & ((1n << 64n) - 1n);
    shifted.push({ ...ct, lwe, degree: m + b });
    expected.push((m + b) % p.messageModulus);
  }
  const outs = await server.applyPolynomial(shifted, poly, p.messageModulus - 1, lookupBodyOffset(p));
  let errors = 0;
  let offByMoreThanOne = 0;
  outs.forEach((o, i) => {
    const got = Number(tfhe.Shortint.decrypt(ck, tfhe.Shortint.deserialize_ciphertext(encodeCiphertext(o))));
    if (got !== expected[i]) {
      errors++;
      const diff = (got - expected[i] + p.messageModulus) % p.messageModulus;
      if (diff !== 1 && diff !== p.messageModulus - 1) offByMoreThanOne++;
    }
  });
  const noise = keyswitchBootstrapReadNoise(p, noiseVariance(p.glweNoise));
  const predicted = stepErrorProbability(w, noise.stdPositions);
  const measured = errors / count;
  const sd = Math.sqrt((predicted * (1 - predicted)) / count);
  const bound = 4 * sd + 0.03 * predicted;
  const report =
    `measured ${measured.toFixed(4)} (${errors}/${count}) vs predicted ${predicted.toFixed(4)} ` +
    `(read noise σ = ${noise.stdPositions.toFixed(2)} positions, step ${w}); bound ±${bound.toFixed(4)}`;
  t.diagnostic(report);
  console.log(`fhe error rate: ${report}`);
  assert.equal(offByMoreThanOne, 0, 'errors must only be off by one step');
  assert.ok(Math.abs(measured - predicted) <= bound, report);
});
