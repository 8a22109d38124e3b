/**
 * Polynomial evaluation: depth ⌈log2(d + 1)⌉, the requested scale exactly, values as Horner's rule
 * in float64 within the CKKS error; the TenSEAL sigmoid's approximation error on [−5, 5] against
 * numpy's, and its encrypted evaluation at TenSEAL's own parameters (scale 2^21).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  evaluatePolynomial,
  evaluatePlain,
  polynomialDepth,
  approximationError,
  sigmoid,
  TENSEAL_SIGMOID,
  TENSEAL_LOGREG_PARAMETERS,
} from '../../../src/fhe/ckks';
import { PRECISE, setUp, randomVector, maxAbsDiff, type Ckks } from './fixtures';

let k: Ckks;
before(async () => {
  k = await setUp(PRECISE);
});
after(() => k.dispose());

test('depth is ⌈log2(d + 1)⌉: 1 for a line, 2 for a cubic, 3 up to degree 7', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(polynomialDepth), [1, 2, 2, 3, 3, 3, 3, 4]);
  assert.throws(() => polynomialDepth(0), RangeError);
});

test('encrypted p(x) matches float64 for degrees 1 … 7, at the expected level and the requested scale', () => {
  const n = k.ctx.slotCount;
  const x = randomVector(21, n, -1.5, 1.5);
  const cx = k.enc.encrypt(x);
  try {
    for (let d = 1; d <= 7; d++) {
      const coeffs = Array.from(randomVector(300 + d, d + 1, -1, 1));
      const scale = d % 2 === 0 ? 2 ** 38 : undefined;
      const y = evaluatePolynomial(k.ctx, cx, coeffs, k.keys.relinKeys, { resultScale: scale });
      try {
        assert.equal(k.ctx.levelOf(y), k.ctx.topLevel - polynomialDepth(d), `degree ${d} level`);
        assert.equal(y.scale, scale ?? cx.scale, `degree ${d} scale`);
        const err = maxAbsDiff(
          k.dec.decrypt(y),
          x.map((v) => evaluatePlain(coeffs, v)),
        );
        assert.ok(err < 1e-4, `degree ${d}: max error ${err}`);
      } finally {
        y.delete();
      }
    }
    // Sparse and odd polynomials skip zero terms.
    const y = evaluatePolynomial(k.ctx, cx, [0, 0, 0, 0, 0, 1], k.keys.relinKeys);
    assert.ok(
      maxAbsDiff(
        k.dec.decrypt(y),
        x.map((v) => v ** 5),
      ) < 1e-4,
    );
    y.delete();
  } finally {
    cx.delete();
  }
});

test('bad polynomials and too little depth are RangeErrors', () => {
  const cx = k.enc.encrypt([0.5]);
  try {
    assert.throws(() => evaluatePolynomial(k.ctx, cx, Array(9).fill(0.1), k.keys.relinKeys), /needs depth 4; the ciphertext has 3/);
    assert.throws(() => evaluatePolynomial(k.ctx, cx, [1, 0, 0], k.keys.relinKeys), /degree 0/);
    assert.throws(() => evaluatePolynomial(k.ctx, cx, [1, NaN], k.keys.relinKeys), /coefficient 1/);
  } finally {
    cx.delete();
  }
});

test("TenSEAL's sigmoid 0.5 + 0.197x − 0.004x³: max error 0.0510 on [−5, 5] (at x ≈ ±3.83), as numpy computes it", () => {
  const { maxError, at } = approximationError(TENSEAL_SIGMOID, -5, 5);
  const numpy = Number(
    execFileSync(
      '/usr/bin/python3',
      ['-c', 'import numpy as np; x = np.linspace(-5, 5, 100001); print(np.max(np.abs(0.5 + 0.197*x - 0.004*x**3 - 1/(1 + np.exp(-x)))))'],
      {
        encoding: 'utf8',
      },
    ),
  );
  assert.ok(Math.abs(maxError - numpy) < 1e-12, `ours ${maxError}, numpy ${numpy}`);
  assert.ok(Math.abs(maxError - 0.051) < 5e-4);
  assert.ok(Math.abs(Math.abs(at) - 3.83) < 0.01);
  assert.equal(sigmoid(0), 0.5);
});

test("the sigmoid under encryption at TenSEAL's parameters: within 2e-3 of float64 on [−5, 5] with the result at 2^30, over 20× that at the input scale 2^21", async () => {
  const t = await setUp(TENSEAL_LOGREG_PARAMETERS);
  try {
    const x = randomVector(22, t.ctx.slotCount, -5, 5);
    const cx = t.enc.encrypt(x);
    const ref = x.map((v) => evaluatePlain(TENSEAL_SIGMOID, v));
    const high = evaluatePolynomial(t.ctx, cx, TENSEAL_SIGMOID, t.keys.relinKeys, { resultScale: 2 ** 30 });
    const low = evaluatePolynomial(t.ctx, cx, TENSEAL_SIGMOID, t.keys.relinKeys);
    try {
      // fresh error at 2^21 is ~4e-3 (8σN/Δ = 0.1 bounds it); at 2^30 the cubic adds little to it
      const errHigh = maxAbsDiff(t.dec.decrypt(high), ref);
      const errLow = maxAbsDiff(t.dec.decrypt(low), ref);
      assert.ok(errHigh < 2e-3, `max error at 2^30: ${errHigh}`);
      // measured 0.09 … 0.10 at 2^21 against 7e-4 … 8e-4 at 2^30 (max over 4096 slots; keys differ per run)
      assert.ok(errLow < 0.5 && errLow > 20 * errHigh, `max error at 2^21: ${errLow}, at 2^30: ${errHigh}`);
      assert.equal(t.ctx.levelOf(high), t.ctx.topLevel - 2);
    } finally {
      high.delete();
      low.delete();
      cx.delete();
    }
  } finally {
    t.dispose();
  }
});
