/**
 * Parameter and format checks of the TFHE code that mutation testing found untested, each
 * against an independent expectation (the documented message, or a value worked out by hand):
 *  - compile options (compile/options.ts resolveOptions, what compile() uses): noiseGuard
 *    outside [0, 20] or NaN and minPositionsPerValue ≤ 0 or NaN are refused with the
 *    documented messages; the edges noiseGuard 0 / 20 and minPositionsPerValue 0.25 pass;
 *  - core parameters (checkCoreParameters): each integer field of tfhe's 2-bit set, moved
 *    just outside its documented range, is refused with a message naming that field;
 *  - shortint parameters (checkShortintParameters): a message or carry modulus that is not a
 *    power of two (3, 0, 1.5) is a ClientKeyFormatError naming the modulus;
 *  - shortintParametersFromJson: JSON round trip of the set for each modulusSwitch kind
 *    ('standard', 'drift', 'centered'); an unknown or missing kind is refused;
 *  - tfhe's own serialized ciphertext (seeded key), with its message modulus overwritten at
 *    the bincode offset 8 + 8·L + 16 + 8 + 8 + 8 (read order of decodeCiphertext; the
 *    untouched value there is checked to be the set's message modulus 4 = 2^2 first) by
 *    2^17 > 2^16, is refused with a message naming 'message modulus';
 *  - evaluation-key file (parseEvaluationKeys): a hand-built file whose header exactly fills
 *    the space (16 + headerLen + 32 = file length, SHA-256 computed here with node:crypto)
 *    gets past the header-length check (it fails on the key sizes, 0/0 words against the
 *    hand-computed ones), one byte less is refused with 'runs past the end';
 *  - checkEvaluationKeySizes: with the exact word counts, computed by hand from the TFHE
 *    layout (bsk = n·(k+1)²·N·ℓ_pbs, ksk = k·N·ℓ_ks·(n+1)), the keys pass; a key-switching
 *    key one word short or long is refused with 'key-switching key has'.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as tfhe from 'node-tfhe';
import {
  ClientKeyFormatError,
  CiphertextFormatError,
  ShortintParameterSet,
  checkShortintParameters,
  decodeCiphertext,
  defaultParameterSetName,
  shortintParametersFromJson,
  tfheParameters,
} from '../../../src/fhe/tfhe/shortint';
import {
  CoreParameters,
  EVAL_KEY_FORMAT_VERSION,
  EVAL_KEY_MAGIC,
  EvaluationKeyFormatError,
  bootstrapKeySize,
  checkCoreParameters,
  checkEvaluationKeySizes,
  keyswitchKeySize,
  parseEvaluationKeys,
} from '../../../src/fhe/tfhe/core';
import { compileCircuit, readParameterSet } from '../../../src/fhe/tfhe/compile';
import { CompileOptions, resolveOptions } from '../../../src/fhe/tfhe/compile/options';
import { smallModel } from './run/fixtures';

/** message 4, carry 1 (N = 512): the cheapest set to make keys for. */
const SET = defaultParameterSetName(2);
const P: ShortintParameterSet = readParameterSet(SET);
// Key sizes in words, closed forms of the TFHE layout: n GGSWs of ℓ_pbs·(k+1) GLWE ciphertexts
// of (k+1) polynomials of N words; k·N·ℓ_ks LWE ciphertexts of n+1 words.
const BSK_WORDS = P.lweDimension * (P.glweDimension + 1) ** 2 * P.polynomialSize * P.pbsLevel;
const KSK_WORDS = P.glweDimension * P.polynomialSize * P.ksLevel * (P.lweDimension + 1);

test('the starting set is the 2-bit message set with carry 1 (CARRY_0)', () => {
  assert.equal(P.messageModulus, 2 ** 2);
  assert.equal(P.carryModulus, 2 ** 0);
  assert.doesNotThrow(() => checkShortintParameters(P));
});

