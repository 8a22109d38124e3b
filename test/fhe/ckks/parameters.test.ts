/**
 * Parameters and context: SEAL's 128-bit security limit enforced with a clear error, bad shapes
 * rejected, and the modulus chain of TenSEAL's parameters read as 7 levels whose rescale primes
 * are primes ≡ 1 (mod 2N) of the requested sizes (checked here by trial division).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCkksContext, maxModulusBits, validateParameters, parameterDepth, TENSEAL_LOGREG_PARAMETERS } from '../../../src/fhe/ckks';

function isPrime(n: number): boolean {
  if (n < 2 || n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

test("TenSEAL's parameters: depth 6, 7 levels, rescale primes of 21 bits ≡ 1 mod 16384", async () => {
  assert.equal(await maxModulusBits(8192), 218);
  assert.equal(await maxModulusBits(4096), 109);
  assert.equal(parameterDepth(TENSEAL_LOGREG_PARAMETERS), 6);
  const ctx = await createCkksContext(TENSEAL_LOGREG_PARAMETERS);
  try {
    assert.equal(ctx.topLevel, 6);
    assert.equal(ctx.slotCount, 4096);
    assert.equal(ctx.scale, 2 ** 21);
    assert.equal(ctx.level(0).rescalePrime, 0);
    // bit count of the product q0 … q6: the 21-bit primes are 2^20.2 … 2^20.8
    assert.ok(ctx.level(6).modulusBits > 40 + 6 * 20 && ctx.level(6).modulusBits <= 40 + 6 * 21, String(ctx.level(6).modulusBits));
    for (let l = 1; l <= 6; l++) {
      const q = ctx.level(l).rescalePrime;
      assert.ok(isPrime(q), `${q} prime`);
      assert.equal(q % 16384, 1);
      assert.equal(Math.floor(Math.log2(q)) + 1, 21);
    }
  } finally {
    ctx.delete();
  }
});

test('a modulus chain too long for N at 128-bit security is a RangeError naming the limit', async () => {
  await assert.rejects(createCkksContext({ polyModulusDegree: 4096, coeffModulusBits: [40, 21, 21, 40], scaleBits: 21 }), {
    name: 'RangeError',
    message: /122 bits .* exceeds 109 bits, the limit for 128-bit security at N = 4096/,
  });
  await assert.rejects(createCkksContext({ ...TENSEAL_LOGREG_PARAMETERS, coeffModulusBits: [60, 40, 40, 40, 60] }), /240 bits .* exceeds 218/);
});

test('bad shapes are RangeErrors with the bad value', () => {
  const ok = { polyModulusDegree: 4096, coeffModulusBits: [40, 20, 40], scaleBits: 20 };
  validateParameters(ok, 109);
  assert.throws(() => validateParameters({ ...ok, polyModulusDegree: 3000 }, 109), /power of two .* got 3000/);
  assert.throws(() => validateParameters({ ...ok, polyModulusDegree: 65536 }, 109), /got 65536/);
  assert.throws(() => validateParameters({ ...ok, coeffModulusBits: [40] }, 109), /at least 2 primes/);
  assert.throws(() => validateParameters({ ...ok, coeffModulusBits: [40, 61, 40] }, 400), /got 61/);
  assert.throws(() => validateParameters({ ...ok, coeffModulusBits: [40, 12, 40] }, 109), /got 12/);
  assert.throws(() => validateParameters({ ...ok, scaleBits: 40 }, 109), /scaleBits must be in \(0, 40\)/);
  assert.throws(() => validateParameters(null as never, 109), TypeError);
});
