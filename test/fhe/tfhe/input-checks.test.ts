/**
 * Input checks and bookkeeping of the TFHE evaluator that mutation testing found untested,
 * each against an independent expectation:
 *  - a client spec without string name / circuitId / parameterSet is refused with the
 *    documented message;
 *  - tfhe's own serialized ciphertexts and client keys (seeded keys), corrupted by hand at
 *    the byte offsets of the bincode layout documented in shortint/ciphertext.ts and
 *    shortint/client_key.ts, are refused with errors naming the field ('PBS order',
 *    'atomic pattern');
 *  - the degree check at its boundary: degree message·carry − 1 fits, message·carry does not;
 *  - the HTTP server's key quota (maxKeySets = 1): the remote session's upload is accepted,
 *    one more gets 503 and the documented message; a remote inference through a circuit whose
 *    PBS fan out (two output digits per neuron: a non-identity PBS placement) decrypts to
 *    the clear integer model, and the client's phase times are the sums of the per-request
 *    times (recorded independently by wrapping RemoteSession.infer); the service's thread
 *    count reaches every PBS batch; a missing circuit is a 404 naming what was being fetched.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tfhe from 'node-tfhe';
import {
  ClientKeyFormatError,
  CiphertextFormatError,
  ShortintParameterSet,
  checkCiphertextMatches,
  decodeCiphertext,
  defaultParameterSetName,
  readClientKey,
  tfheParameters,
} from '../../../src/fhe/tfhe/shortint';
import { CircuitFormatError, clientSpec, parseClientSpec } from '../../../src/fhe/tfhe/compile';
import { RemoteAnswer, RemoteHttpError, RemoteSession, compile, inferRemote, simulateCircuit } from '../../../src/fhe/tfhe/run';
import { FheService } from '../../../src/fhe/tfhe/run/http-server';
import { LweServerKey } from '../../../src/fhe/tfhe/core/lwe_programmable_bootstrapping';
import { quantizeInputs } from '../../../src/quant';
import { bytesBody } from '../../../src/util/http-body';
import { smallModel } from './run/fixtures';

/** message 4, carry 1 (N = 512): the cheapest set to make keys for. */
const SET = defaultParameterSetName(2);

// A one-layer model, 4 inputs → 3 outputs of 3 bits: on a 2-bit message set each output
// travels as two digits, so each neuron's accumulator feeds two PBS (pbsNeuron ≠ 0,1,2).
const m = smallModel(5, [4, 3], ['linear'], { weight: 2, activation: 3, input: 1 }, 60);
const fm = compile(m.model, m.inputs, { parameterSet: SET, name: 'fanout' });
after(() => fm.dispose());

function seededClientKey(seed: bigint, carryModulus?: number): { ck: tfhe.ShortintClientKey; bytes: Uint8Array } {
  const ck = tfhe.Shortint.new_client_key_from_seed_and_parameters(seed, 7n, tfheParameters(SET, { carryModulus }));
  return { ck, bytes: tfhe.Shortint.serialize_client_key(ck) };
}

test('client spec: name, circuitId and parameterSet must be strings', () => {
  const good = clientSpec(fm.circuit);
  assert.equal(parseClientSpec(JSON.stringify(good)).name, 'fanout', 'the unmodified spec parses');
  for (const field of ['name', 'circuitId', 'parameterSet'] as const) {
    for (const value of [undefined, 7, null, ['x']]) {
      const o: Record<string, unknown> = { ...good };
      if (value === undefined) delete o[field];
      else o[field] = value;
      assert.throws(
        () => parseClientSpec(JSON.stringify(o)),
        (e: Error) => e instanceof CircuitFormatError && e.message === 'invalid FHE circuit: client spec: name, circuitId and parameterSet must be strings',
        `${field} = ${JSON.stringify(value)}`,
      );
    }
  }
});

/*
 * Byte layout of a serialized shortint ciphertext (shortint/ciphertext.ts): u64 length L,
 * L u64 words, u128 modulus, u64 scalar bits, then degree, noise level, message modulus,
 * carry modulus (u64 each), AtomicPatternKind tag u32, PBSOrder tag u32.
 */