test('compile options: noiseGuard must be in [0, 20], minPositionsPerValue positive', () => {
  const m = smallModel(3, [4, 2], ['linear'], { weight: 2, activation: 2, input: 1 }, 20);
  const resolve = (o: CompileOptions) => resolveOptions(m.model, { parameterSet: SET, ...o });
  for (const g of [-1, 20.5, NaN, 21, -0.001]) {
    assert.throws(
      () => resolve({ noiseGuard: g }),
      (e: Error) => e instanceof RangeError && /noiseGuard must be in \[0, 20\]/.test(e.message) && e.message === `noiseGuard must be in [0, 20], got ${g}`,
      `noiseGuard ${g}`,
    );
  }
  for (const g of [0, 20, 4.5]) assert.equal(resolve({ noiseGuard: g }).noiseGuard, g, `noiseGuard ${g} accepted`);
  for (const v of [0, -1, NaN]) {
    assert.throws(
      () => resolve({ minPositionsPerValue: v }),
      (e: Error) => e instanceof RangeError && e.message === `minPositionsPerValue must be positive, got ${v}`,
      `minPositionsPerValue ${v}`,
    );
  }
  for (const v of [0.25, 1, 3]) assert.equal(resolve({ minPositionsPerValue: v }).minPositionsPerValue, v, `minPositionsPerValue ${v} accepted`);
  // the compiler itself goes through these checks
  assert.throws(() => compileCircuit(m.model, m.inputs, { parameterSet: SET, noiseGuard: -1 }), /noiseGuard must be in \[0, 20\], got -1/);
  assert.throws(() => compileCircuit(m.model, m.inputs, { parameterSet: SET, minPositionsPerValue: 0 }), /minPositionsPerValue must be positive, got 0/);
});

test('core parameters: an integer field just outside its range is refused naming the field', () => {
  assert.doesNotThrow(() => checkCoreParameters(P));
  // documented ranges (core/parameters.ts): n ∈ [1, 8192], k ∈ [1, 16], N ∈ [256, 65536],
  // base logs and level counts ∈ [1, 64]
  const cases: [keyof CoreParameters, string, number, number, number][] = [
    ['lweDimension', 'LWE dimension', 1, 8192, 1.5],
    ['glweDimension', 'GLWE dimension', 1, 16, 2.5],
    ['polynomialSize', 'polynomial size', 256, 65536, 512.5],
    ['pbsBaseLog', 'PBS base log', 1, 64, 1.5],
    ['pbsLevel', 'PBS level count', 1, 64, 1.5],
    ['ksBaseLog', 'KS base log', 1, 64, 1.5],
    ['ksLevel', 'KS level count', 1, 64, 1.5],
  ];
  for (const [field, name, lo, hi, frac] of cases) {
    // polynomial size: the out-of-range values are powers of two, so only the range check can fire
    const outside = field === 'polynomialSize' ? [lo / 2, hi * 2, frac] : [lo - 1, hi + 1, frac];
    for (const v of outside) {
      const q = { ...P, [field]: v } as CoreParameters;
      assert.throws(
        () => checkCoreParameters(q, 'shortint parameters'),
        (e: Error) => e instanceof RangeError && e.message === `shortint parameters: ${name} = ${v} is outside [${lo}, ${hi}]`,
        `${field} = ${v}`,
      );
    }
  }
  // the two KS level counts the brief names, through the shortint check (ClientKeyFormatError)
  for (const v of [0, 65]) {
    assert.throws(
      () => checkShortintParameters({ ...P, ksLevel: v }),
      (e: Error) => e instanceof ClientKeyFormatError && e.message.includes('KS level count') && e.message.includes(`= ${v} is outside [1, 64]`),
    );
  }
});

test('shortint parameters: message and carry modulus must be powers of two', () => {
  assert.doesNotThrow(() => checkShortintParameters({ ...P }));
  for (const v of [3, 0, 1.5, 6]) {
    assert.throws(
      () => checkShortintParameters({ ...P, messageModulus: v }),
      (e: Error) => e instanceof ClientKeyFormatError && e.message === `message modulus ${v} is not a power of two`,
      `messageModulus ${v}`,
    );
  }
  for (const v of [3, 0]) {
    assert.throws(
      () => checkShortintParameters({ ...P, carryModulus: v }),
      (e: Error) => e instanceof ClientKeyFormatError && e.message === `carry modulus ${v} is not a power of two`,
      `carryModulus ${v}`,
    );
  }
  // powers of two that still fit message·carry ≤ N = 512 pass
  assert.doesNotThrow(() => checkShortintParameters({ ...P, messageModulus: 16, carryModulus: 8 }));
});

test('shortintParametersFromJson: round trip for each modulusSwitch kind; unknown or missing refused', () => {
  for (const ms of ['standard', 'drift', 'centered'] as const) {
    const p: ShortintParameterSet = { ...P, modulusSwitch: ms };
    assert.deepEqual(shortintParametersFromJson(JSON.parse(JSON.stringify(p))), p, ms);
  }
  for (const ms of ['bogus', undefined, null, 1]) {
    const o: Record<string, unknown> = JSON.parse(JSON.stringify(P));
    if (ms === undefined) delete o.modulusSwitch;
    else o.modulusSwitch = ms;
    assert.throws(
      () => shortintParametersFromJson(o),
      (e: Error) => e instanceof RangeError && /modulusSwitch/.test(e.message) && e.message === 'parameter modulusSwitch missing',
      String(ms),
    );
  }
});

