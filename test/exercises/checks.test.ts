/**
 * The checks of exercises 01, 04 and 06: a right answer passes, each typical wrong answer gets its
 * specific message, a stub gets the not-implemented message. The expectations are independent of
 * the code under check: numpy's rounding and a hand count for the quantizer, a brute force for the
 * accumulator, tfhe's own decrypt for the client steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tfhe from 'node-tfhe';
import { NotImplementedError } from '../../src/exercises/check-result';
import { checkAccumulatorBits, checkQuantizeWeights, exampleWeights } from '../../src/exercises/checks/quantize';
import { checkPErrorChoice, pErrorTask, PErrorRow } from '../../src/exercises/checks/p-error';
import { checkTfheClient, checkTfheTable, tfheExercise, TfheExercise } from '../../src/exercises/checks/tfhe';

const quantizeRight = (w: readonly number[], bits: number): { q: number[]; scale: number } => {
  const qmax = 2 ** (bits - 1) - 1;
  const scale = Math.max(...w.map(Math.abs)) / qmax;
  return { q: w.map((v) => Math.max(-qmax, Math.min(qmax, Math.round(v / scale)))), scale };
};

test('quantize-weights: numpy agrees with the right answer; floor, truncation and sign-bit slips are named', async () => {
  // Independent: numpy's symmetric quantization of the same weights (round half to even differs from
  // Math.round only on exact halves, which these weights do not hit).
  const w = exampleWeights(64, 1);
  const py = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import json,sys,numpy as np; w=np.array(json.load(sys.stdin)); s=np.abs(w).max()/7; print(json.dumps([int(v) for v in np.clip(np.round(w/s),-7,7)]))',
    ],
    {
      input: JSON.stringify(w),
      encoding: 'utf8',
    },
  );
  assert.equal(py.status, 0, py.stderr);
  assert.deepEqual(
    quantizeRight(w, 4).q.map((v) => v + 0), // -0 → 0
    JSON.parse(py.stdout),
  );

  assert.equal((await checkQuantizeWeights(quantizeRight)).pass, true);
  const floor = await checkQuantizeWeights((ws, b) => {
    const { scale } = quantizeRight(ws, b);
    return { q: ws.map((v) => Math.floor(v / scale)), scale };
  });
  assert.equal(floor.pass, false);
  assert.match(floor.message, /you rounded down/);
  const trunc = await checkQuantizeWeights((ws, b) => {
    const { scale } = quantizeRight(ws, b);
    return { q: ws.map((v) => Math.trunc(v / scale)), scale };
  });
  assert.match(trunc.message, /truncated toward zero/);
  const offByOne = await checkQuantizeWeights((ws, b) => {
    const scale = Math.max(...ws.map(Math.abs)) / 2 ** (b - 1);
    return { q: ws.map((v) => Math.round(v / scale)), scale };
  });
  assert.match(offByOne.message, /one level too many/);
  const noSign = await checkQuantizeWeights((ws, b) => {
    const scale = Math.max(...ws.map(Math.abs)) / (2 ** b - 1);
    return { q: ws.map((v) => Math.round(v / scale)), scale };
  });
  assert.match(noSign.message, /the sign bit is forgotten/);
  const stub = await checkQuantizeWeights(() => {
    throw new NotImplementedError('quantizeWeights');
  });
  assert.deepEqual([stub.id, stub.pass], ['quantize-weights', false]);
  assert.match(stub.message, /quantizeWeights is not implemented yet/);
});

/** The worst case by the student's obvious method, written differently from the check's brute force. */
function accRight(weights: readonly number[], outputs: number, inputs: number, inputBits: number): number {
  const xmax = 2 ** inputBits - 1;
  let lo = 0;
  let hi = 0;
  for (let o = 0; o < outputs; o++) {
    const row = weights.slice(o * inputs, (o + 1) * inputs);
    hi = Math.max(
      hi,
      row.filter((w) => w > 0).reduce((a, w) => a + w * xmax, 0),
    );
    lo = Math.min(
      lo,
      row.filter((w) => w < 0).reduce((a, w) => a + w * xmax, 0),
    );
  }
  // signed bits: 1 + bits of the magnitude, with the negative side one larger
  return 1 + Math.max(Math.ceil(Math.log2(hi + 1)), Math.ceil(Math.log2(-lo)));
}

