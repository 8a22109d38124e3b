/**
 * Round trips with tfhe on both ends: encrypt with tfhe → evaluation keys from tfhe's
 * client key → keyswitch + PBS (native) → tfhe decrypt gives the table's value; every
 * message, several tables, three parameter sets (2, 3, 4 message bits, carry 0); linear
 * combinations then a lookup; the CLI on tfhe's files; malformed keys and ciphertexts.
 * Evaluation keys are made once per parameter set (they are the cost here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tfhe from 'node-tfhe';
import { SeededRng } from '../../../src/util/rng';
import {
  ShortintCiphertext,
  ShortintServer,
  decodeCiphertext,
  defaultParameterSetName,
  encodeCiphertext,
  generateShortintEvaluationKeys,
  parseShortintEvaluationKeys,
  readClientKey,
  serializeShortintEvaluationKeys,
  tfheParameters,
  ShortintParameterSet,
} from '../../../src/fhe/tfhe/shortint';
import { EvaluationKeyFormatError, decryptLwePhase } from '../../../src/fhe/tfhe/core';
import { privlab } from '../../support/cli';
import { tmpDir } from '../../support/tmp';

interface Fixture {
  ck: tfhe.ShortintClientKey;
  ckBytes: Uint8Array;
  params: ShortintParameterSet;
  server: ShortintServer;
  evalKeyFile: Uint8Array;
}

const fixtures = new Map<number, Promise<Fixture>>();
function fixture(bits: number): Promise<Fixture> {
  let f = fixtures.get(bits);
  if (!f) {
    f = (async () => {
      const ck = tfhe.Shortint.new_client_key_from_seed_and_parameters(BigInt(bits), 42n, tfheParameters(defaultParameterSetName(bits)));
      const ckBytes = tfhe.Shortint.serialize_client_key(ck);
      const keys = await generateShortintEvaluationKeys(ckBytes);
      const evalKeyFile = serializeShortintEvaluationKeys(keys);
      return { ck, ckBytes, params: keys.params, server: ShortintServer.fromFile(evalKeyFile), evalKeyFile };
    })();
    fixtures.set(bits, f);
  }
  return f;
}

function encrypt(f: Fixture, m: number): ShortintCiphertext {
  return decodeCiphertext(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(f.ck, BigInt(m))), f.params);
}

function decrypt(f: Fixture, ct: ShortintCiphertext): number {
  return Number(tfhe.Shortint.decrypt(f.ck, tfhe.Shortint.deserialize_ciphertext(encodeCiphertext(ct))));
}

function tables(p: number, rng: SeededRng): Record<string, number[]> {
  const range = Array.from({ length: p }, (_, i) => i);
  return {
    identity: range,
    negation: range.map((m) => (p - m) % p),
    // two's complement view of the message: negative half → 0 (ReLU), positive half kept
    'relu-step': range.map((m) => (m < p / 2 ? m : 0)),
    random: range.map(() => rng.nextInt(p)),
  };
}

for (const bits of [2, 3, 4]) {
  test(`PBS round trip with tfhe, ${bits}-bit set: every message × identity/negation/relu-step/random`, async () => {
    const f = await fixture(bits);
    const p = f.params.messageModulus;
    const inputs = Array.from({ length: p }, (_, m) => encrypt(f, m));
    for (const [name, table] of Object.entries(tables(p, new SeededRng(bits)))) {
      const outs = await f.server.applyLookupTable(inputs, table);
      const got = outs.map((o) => decrypt(f, o));
      assert.deepEqual(got, table, `table ${name}`);
      assert.equal(outs[0].degree, Math.max(...table));
    }
  });

  test(`linear combination then lookup, ${bits}-bit set`, async () => {
    const f = await fixture(bits);
    const p = f.params.messageModulus;
    const rng = new SeededRng(100 + bits);
    const xs = Array.from({ length: 6 }, () => rng.nextInt(p));
    const cts = xs.map((x) => encrypt(f, x));
    // random weights in [-2, 2]; a clear bias brings each output into [0, p) (negative
    // intermediate values are fine: the torus wraps them and the bias unwraps them)
    const weights: number[][] = [];
    const biases: number[] = [];
    const expected: number[] = [];
    for (let o = 0; o < 8; o++) {
      const w = xs.map(() => rng.nextInt(5) - 2);
      const v = w.reduce((s, wi, i) => s + wi * xs[i], 0);
      const target = rng.nextInt(p);
      weights.push(w);
      biases.push(target - v);
      expected.push(target);
    }
    weights.push(xs.map((_, i) => (i === 5 ? 1 : 0)));
    biases.push(0);
    expected.push(xs[5]);
    const lin = await f.server.linearCombination(cts, weights, biases);
    const table = Array.from({ length: p }, (_, m) => (3 * m + 1) % p);
    const outs = await f.server.applyLookupTable(lin, table);
    assert.deepEqual(
      outs.map((o) => decrypt(f, o)),
      expected.map((v) => table[v]),
    );
  });
}

test('CLI: fhe keygen and fhe apply-lut on tfhe files, decrypted by tfhe', async () => {
  const f = await fixture(2);
  const dir = tmpDir();
  const ck = path.join(dir, 'client.key');
  const ek = path.join(dir, 'eval.keys');
  fs.writeFileSync(ck, f.ckBytes);
  const kg = privlab(['fhe', 'keygen', '--client-key', ck, '--out', ek]);
  assert.equal(kg.status, 0, kg.stderr);
  const table = [2, 3, 0, 1];
  for (let m = 0; m < 4; m++) {
    const inFile = path.join(dir, `in${m}.ct`);
    const outFile = path.join(dir, `out${m}.ct`);
    fs.writeFileSync(inFile, tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(f.ck, BigInt(m))));
    const r = privlab(['fhe', 'apply-lut', '--eval-keys', ek, '--table', table.join(','), inFile, outFile]);
    assert.equal(r.status, 0, r.stderr);
    const out = tfhe.Shortint.deserialize_ciphertext(fs.readFileSync(outFile));
    assert.equal(Number(tfhe.Shortint.decrypt(f.ck, out)), table[m]);
  }
  // table validation and usage errors: exit 2, clear message, no output written
  const inFile = path.join(dir, 'in0.ct');
  const bad = path.join(dir, 'bad.ct');
  for (const [t, re] of [
    ['1,2,3', /message·carry = 4 entries/],
    ['0,1,2,4', /entry 3 = 4/],
    ['0,1,x,2', /"x" is not a non-negative integer/],
  ] as const) {
    const r = privlab(['fhe', 'apply-lut', '--eval-keys', ek, '--table', t, inFile, bad]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(fs.existsSync(bad), false);
  }
  const missing = privlab(['fhe', 'keygen', '--client-key', path.join(dir, 'nope'), '--out', ek]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read client key .*ENOENT/);
});

test('malformed evaluation keys, ciphertexts of another parameter set, truncated files: clear errors', async () => {
  const f = await fixture(2);
  const file = f.evalKeyFile;
  const expectBad = (bytes: Uint8Array, re: RegExp): void => {
    assert.throws(
      () => parseShortintEvaluationKeys(bytes),
      (e: Error) => e instanceof EvaluationKeyFormatError && re.test(e.message),
    );
  };
  expectBad(file.subarray(0, 10), /truncated/);
  expectBad(file.subarray(0, file.length - 1000), /checksum|truncated/);
  const flipped = file.slice();
  flipped[file.length >> 1] ^= 1;
  expectBad(flipped, /checksum mismatch/);
  const magic = file.slice();
  magic[0] = 0x41;
  expectBad(magic, /bad magic/);
  const version = file.slice();
  version[8] = 9;
  expectBad(version, /unknown format version 9/);
  expectBad(new TextEncoder().encode('not a key file at all, just some text that is long enough'), /bad magic/);
  // a tfhe client key is not an evaluation key file (and the server refuses it)
  expectBad(f.ckBytes, /bad magic/);

  // ciphertext from another parameter set
  const other = await fixture(3);
  const ct3 = tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(other.ck, 1n));
  assert.throws(() => f.server.decode(ct3), /another parameter set/);
  // truncated ciphertext
  const ct2 = tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(f.ck, 1n));
  assert.throws(() => f.server.decode(ct2.subarray(0, 64)), /truncated/);
  // a ciphertext under another key of the same parameter set cannot be told apart (LWE
  // ciphertexts look uniformly random): the server must still run without crashing
  const stranger = tfhe.Shortint.new_client_key(tfheParameters(defaultParameterSetName(2)));
  const foreign = f.server.decode(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(stranger, 1n)));
  const [out] = await f.server.applyLookupTable([foreign], [0, 1, 2, 3]);
  assert.equal(out.lwe.length, f.server.lweSize);

  // the CLI reports the same problems with exit status 1 and no output file
  const dir = tmpDir();
  const ek = path.join(dir, 'trunc.keys');
  fs.writeFileSync(ek, file.subarray(0, file.length >> 1));
  const inFile = path.join(dir, 'in.ct');
  fs.writeFileSync(inFile, ct2);
  const outFile = path.join(dir, 'out.ct');
  const r = privlab(['fhe', 'apply-lut', '--eval-keys', ek, '--table', '0,1,2,3', inFile, outFile]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /invalid evaluation-key file/);
  assert.equal(fs.existsSync(outFile), false);
  const ckAsCt = path.join(dir, 'ck.ct');
  fs.writeFileSync(ckAsCt, f.ckBytes);
  fs.writeFileSync(ek, file);
  const r2 = privlab(['fhe', 'apply-lut', '--eval-keys', ek, '--table', '0,1,2,3', ckAsCt, outFile]);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /not a tfhe shortint ciphertext|another parameter set/);
  const badCk = path.join(dir, 'bad.ck');
  fs.writeFileSync(badCk, f.ckBytes.subarray(0, 500));
  const r3 = privlab(['fhe', 'keygen', '--client-key', badCk, '--out', path.join(dir, 'x.keys')]);
  assert.equal(r3.status, 1);
  assert.match(r3.stderr, /client key is truncated/);
  assert.equal(fs.existsSync(path.join(dir, 'x.keys')), false);
});

test('evaluation key file round-trips exactly', async () => {
  const f = await fixture(2);
  const again = serializeShortintEvaluationKeys(parseShortintEvaluationKeys(f.evalKeyFile));
  assert.deepEqual(again, f.evalKeyFile);
  assert.equal(readClientKey(f.ckBytes).params.polynomialSize, f.params.polynomialSize);
});

/**
 * A trivial ciphertext (mask 0, body = phase) decrypts to its body under any key, and
 * every server step keeps it noise-free: the key switch of a zero mask is a zero mask,
 * its modulus switch rounds only the body, and the blind rotation's external products of
 * zero accumulators differences are zero. So a lookup on one reads exactly one position:
 * the test below sweeps phases across whole steps (just inside both edges, sub-position
 * offsets, exact half steps) and needs the PBS to decide the message exactly as tfhe's
 * decrypt rounds the input phase — an asymmetric table makes any shift visible.
 */
