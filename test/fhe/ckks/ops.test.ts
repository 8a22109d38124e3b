/**
 * The evaluator operations against the same computation in float64: each decrypted result within
 * the error CKKS has at scale Δ = 2^40. A fresh ciphertext's noise in the slots is bounded by about
 * 8σN/Δ (σ = 3.2, N = 8192: 1.9e-7; measured 1e-7 … 3e-7 after a rotation); the tests allow 10×
 * that for values of size ~1, more where products or sums grow the values. Bad inputs fail with
 * RangeErrors.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  add,
  sub,
  addPlain,
  subPlain,
  multiply,
  square,
  multiplyPlain,
  multiplyConstant,
  rotate,
  rotateAndSum,
  dotProduct,
  dotProductPlain,
  dotProductSteps,
  matrixVector,
  matrixVectorSteps,
  replicate,
  alignTo,
  modSwitchTo,
  type CipherText,
} from '../../../src/fhe/ckks';
import { PRECISE, setUp, randomVector, maxAbsDiff, type Ckks } from './fixtures';

const TOL = (10 * 8 * 3.2 * PRECISE.polyModulusDegree) / 2 ** PRECISE.scaleBits;
let k: Ckks;
const BLOCK = 8;
const D = 16;

before(async () => {
  k = await setUp(PRECISE, [...new Set([1, 3, -5, ...dotProductSteps(BLOCK), ...matrixVectorSteps(D), 64, 128])]);
});
after(() => k.dispose());

function decrypt(ct: CipherText, n?: number): Float64Array {
  try {
    return k.dec.decrypt(ct, n);
  } finally {
    ct.delete();
  }
}

test('add, sub, addPlain, subPlain: slot-wise, exact scale', () => {
  const n = k.ctx.slotCount;
  const a = randomVector(1, n);
  const b = randomVector(2, n);
  const ca = k.enc.encrypt(a);
  const cb = k.enc.encrypt(b);
  try {
    assert.ok(
      maxAbsDiff(
        decrypt(add(k.ctx, ca, cb)),
        a.map((x, i) => x + b[i]),
      ) < TOL,
    );
    assert.ok(
      maxAbsDiff(
        decrypt(sub(k.ctx, ca, cb)),
        a.map((x, i) => x - b[i]),
      ) < TOL,
    );
    assert.ok(
      maxAbsDiff(
        decrypt(addPlain(k.ctx, ca, b)),
        a.map((x, i) => x + b[i]),
      ) < TOL,
    );
    assert.ok(
      maxAbsDiff(
        decrypt(subPlain(k.ctx, ca, b)),
        a.map((x, i) => x - b[i]),
      ) < TOL,
    );
    // operands at different levels: the higher one is switched down
    const low = modSwitchTo(k.ctx, cb, 1);
    const s = add(k.ctx, ca, low);
    low.delete();
    assert.equal(k.ctx.levelOf(s), 1);
    assert.ok(
      maxAbsDiff(
        decrypt(s),
        a.map((x, i) => x + b[i]),
      ) < TOL,
    );
  } finally {
    ca.delete();
    cb.delete();
  }
});

test('multiply (relinearize + rescale), square, multiplyPlain: slot-wise products, one level each', () => {
  const n = k.ctx.slotCount;
  const a = randomVector(3, n, -2, 2);
  const b = randomVector(4, n, -2, 2);
  const ca = k.enc.encrypt(a);
  const cb = k.enc.encrypt(b);
  try {
    const p = multiply(k.ctx, ca, cb, k.keys.relinKeys);
    assert.equal(k.ctx.levelOf(p), k.ctx.topLevel - 1);
    assert.equal(p.size, 2, 'relinearized');
    // SEAL's exact scale: Δ² / q_top, not forced to Δ
    assert.equal(p.scale, (k.ctx.scale * k.ctx.scale) / k.ctx.level(k.ctx.topLevel).rescalePrime);
    const pp = multiply(k.ctx, p, ca, k.keys.relinKeys);
    assert.ok(
      maxAbsDiff(
        decrypt(p),
        a.map((x, i) => x * b[i]),
      ) < TOL,
    );
    assert.ok(
      maxAbsDiff(
        decrypt(pp),
        a.map((x, i) => x * b[i] * x),
      ) <
        TOL * 10,
    );
    assert.ok(
      maxAbsDiff(
        decrypt(square(k.ctx, ca, k.keys.relinKeys)),
        a.map((x) => x * x),
      ) < TOL,
    );
    const mp = multiplyPlain(k.ctx, ca, b);
    assert.equal(mp.scale, ca.scale, 'plain products keep the scale exactly');
    assert.ok(
      maxAbsDiff(
        decrypt(mp),
        a.map((x, i) => x * b[i]),
      ) < TOL,
    );
    const mc = multiplyConstant(k.ctx, ca, -0.004, { resultScale: 2 ** 35 });
    assert.equal(mc.scale, 2 ** 35);
    assert.ok(
      maxAbsDiff(
        decrypt(mc),
        a.map((x) => -0.004 * x),
      ) < TOL,
    );
  } finally {
    ca.delete();
    cb.delete();
  }
});

test('alignTo brings a ciphertext to another level and scale exactly, so it adds to a product', () => {
  const n = 64;
  const a = randomVector(5, n);
  const b = randomVector(6, n);
  const ca = k.enc.encrypt(a);
  const cb = k.enc.encrypt(b);
  try {
    const p = multiply(k.ctx, ca, cb, k.keys.relinKeys);
    assert.throws(() => add(k.ctx, p, ca), /scales differ/);
    const aligned = alignTo(k.ctx, ca, k.ctx.levelOf(p), p.scale);
    const s = add(k.ctx, p, aligned);
    aligned.delete();
    p.delete();
    assert.ok(
      maxAbsDiff(
        decrypt(s, n),
        a.map((x, i) => x * b[i] + x),
      ) < TOL,
    );
  } finally {
    ca.delete();
    cb.delete();
  }
});

test('rotate and rotateAndSum: cyclic shifts and strided sums', () => {
  const n = k.ctx.slotCount;
  const a = randomVector(7, n);
  const ca = k.enc.encrypt(a);
  try {
    for (const s of [1, 3, -5])
      assert.ok(
        maxAbsDiff(
          decrypt(rotate(k.ctx, ca, s, k.keys)),
          a.map((_, j) => a[(((j + s) % n) + n) % n]),
        ) < TOL,
        `step ${s}`,
      );
    const r = decrypt(rotateAndSum(k.ctx, ca, 64, 4, k.keys));
    const expected = a.map((_, j) => a[j] + a[(j + 64) % n] + a[(j + 128) % n] + a[(j + 192) % n]);
    assert.ok(maxAbsDiff(r, expected) < TOL);
    assert.throws(() => rotate(k.ctx, ca, 7, { galoisKeys: undefined, galoisSteps: [] }), RangeError);
    assert.throws(() => rotateAndSum(k.ctx, ca, 1, 3, k.keys), /power of two/);
  } finally {
    ca.delete();
  }
});

test('packed dot products: ⟨a_i, b_i⟩ in the first slot of each block', () => {
  const n = k.ctx.slotCount;
  const a = randomVector(8, n);
  const b = randomVector(9, n);
  const ca = k.enc.encrypt(a);
  const cb = k.enc.encrypt(b);
  try {
    const ref = (i: number): number => {
      let s = 0;
      for (let j = 0; j < BLOCK; j++) s += a[i * BLOCK + j] * b[i * BLOCK + j];
      return s;
    };
    const blocks = n / BLOCK;
    const got = decrypt(dotProduct(k.ctx, ca, cb, BLOCK, k.keys));
    const gotPlain = decrypt(dotProductPlain(k.ctx, ca, b, BLOCK, k.keys));
    let err = 0;
    for (let i = 0; i < blocks; i++) err = Math.max(err, Math.abs(got[i * BLOCK] - ref(i)), Math.abs(gotPlain[i * BLOCK] - ref(i)));
    assert.ok(err < TOL * BLOCK, `max error ${err}`);
  } finally {
    ca.delete();
    cb.delete();
  }
});

test('matrix × vector (diagonal method, baby-step/giant-step): M x for a 10 × 13 matrix, chained twice', () => {
  const rows = 10;
  const cols = 13;
  const m = Array.from({ length: rows }, (_, r) => randomVector(100 + r, cols));
  const m2 = Array.from({ length: 5 }, (_, r) => randomVector(200 + r, rows));
  const x = randomVector(10, cols);
  const cx = k.enc.encrypt(replicate(x, D, k.ctx.slotCount));
  try {
    const y = matrixVector(k.ctx, m, cx, k.keys);
    const yRef = m.map((row) => row.reduce((s, v, c) => s + v * x[c], 0));
    const z = matrixVector(k.ctx, m2, y, k.keys);
    const zRef = m2.map((row) => row.reduce((s, v, c) => s + v * yRef[c], 0));
    assert.equal(y.scale, cx.scale, 'keeps the scale');
    const yd = decrypt(y);
    assert.ok(maxAbsDiff(yd.slice(0, rows), yRef) < TOL * 10);
    // replicated with period D, padding rows zero
    assert.ok(maxAbsDiff(yd.slice(D, D + rows), yRef) < TOL * 10);
    assert.ok(Math.abs(yd[rows]) < TOL * 10);
    assert.ok(maxAbsDiff(decrypt(z).slice(0, 5), zRef) < TOL * 100);
  } finally {
    cx.delete();
  }
});

test('bad inputs: too many values, non-finite values, no depth left', () => {
  assert.throws(() => k.enc.encrypt(new Float64Array(k.ctx.slotCount + 1)), /more than the 4096 slots/);
  assert.throws(() => k.enc.encrypt([1, NaN]), /values\[1\] is not a finite number/);
  const c = k.enc.encrypt([1, 2]);
  const low = modSwitchTo(k.ctx, c, 0);
  try {
    assert.throws(() => multiply(k.ctx, low, low, k.keys.relinKeys), /level 0/);
    assert.throws(() => multiplyPlain(k.ctx, low, [1]), /level 0/);
    assert.throws(() => alignTo(k.ctx, low, 1, low.scale), /cannot raise/);
  } finally {
    low.delete();
    c.delete();
  }
});
