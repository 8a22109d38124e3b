/**
 * tfhe interop without evaluation: parameter sets read from node-tfhe, secrets read from
 * tfhe's client key (checked by recomputing tfhe ciphertexts' phases: m·Δ + small
 * noise), the ciphertext codec both ways, and malformed inputs rejected clearly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfhe from 'node-tfhe';
import {
  ClientKeyFormatError,
  CiphertextFormatError,
  decodeCiphertext,
  decodePhase,
  defaultParameterSetName,
  delta,
  encodeCiphertext,
  encodeMessage,
  readClientKey,
  tfheParameters,
} from '../../../src/fhe/tfhe/shortint';
import { decryptLwePhase, torusToSigned } from '../../../src/fhe/tfhe/core';

const MASK64 = (1n << 64n) - 1n;

function clientKey(bits: number, seed: bigint, carryModulus?: number): { ck: tfhe.ShortintClientKey; bytes: Uint8Array } {
  const ck = tfhe.Shortint.new_client_key_from_seed_and_parameters(seed, 7n, tfheParameters(defaultParameterSetName(bits), { carryModulus }));
  return { ck, bytes: tfhe.Shortint.serialize_client_key(ck) };
}

test('parameter sets come from node-tfhe (2, 3, 4 bits; carry can be raised)', () => {
  for (const bits of [2, 3, 4]) {
    const name = defaultParameterSetName(bits);
    assert.match(name, new RegExp(`PARAM_MESSAGE_${bits}_CARRY_0_KS_PBS`));
    const p = tfheParameters(name);
    assert.equal(p.message_modulus(), BigInt(2 ** bits));
    assert.equal(p.carry_modulus(), 1n);
    assert.equal(tfheParameters(name, { carryModulus: 8 }).carry_modulus(), 8n);
  }
  assert.throws(() => tfheParameters('NO_SUCH_SET'), /unknown tfhe shortint parameter set/);
  assert.throws(() => tfheParameters(defaultParameterSetName(2), { carryModulus: 3 }), /power of two/);
});

for (const bits of [2, 3, 4]) {
  test(`client key secrets (${bits}-bit set): tfhe ciphertexts have phase m·Δ + small noise, codec round-trips`, () => {
    const { ck, bytes } = clientKey(bits, BigInt(100 + bits));
    const sk = readClientKey(bytes);
    const p = sk.params;
    const n = tfheParameters(defaultParameterSetName(bits));
    assert.equal(p.lweDimension, n.lwe_dimension());
    assert.equal(p.glweDimension, n.glwe_dimension());
    assert.equal(p.polynomialSize, n.polynomial_size());
    assert.equal(p.pbsBaseLog, n.pbs_base_log());
    assert.equal(p.ksLevel, n.ks_level());
    assert.equal(p.messageModulus, 2 ** bits);
    assert.equal(sk.glweSecretKey.length, p.glweDimension * p.polynomialSize);
    assert.equal(sk.lweSecretKey.length, p.lweDimension);
    const d = delta(p);
    for (let m = 0; m < p.messageModulus; m++) {
      const ctBytes = tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, BigInt(m)));
      const ct = decodeCiphertext(ctBytes, p);
      const phase = decryptLwePhase(sk.glweSecretKey, ct.lwe);
      const err = torusToSigned((phase - encodeMessage(m, p)) & MASK64);
      // fresh noise is tiny next to Δ (std ~2^-36 or less vs Δ = 2^-(bits+1))
      assert.ok(Math.abs(err) < Number(d) / 2 ** 64 / 16, `m=${m}: phase error ${err} too large (wrong key?)`);
      assert.equal(decodePhase(phase, p), m);
      assert.deepEqual(encodeCiphertext(ct), ctBytes, 'codec must reproduce tfhe bytes exactly');
    }
  });
}

test('raised carry modulus: Δ = 2^63/(message·carry) as tfhe encodes it', () => {
  const { ck, bytes } = clientKey(2, 5n, 4);
  const sk = readClientKey(bytes);
  assert.equal(sk.params.carryModulus, 4);
  assert.equal(delta(sk.params), (1n << 63n) / 16n);
  const ct = decodeCiphertext(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, 3n)), sk.params);
  assert.equal(decodePhase(decryptLwePhase(sk.glweSecretKey, ct.lwe), sk.params), 3);
});

test('our encoded ciphertexts are accepted by tfhe deserialize + decrypt', () => {
  const { ck, bytes } = clientKey(3, 9n);
  const sk = readClientKey(bytes);
  const ct = decodeCiphertext(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, 5n)), sk.params);
  // add 2·Δ to the body: tfhe must now decrypt 7
  const lwe = ct.lwe.slice();
  lwe[lwe.length - 1] = (lwe[lwe.length - 1] + 2n * delta(sk.params)) & MASK64;
  const out = encodeCiphertext({ ...ct, lwe });
  assert.equal(tfhe.Shortint.decrypt(ck, tfhe.Shortint.deserialize_ciphertext(out)), 7n);
});

test('malformed client keys are rejected with clear errors', () => {
  const { bytes } = clientKey(2, 11n);
  assert.throws(
    () => readClientKey(bytes.subarray(0, 100)),
    (e: Error) => e instanceof ClientKeyFormatError && /truncated/.test(e.message),
  );
  assert.throws(() => readClientKey(bytes.subarray(0, bytes.length - 3)), /truncated/);
  assert.throws(() => readClientKey(new Uint8Array(0)), /truncated/);
  const badTag = bytes.slice();
  badTag[0] = 7; // unknown atomic pattern variant
  assert.throws(() => readClientKey(badTag), /unknown atomic pattern variant 7/);
  const ks32 = bytes.slice();
  ks32[0] = 1;
  assert.throws(() => readClientKey(ks32), /KeySwitch32/);
  const nonBinary = bytes.slice();
  nonBinary[4 + 8] = 5; // first GLWE key coefficient
  assert.throws(() => readClientKey(nonBinary), /not a binary key/);
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assert.throws(() => readClientKey(longer), /trailing bytes/);
  const wrongLen = bytes.slice();
  new DataView(wrongLen.buffer).setBigUint64(4, 99n, true); // GLWE key length
  assert.throws(() => readClientKey(wrongLen), ClientKeyFormatError);
});

test('malformed ciphertexts and mismatched parameter sets are rejected with clear errors', () => {
  const a = clientKey(2, 12n);
  const b = clientKey(4, 13n);
  const pa = readClientKey(a.bytes).params;
  const ctB = tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(b.ck, 1n));
  assert.throws(
    () => decodeCiphertext(ctB, pa),
    (e: Error) => e instanceof CiphertextFormatError && /another parameter set/.test(e.message),
  );
  const ctA = tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(a.ck, 1n));
  assert.throws(() => decodeCiphertext(ctA.subarray(0, ctA.length - 1), pa), /truncated/);
  assert.throws(() => decodeCiphertext(ctA.subarray(0, 5), pa), /truncated/);
  const pbsKs = ctA.slice();
  pbsKs[pbsKs.length - 4] = 1;
  assert.throws(() => decodeCiphertext(pbsKs, pa), /PBS-KS order/);
  const modulus = ctA.slice();
  const dv = new DataView(modulus.buffer);
  const lweLen = Number(dv.getBigUint64(0, true));
  dv.setBigUint64(8 + 8 * lweLen, 12345n, true); // custom ciphertext modulus
  assert.throws(() => decodeCiphertext(modulus, pa), /native modulus/);
  const msg = ctA.slice();
  new DataView(msg.buffer).setBigUint64(8 + 8 * lweLen + 24 + 16, 8n, true); // message modulus (after modulus, degree, noise level)
  assert.throws(() => decodeCiphertext(msg, pa), /message\/carry modulus 8\/1/);
});

test('decodePhase rounds as tfhe decrypts: noise-free (trivial) ciphertexts at the step edges, 2-bit and raised-carry sets', () => {
  for (const [bits, carry] of [
    [2, undefined],
    [2, 4],
    [4, 8],
  ] as const) {
    const { ck, bytes } = clientKey(bits, 21n, carry);
    const p = readClientKey(bytes).params;
    const template = decodeCiphertext(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, 0n)), p);
    const d = delta(p);
    const steps = p.messageModulus * p.carryModulus;
    for (let m = 0; m < steps; m++) {
      // by hand: [m·Δ − Δ/2, m·Δ + Δ/2) decrypts to m (mod the message modulus: tfhe drops the carry)
      for (const [e, want] of [
        [-d / 2n, m],
        [-d / 2n - 1n, m - 1],
        [d / 2n - 1n, m],
        [d / 2n, m + 1],
        [0n, m],
      ] as const) {
        const phase = (BigInt(m) * d + e) & MASK64;
        const lwe = new BigUint64Array(template.lwe.length);
        lwe[lwe.length - 1] = phase;
        const byTfhe = Number(tfhe.Shortint.decrypt(ck, tfhe.Shortint.deserialize_ciphertext(encodeCiphertext({ ...template, lwe }))));
        const expected = (((want % (2 * steps)) + 2 * steps) % (2 * steps)) % p.messageModulus;
        assert.equal(byTfhe, expected, `tfhe: m=${m} e=${e}`);
        assert.equal(decodePhase(phase, p) % p.messageModulus, expected, `decodePhase: m=${m} e=${e}`);
      }
    }
  }
});
