/**
 * SEAL's own format both ways: ciphertexts and every key type round-trip (the loaded objects do
 * what the originals did), and damaged or foreign bytes are rejected with TypeErrors that say why.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  save,
  loadCiphertext,
  loadPublicKey,
  loadRelinKeys,
  loadGaloisKeys,
  loadSecretKey,
  readSealHeader,
  multiply,
  rotate,
  CkksEncryptor,
  CkksDecryptor,
  type CkksParameters,
} from '../../../src/fhe/ckks';
import { setUp, randomVector, maxAbsDiff, type Ckks } from './fixtures';

const SMALL: CkksParameters = { polyModulusDegree: 4096, coeffModulusBits: [40, 30, 39], scaleBits: 30 };
let k: Ckks;
before(async () => {
  k = await setUp(SMALL, [1]);
});
after(() => k.dispose());

test('a ciphertext round-trips (zstd, zlib, none) and decrypts to the same values', () => {
  const x = randomVector(31, 100);
  const ct = k.enc.encrypt(x);
  try {
    const before = k.dec.decrypt(ct, 100);
    const sizes: Record<string, number> = {};
    for (const mode of ['zstd', 'zlib', 'none'] as const) {
      const bytes = save(k.ctx, ct, mode);
      sizes[mode] = bytes.length;
      assert.equal(readSealHeader(bytes, 'ct').compression, mode);
      const back = loadCiphertext(k.ctx, bytes, { level: k.ctx.topLevel, scale: k.ctx.scale });
      try {
        assert.deepEqual(k.dec.decrypt(back, 100), before);
      } finally {
        back.delete();
      }
    }
    assert.ok(sizes.zstd < sizes.none && sizes.zlib < sizes.none, JSON.stringify(sizes));
  } finally {
    ct.delete();
  }
});

test('keys round-trip: loaded public, relinearization, Galois and secret keys work', () => {
  const pk = loadPublicKey(k.ctx, save(k.ctx, k.keys.publicKey));
  const rk = loadRelinKeys(k.ctx, save(k.ctx, k.keys.relinKeys));
  const gk = loadGaloisKeys(k.ctx, save(k.ctx, k.keys.galoisKeys!));
  const sk = loadSecretKey(k.ctx, save(k.ctx, k.keys.secretKey));
  const enc = new CkksEncryptor(k.ctx, pk);
  const dec = new CkksDecryptor(k.ctx, sk);
  const x = randomVector(32, k.ctx.slotCount);
  const ct = enc.encrypt(x);
  try {
    assert.ok(maxAbsDiff(k.dec.decrypt(ct), x) < 1e-4, 'encrypted with the loaded public key');
    assert.ok(maxAbsDiff(dec.decrypt(ct), x) < 1e-4, 'decrypted with the loaded secret key');
    const sq = multiply(k.ctx, ct, ct, rk);
    assert.ok(
      maxAbsDiff(
        k.dec.decrypt(sq),
        x.map((v) => v * v),
      ) < 1e-3,
      'relinearized with the loaded keys',
    );
    sq.delete();
    // the error is printed with the original keys' on the same ciphertext, so that a failure says
    // whether the loaded keys or the rotation itself went wrong (typical error here: 1.3e-4)
    const rotatedBy = (galoisKeys: typeof gk): number => {
      const r = rotate(k.ctx, ct, 1, { galoisKeys, galoisSteps: [1] });
      try {
        return maxAbsDiff(
          k.dec.decrypt(r),
          x.map((_, j) => x[(j + 1) % x.length]),
        );
      } finally {
        r.delete();
      }
    };
    const loaded = rotatedBy(gk);
    assert.ok(loaded < 1e-3, `rotated with the loaded Galois keys: max error ${loaded} (with the original keys: ${rotatedBy(k.keys.galoisKeys!)})`);
  } finally {
    ct.delete();
    for (const o of [enc, dec, pk, rk, gk, sk]) o.delete();
  }
});

test('damaged, truncated, foreign or unexpected bytes are TypeErrors naming the problem', async () => {
  const ct = k.enc.encrypt([1, 2, 3]);
  const bytes = save(k.ctx, ct, 'none');
  ct.delete();
  assert.throws(() => loadCiphertext(k.ctx, bytes.subarray(0, 10)), /shorter than SEAL's 16-byte header/);
  assert.throws(() => loadCiphertext(k.ctx, bytes.subarray(0, bytes.length - 1)), /header declares \d+ bytes, got \d+ \(truncated/);
  const badMagic = bytes.slice();
  badMagic[0] ^= 0xff;
  assert.throws(() => loadCiphertext(k.ctx, badMagic), /not a SEAL object/);
  const badBody = bytes.slice();
  // a coefficient of the first polynomial set to 2^64 − 1, above every prime: SEAL's validity check
  badBody.fill(0xff, 200, 208);
  assert.throws(() => loadCiphertext(k.ctx, badBody), /ciphertext: SEAL rejected it/);
  assert.throws(() => loadCiphertext(k.ctx, bytes, { level: 0 }), /at level 1, expected 0/);
  assert.throws(() => loadCiphertext(k.ctx, 'abc' as unknown as Uint8Array), TypeError);
  // a key is not a ciphertext
  assert.throws(() => loadCiphertext(k.ctx, save(k.ctx, k.keys.secretKey)), TypeError);
  // a ciphertext of other parameters
  const other = await setUp({ polyModulusDegree: 4096, coeffModulusBits: [40, 29, 40], scaleBits: 29 });
  try {
    const foreign = other.enc.encrypt([1]);
    const fb = save(other.ctx, foreign);
    foreign.delete();
    assert.throws(() => loadCiphertext(k.ctx, fb), /SEAL rejected it for this context/);
  } finally {
    other.dispose();
  }
});