function degreeOffset(ct: Uint8Array): number {
  const words = Number(new DataView(ct.buffer, ct.byteOffset, ct.byteLength).getBigUint64(0, true));
  return 8 + 8 * words + 16 + 8;
}

test('ciphertexts: an unknown PBS-order tag is refused naming the field; degree must be below message·carry', () => {
  const { ck, bytes } = seededClientKey(41n, 2); // carry raised to 2: message·carry = 8
  try {
    const p: ShortintParameterSet = readClientKey(bytes).params;
    assert.equal(p.messageModulus * p.carryModulus, 8);
    const ct = tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, 3n));
    const off = degreeOffset(ct);
    assert.equal(ct.length, off + 8 * 4 + 4 + 4, 'layout: 4 u64 after the modulus, then two u32 tags');
    assert.equal(decodeCiphertext(ct, p).lwe.length, p.glweDimension * p.polynomialSize + 1);

    // PBS order: 0 = KeyswitchBootstrap, 1 = BootstrapKeyswitch; 2 is no variant
    const badOrder = ct.slice();
    new DataView(badOrder.buffer).setUint32(ct.length - 4, 2, true);
    assert.throws(
      () => decodeCiphertext(badOrder),
      (e: Error) =>
        e instanceof CiphertextFormatError && /unknown PBS order variant 2 \(this reader knows 0=KeyswitchBootstrap, 1=BootstrapKeyswitch\)/.test(e.message),
    );

    // degree: message·carry − 1 = 7 is the largest that fits, 8 is refused
    const withDegree = (d: number): Uint8Array => {
      const b = ct.slice();
      new DataView(b.buffer).setBigUint64(off, BigInt(d), true);
      return b;
    };
    assert.equal(decodeCiphertext(withDegree(7), p).degree, 7);
    assert.throws(
      () => decodeCiphertext(withDegree(8), p),
      (e: Error) => e instanceof CiphertextFormatError && e.message === 'ciphertext degree 8 does not fit message·carry = 8',
    );
    // the same check on a hand-made ciphertext object and parameter view (k·N + 1 = 5 words)
    const hand = { glweDimension: 1, polynomialSize: 4, messageModulus: 4, carryModulus: 4 } as ShortintParameterSet;
    const lwe = new BigUint64Array(5);
    assert.doesNotThrow(() => checkCiphertextMatches({ lwe, degree: 15, noiseLevel: 1, messageModulus: 4, carryModulus: 4 }, hand));
    assert.throws(
      () => checkCiphertextMatches({ lwe, degree: 16, noiseLevel: 1, messageModulus: 4, carryModulus: 4 }, hand),
      /^CiphertextFormatError: ciphertext degree 16 does not fit message·carry = 16$/,
    );
  } finally {
    ck.free();
  }
});

test('client keys: an unknown atomic-pattern tag is refused naming the field', () => {
  const { ck, bytes } = seededClientKey(42n);
  ck.free();
  assert.equal(readClientKey(bytes).params.messageModulus, 4, 'the unmodified key reads');
  // the file starts with the AtomicPatternClientKey tag (u32): 0 = Standard, 1 = KeySwitch32
  for (const t of [2, 0xffffffff]) {
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(0, t, true);
    assert.throws(
      () => readClientKey(bad),
      (e: Error) =>
        e instanceof ClientKeyFormatError &&
        e.message.startsWith(
          `not a usable tfhe shortint client key: shortint client key: unknown atomic pattern variant ${t} (this reader knows 0=Standard, 1=KeySwitch32)`,
        ),
    );
  }
});

const BIN = { 'Content-Type': 'application/octet-stream' };