function trivial(f: Fixture, phase: bigint): ShortintCiphertext {
  const ct = encrypt(f, 0);
  const lwe = new BigUint64Array(ct.lwe.length);
  lwe[lwe.length - 1] = phase & ((1n << 64n) - 1n);
  return { ...ct, lwe };
}

for (const bits of [2, 4]) {
  test(`noise-free PBS (${bits}-bit set): each phase reads the message tfhe decrypts it to, up to the step edges`, async () => {
    const f = await fixture(bits);
    const p = f.params.messageModulus;
    const delta = (1n << 63n) / BigInt(p); // carry 1
    const unit = (1n << 64n) / BigInt(2 * f.params.polynomialSize); // one table position
    const offsets = [
      -delta / 2n,
      -delta / 2n + 1n,
      -delta / 2n + unit / 4n,
      -delta / 2n + unit,
      -delta / 2n + (3n * unit) / 2n,
      -unit / 2n,
      0n,
      unit / 3n,
      delta / 2n - 2n * unit,
      delta / 2n - unit - unit / 4n,
      delta / 2n - unit,
      delta / 2n - unit / 2n,
      delta / 2n - unit / 4n,
      delta / 2n - 1n,
    ];
    const phases: bigint[] = [];
    for (let m = 0; m < p; m++) for (const e of offsets) phases.push(BigInt(m) * delta + e);
    const inputs = phases.map((ph) => trivial(f, ph));
    const decrypted = inputs.map((ct) => decrypt(f, ct));
    // tfhe's decrypt of the inputs, and its rounding by hand: nearest multiple of Δ, ties up
    assert.deepEqual(
      decrypted,
      phases.map((ph) => Number((((ph + delta / 2n) & ((1n << 64n) - 1n)) / delta) % BigInt(2 * p)) % p),
    );
    const table = Array.from({ length: p }, (_, m) => (5 * m + 3) % p); // no symmetry: a one-step shift changes every entry
    const outs = await f.server.applyLookupTable(inputs, table);
    const got = outs.map((o) => decrypt(f, o));
    const wrong = phases
      .map((ph, i) => ({ m: Math.floor(i / offsets.length), e: offsets[i % offsets.length], want: table[decrypted[i]], got: got[i] }))
      .filter((r) => r.want !== r.got);
    assert.deepEqual(
      wrong.slice(0, 5).map((r) => `m=${r.m} e=${Number(r.e) / Number(unit)} positions: got ${r.got}, want ${r.want}`),
      [],
      `${wrong.length}/${phases.length} reads differ from table[tfhe.decrypt(input)]`,
    );
    // the outputs are noise-free too: their phase is exactly table value · Δ
    const sk = readClientKey(f.ckBytes);
    outs.forEach((o, i) => assert.equal(decryptLwePhase(sk.glweSecretKey, o.lwe), BigInt(table[decrypted[i]]) * delta, `output ${i} phase`));
  });
}
