/**
 * `privlab bench ckks-logreg --json` end to end on its shortest setting (1 epoch on the
 * breast-cancer table, no TenSEAL-size run): one JSON line with the keys the README reads,
 * encrypted accuracy within 1 point of plain, the depth and sizes consistent, TenSEAL's figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { privlab } from '../support/cli';
import { bench, Json } from '../support/bench';

test('bench ckks-logreg: one epoch, documented keys', () => {
  const j = bench(['ckks-logreg', '--epochs', '1', '--tenseal-epochs', '0']);
  assert.equal(j.benchmark, 'ckks-logreg');
  assert.equal(j.tenseal_size, null);
  const b = j.breast_cancer;
  for (const k of [
    'train_rows',
    'test_rows',
    'parameters',
    'packing',
    'depth_used',
    'epochs',
    'mean_seconds_per_epoch',
    'encrypted_inference',
    'bytes',
    'sigmoid_max_error',
    'tenseal',
  ])
    assert.ok(k in b, `key ${k}`);
  assert.deepEqual([b.train_rows, b.test_rows, b.features], [399, 170, 9]);
  assert.deepEqual(b.packing, { slots_per_row: 16, rows_per_ciphertext: 256, ciphertexts: 2 });
  assert.deepEqual([b.depth_used, b.depth_available, j.summary.depth_used], [6, 6, 6]);
  assert.equal(b.epochs.length, 1);
  const e = b.epochs[0];
  assert.ok(Math.abs(e.plain_accuracy - e.encrypted_accuracy) <= 0.01, JSON.stringify(e));
  assert.ok(e.seconds > 0 && e.max_parameter_difference < 0.05);
  assert.ok(j.summary.max_accuracy_gap_points <= 1);
  // Rows near the boundary may flip against the plain-trained model (CKKS noise is fresh each
  // run: 1-2 of 170 with the test rows at 2^21); a flip the noise cannot explain is a bug.
  const inf = b.encrypted_inference;
  // measured: median ~1e-3, max 5e-3 to 1e-2 (rows at 2^30); rows at 2^21 gave a median 6e-3 and
  // a max up to 0.9 (row 0, slot 0); a wrong rotation or packing moves every logit by O(1)
  assert.ok(inf.median_logit_error > 0 && inf.median_logit_error < 4e-3, JSON.stringify(inf));
  assert.ok(inf.max_logit_error < 0.05, JSON.stringify(inf));
  assert.equal(inf.unexplained_disagreements, 0, JSON.stringify(inf));
  assert.ok(inf.agreement_with_plain >= 0.97, JSON.stringify(inf));
  assert.equal(b.bytes.galois_steps, 16);
  assert.ok(b.bytes.galois_keys > b.bytes.relin_keys && b.bytes.relin_keys > b.bytes.public_key);
  // 2 feature ciphertexts at the top level, 2 label ciphertexts at level 3 (4 of 7 primes): smaller
  assert.ok(b.bytes.training_set > 2 * b.bytes.ciphertext && b.bytes.training_set < 4 * b.bytes.ciphertext);
  assert.ok(Math.abs(b.sigmoid_max_error.max_error - 0.051) < 1e-3);
  assert.equal(b.tenseal.seconds_per_encrypted_epoch, 160);
});

test('bench ckks-logreg: a bad option exits 2', () => {
  const r = privlab(['bench', 'ckks-logreg', '--json', '--epochs', '0']);
  assert.equal(r.status, 2, r.stderr);
});