test('ciphertexts: a message modulus above 2^16 is refused naming the field', () => {
  const ck = tfhe.Shortint.new_client_key_from_seed_and_parameters(43n, 7n, tfheParameters(SET));
  try {
    const ct = tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, 2n));
    const view = new DataView(ct.buffer, ct.byteOffset, ct.byteLength);
    const words = Number(view.getBigUint64(0, true));
    assert.equal(words, P.glweDimension * P.polynomialSize + 1, 'k·N + 1 LWE words');
    // u64 length, L words, u128 modulus, u64 scalar bits, u64 degree, u64 noise level, then message modulus
    const off = 8 + 8 * words + 16 + 8 + 8 + 8;
    assert.equal(view.getBigUint64(off, true), 4n, 'message modulus 2^2 at the offset');
    assert.equal(view.getBigUint64(off + 8, true), 1n, 'carry modulus 1 right after it');
    assert.equal(ct.length, off + 8 + 8 + 4 + 4, 'then carry modulus and two u32 tags end the ciphertext');
    assert.equal(decodeCiphertext(ct, P).messageModulus, 4, 'the unmodified ciphertext decodes');

    const bad = ct.slice();
    new DataView(bad.buffer, bad.byteOffset, bad.byteLength).setBigUint64(off, 1n << 17n, true);
    assert.throws(
      () => decodeCiphertext(bad),
      (e: Error) =>
        e instanceof CiphertextFormatError &&
        e.message.includes('message modulus') &&
        e.message === 'not a tfhe shortint ciphertext: shortint ciphertext: message modulus = 131072 is out of range (max 65536)',
    );
  } finally {
    ck.free();
  }
});

/** magic · version u32 · declared header length u32 · header bytes · SHA-256 of all that. */
function handMadeKeyFile(header: Buffer, declaredLength: number): Uint8Array {
  const pre = Buffer.alloc(16);
  pre.write(EVAL_KEY_MAGIC, 0, 'latin1');
  pre.writeUInt32LE(EVAL_KEY_FORMAT_VERSION, 8);
  pre.writeUInt32LE(declaredLength, 12);
  const body = Buffer.concat([pre, header]);
  return new Uint8Array(Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

test('evaluation-key file: a header that exactly fills the file passes the length check; one byte more does not', () => {
  assert.equal(EVAL_KEY_MAGIC.length, 8);
  const header = Buffer.from(JSON.stringify({ params: P, bootstrapKeyWords: 0, keyswitchKeyWords: 0 }), 'utf8');
  const exact = handMadeKeyFile(header, header.length);
  assert.equal(16 + header.length + 32, exact.length, 'the header exactly fills the space');
  assert.throws(
    () => parseEvaluationKeys(exact, shortintParametersFromJson),
    (e: Error) =>
      e instanceof EvaluationKeyFormatError &&
      !/runs past the end/.test(e.message) &&
      e.message === `invalid evaluation-key file: key sizes 0/0 words do not match the parameters (${BSK_WORDS}/${KSK_WORDS})`,
  );
  // one byte short: the same header minus its last byte, still declared at full length
  const short = handMadeKeyFile(header.subarray(0, header.length - 1), header.length);
  assert.equal(16 + header.length + 32, short.length + 1);
  assert.throws(
    () => parseEvaluationKeys(short, shortintParametersFromJson),
    (e: Error) =>
      e instanceof EvaluationKeyFormatError &&
      e.message === `invalid evaluation-key file: header length ${header.length} runs past the end of the file (truncated?)`,
  );
});

test('evaluation keys: exact word counts pass; a key-switching key one word off is refused', () => {
  const [bsk, ksk] = [BSK_WORDS, KSK_WORDS];
  assert.equal(bootstrapKeySize(P), bsk);
  assert.equal(keyswitchKeySize(P), ksk);
  const bootstrapKey = new BigUint64Array(bsk);
  const longKsk = new BigUint64Array(ksk + 1);
  assert.doesNotThrow(() => checkEvaluationKeySizes({ params: P, bootstrapKey, keyswitchKey: longKsk.subarray(0, ksk) }));
  for (const len of [ksk - 1, ksk + 1]) {
    assert.throws(
      () => checkEvaluationKeySizes({ params: P, bootstrapKey, keyswitchKey: longKsk.subarray(0, len) }),
      (e: Error) => e instanceof RangeError && e.message === `key-switching key has ${len} words, expected ${ksk}`,
      `ksk ${len} words`,
    );
  }
  // and the bootstrapping key's own check, for contrast
  assert.throws(
    () => checkEvaluationKeySizes({ params: P, bootstrapKey: bootstrapKey.subarray(1), keyswitchKey: longKsk.subarray(0, ksk) }),
    (e: Error) => e instanceof RangeError && e.message === `bootstrapping key has ${bsk - 1} words, expected ${bsk}`,
  );
});