test('fhe serve: maxKeySets uploads are held, the next gets 503; remote inference through fanned-out PBS; phase times are sums', async () => {
  const c = fm.circuit;
  // the non-identity placement: 3 neurons, each read by two PBS (its two output digits)
  assert.equal(c.output.digits, 2);
  assert.equal(c.layers.length, 1);
  assert.equal(c.layers[0].neurons, 3);
  assert.equal(c.layers[0].pbsNeuron.length, 6);
  assert.ok(c.report.predictedInferenceError < 1e-9, 'answers must then equal the clear model');

  const max = 1; // one key set: the remote session's
  const service = await FheService.start({ circuits: [c], maxSamples: 2, maxKeySets: max, keyIdleSeconds: 900, threads: 1 });
  // the service's thread count must reach every PBS batch it runs
  const pbsThreads: (number | undefined)[] = [];
  const pbs = LweServerKey.prototype.keyswitchBootstrap;
  LweServerKey.prototype.keyswitchBootstrap = function (this: LweServerKey, ...a: Parameters<typeof pbs>) {
    pbsThreads.push(a[3]?.threads);
    return pbs.apply(this, a);
  };
  try {
    await assert.rejects(RemoteSession.open(service.url, 'nope'), (e: Error) => {
      assert.ok(e instanceof RemoteHttpError && e.status === 404, String(e));
      assert.match(e.message, /^fetching circuit "nope": HTTP 404/);
      return true;
    });
    const samples = 3;
    const x = m.inputs.subarray(0, samples * 4);
    const parts: RemoteAnswer[] = [];
    let quotaAnswer: { status: number; body: unknown } | undefined;
    const infer = RemoteSession.prototype.infer;
    // Record each request's answer (its times); before the first, while the session's keys
    // fill the quota, try one more upload. The quota is checked before the body is read,
    // so a short body gets the 503 (without the check it would be read, and refused as 400).
    RemoteSession.prototype.infer = async function (this: RemoteSession, v: ArrayLike<number>): Promise<RemoteAnswer> {
      if (!quotaAnswer) {
        const r = await fetch(`${service.url}/circuits/fanout/keys`, { method: 'POST', body: bytesBody(new Uint8Array(64)), headers: BIN });
        quotaAnswer = { status: r.status, body: await r.json() };
      }
      const a = await infer.call(this, v);
      parts.push(a);
      return a;
    };
    let r;
    try {
      r = await inferRemote(service.url, 'fanout', x, { batch: 1 });
    } finally {
      RemoteSession.prototype.infer = infer;
    }
    assert.deepEqual(pbsThreads, Array(samples * c.layers.length).fill(1), "one PBS batch per sample and layer, on the service's 1 thread");
    // max key sets were accepted (the session's upload), the one beyond was refused
    assert.deepEqual(quotaAnswer, {
      status: 503,
      body: { error: `circuit "fanout" holds ${max} key sets, its quota: delete yours when done (idle ones expire after 900 s)` },
    });

    const clear = await fm.predict(x, { fhe: 'disable' });
    assert.deepEqual(Array.from(r.levels), Array.from(clear.levels), 'decrypted answers equal the clear integer model');
    assert.deepEqual(Array.from(r.levels), Array.from(simulateCircuit(c, quantizeInputs(m.model, x), samples).outputs));

    assert.equal(parts.length, samples);
    const sum = (f: (a: RemoteAnswer) => number): number => parts.reduce((s, a) => s + f(a), 0);
    for (const a of parts) assert.ok(a.encrypt_s > 0 && a.decrypt_s > 0 && a.server_s > 0, JSON.stringify(a));
    assert.equal(
      r.times.encrypt_s,
      sum((a) => a.encrypt_s),
    );
    assert.equal(
      r.times.server_s,
      sum((a) => a.server_s),
    );
    assert.equal(
      r.times.decrypt_s,
      sum((a) => a.decrypt_s),
    );
    assert.equal(
      r.times.transfer_s,
      sum((a) => Math.max(0, a.round_trip_s - a.server_s)),
    );
    for (const phase of ['encrypt_s', 'server_s', 'decrypt_s'] as const) {
      assert.ok(r.times[phase] > 0, phase);
      for (const a of parts) assert.ok(r.times[phase] >= a[phase], `${phase} total ≥ each request's`);
    }
    assert.ok(r.times.transfer_s >= 0);

    // the session deleted its keys on close: the quota takes a set again (a short body now reaches the key parser)
    const freed = await fetch(`${service.url}/circuits/fanout/keys`, { method: 'POST', body: bytesBody(new Uint8Array(64)), headers: BIN });
    assert.equal(freed.status, 400);
    assert.match(((await freed.json()) as { error: string }).error, /invalid evaluation-key file/);
  } finally {
    LweServerKey.prototype.keyswitchBootstrap = pbs;
    await service.close();
  }
});