test('accumulator-bits: the right count passes; a missing sign bit, one too many and the bit-width bound are named', async () => {
  // Hand count: weights [3, -2, 1], 2-bit inputs: max 3·3 + 1·3 = 12, min −2·3 = −6 → 5 signed bits.
  assert.equal(accRight([3, -2, 1], 1, 3, 2), 5);
  assert.equal((await checkAccumulatorBits(accRight)).pass, true);
  const noSign = await checkAccumulatorBits((...a) => accRight(...a) - 1);
  assert.match(noSign.message, /one short .*the sign bit is missing/);
  const extra = await checkAccumulatorBits((...a) => accRight(...a) + 1);
  assert.match(extra.message, /one too many/);
  const bound = await checkAccumulatorBits((_w, _o, inputs, inputBits) => {
    const m = inputs * (2 ** inputBits - 1) * 7;
    let b = 1;
    while (m > 2 ** (b - 1) - 1) b++;
    return b;
  });
  assert.match(bound.message, /the bound from the bit-widths alone/);
});

test('p-error-choice: the right rule passes; ignoring accuracy, tolerance in percent and the safest target are named', async () => {
  const task = pErrorTask({ testCount: 120, calibrationCount: 200, pErrors: [1e-6, 1e-3, 0.01] });
  const right = (rows: PErrorRow[], clear: number): number =>
    rows.filter((r) => r.accuracy >= clear - 0.01).sort((a, b) => a.relativeTime - b.relativeTime)[0].pError;
  const ok = await checkPErrorChoice(right, task);
  assert.equal(ok.pass, true, ok.message);
  assert.match(ok.message, /^p_error 0\.01: .*N = 1024/);
  const fastest = await checkPErrorChoice((rows) => rows.slice().sort((a, b) => a.relativeTime - b.relativeTime)[0].pError, task);
  assert.match(fastest.message, /made-up sweep.*p_error 0\.1 loses 5\.0 points/);
  const percent = await checkPErrorChoice(
    (rows, clear) => rows.filter((r) => r.accuracy >= clear - 1).sort((a, b) => a.relativeTime - b.relativeTime)[0].pError,
    task,
  );
  assert.match(percent.message, /1 point is 0\.01, not 1/);
  const safest = await checkPErrorChoice((rows) => Math.min(...rows.map((r) => r.pError)), task);
  assert.match(safest.message, /p_error 0\.000001 keeps accuracy but p_error 0\.01 does too .*the tightest target is the safe choice/);
  const notInTable = await checkPErrorChoice(() => 0.02, task);
  assert.match(notInTable.message, /not one of the table's p_error values/);
});

let exercise: Promise<TfheExercise> | undefined;
const ex = (): Promise<TfheExercise> => (exercise ??= tfheExercise());
const encryptRight = (ck: tfhe.ShortintClientKey, m: number): Uint8Array => tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, BigInt(m)));
const decryptRight = (ck: tfhe.ShortintClientKey, b: Uint8Array): number => Number(tfhe.Shortint.decrypt(ck, tfhe.Shortint.deserialize_ciphertext(b)));

test('tfhe-client: the right client passes; a wrong message, cached ciphertexts, a wrong decrypt and non-ciphertext bytes are named', async () => {
  const e = await ex();
  assert.equal(e.messageModulus, 8);
  const ok = await checkTfheClient(encryptRight, decryptRight, e);
  assert.equal(ok.pass, true, ok.message);
  assert.match(ok.message, /share 0 of their first 8 mask words; the server holds bootstrapKey, keyswitchKey, params \(no secret key\)/);
  assert.match((await checkTfheClient((ck, m) => encryptRight(ck, (m + 1) % 8), decryptRight, e)).message, /encryptInput\(0\) encrypts 1/);
  const cache = new Map<number, Uint8Array>();
  const cached = await checkTfheClient((ck, m) => cache.get(m) ?? cache.set(m, encryptRight(ck, m)).get(m)!, decryptRight, e);
  assert.match(cached.message, /two encryptions of the same message are identical/);
  assert.match((await checkTfheClient(encryptRight, (ck, b) => decryptRight(ck, b) + 1, e)).message, /decryptOutput of a tfhe encryption of 0 gave 1/);
  assert.match((await checkTfheClient(() => new Uint8Array(16), decryptRight, e)).message, /not a tfhe ciphertext/);
});

test('tfhe-table: the right table runs on the server (tfhe decrypts m² mod 8); unreduced, shifted and short tables are named', async () => {
  const e = await ex();
  const square = (m: number): number => m * m;
  const ok = await checkTfheTable((f, p) => Array.from({ length: p }, (_, m) => f(m) % p), square, e);
  assert.equal(ok.pass, true, ok.message);
  assert.match(ok.message, /decrypts \[0, 1, 4, 1, 0, 1, 4, 1\]/);
  assert.match((await checkTfheTable((f, p) => Array.from({ length: p }, (_, m) => f(m)), square, e)).message, /are not messages/);
  assert.match((await checkTfheTable((f, p) => Array.from({ length: p }, (_, m) => f(m + 1) % p), square, e)).message, /shifted by one/);
  assert.match((await checkTfheTable((f, p) => Array.from({ length: p - 1 }, (_, m) => f(m) % p), square, e)).message, /has 7 entries/);
});
