/**
 * SEAL's WebAssembly objects are deleted by their owners: 100 rounds of encrypt → multiply →
 * rotate → add → polynomial (3 products) → 2 decryptions, 900 operations, with temporaries in scopes, leave SEAL's heap exactly as big
 * as after a warm-up; the same loop leaking one ciphertext per round grows it (the check can fail).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  add,
  multiply,
  rotate,
  evaluatePolynomial,
  sealHeapBytes,
  withScope,
  Scope,
  TENSEAL_SIGMOID,
  type CkksParameters,
  type CipherText,
} from '../../../src/fhe/ckks';
import { setUp, randomVector, type Ckks } from './fixtures';

const SMALL: CkksParameters = { polyModulusDegree: 4096, coeffModulusBits: [30, 25, 25, 29], scaleBits: 25 };
let k: Ckks;
before(async () => {
  k = await setUp(SMALL, [1]);
});
after(() => k.dispose());

function round(x: Float64Array): number {
  return withScope((s) => {
    const a = s.track(k.enc.encrypt(x));
    const p = s.track(multiply(k.ctx, a, a, k.keys.relinKeys));
    const r = s.track(rotate(k.ctx, p, 1, k.keys));
    const sum = s.track(add(k.ctx, p, r));
    const y = s.track(evaluatePolynomial(k.ctx, a, TENSEAL_SIGMOID, k.keys.relinKeys));
    return k.dec.decrypt(sum, 1)[0] + k.dec.decrypt(y, 1)[0];
  });
}

test('100 rounds (900 operations): SEAL heap flat after warm-up', () => {
  const x = randomVector(41, 64);
  for (let i = 0; i < 10; i++) round(x);
  const warm = sealHeapBytes();
  let check = 0;
  for (let i = 0; i < 100; i++) check += round(x);
  assert.ok(Number.isFinite(check));
  // One leaked ciphertext per round would add ~20 MB here; allow 1 MiB of allocator slack (the runs
  // so far ended exactly where the warm-up did).
  assert.ok(sealHeapBytes() <= warm + 2 ** 20, `heap grew from ${warm} to ${sealHeapBytes()} bytes`);
});

test('the control: leaking one ciphertext per round grows the heap', () => {
  const x = randomVector(42, 64);
  const leaked: CipherText[] = [];
  const before = sealHeapBytes();
  try {
    for (let i = 0; i < 300; i++) leaked.push(k.enc.encrypt(x));
    assert.ok(sealHeapBytes() > before, `heap stayed at ${before} bytes`);
  } finally {
    for (const c of leaked) c.delete();
  }
});

test('Scope deletes tracked objects newest first, also when the body throws; release hands one back', () => {
  const deleted: string[] = [];
  const obj = (name: string) => ({ delete: () => deleted.push(name) });
  assert.throws(() =>
    withScope((s) => {
      s.track(obj('a'));
      s.track(obj('b'));
      throw new Error('boom');
    }),
  );
  assert.deepEqual(deleted, ['b', 'a']);
  const s = new Scope();
  const kept = s.release(s.track(obj('kept')));
  s.track(obj('c'));
  s.dispose();
  assert.deepEqual(deleted, ['b', 'a', 'c']);
  kept.delete();
  assert.throws(() => s.track(obj('late')), /already ended/);
  assert.throws(() => new Scope().release(obj('x')), /not owned/);
});
