/**
 * Encrypted execution against simulation: a small quantized MLP compiled on a small tfhe
 * set (N = 1024), run encrypted (tfhe client keys, evaluation keys through their file
 * format, the native server) and compared with the noise-free simulation. Execute may
 * differ where noise moves a read across a table step; the noisy simulation predicts how
 * often, and the measured disagreement must not exceed that prediction beyond chance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultParameterSetName } from '../../../../src/fhe/tfhe/shortint';
import { agreement, compile } from '../../../../src/fhe/tfhe/run';
import { smallModel } from './fixtures';

test('execute agrees with simulate at the rate the noise model predicts', async (t) => {
  const m = smallModel(1, [16, 12, 8, 4], ['relu', 'relu', 'linear'], { weight: 3, activation: 3 });
  const fm = compile(m.model, m.inputs, { parameterSet: defaultParameterSetName(3), name: 'exec-test' });
  const samples = 40;
  const x = m.inputs.subarray(0, samples * 16);
  try {
    const executed = await fm.predict(x, { fhe: 'execute' });
    const simulated = await fm.predict(x, { fhe: 'simulate' });
    const clear = await fm.predict(x, { fhe: 'disable' });
    assert.deepEqual(Array.from(simulated.levels), Array.from(clear.levels), 'noise-free simulation equals the clear model');

    // expected disagreement: noisy simulations of the same inputs
    let expected = 0;
    const runs = 50;
    for (let seed = 0; seed < runs; seed++) {
      const noisy = await fm.predict(x, { fhe: 'simulate', noise: true, seed });
      expected += (1 - agreement(noisy, simulated).outputs) * noisy.levels.length;
    }
    expected /= runs;
    const a = agreement(executed, simulated);
    const disagreements = Math.round((1 - a.outputs) * executed.levels.length);
    const report = `execute vs simulate: ${(100 * a.outputs).toFixed(1)} % of ${executed.levels.length} outputs equal (${disagreements} differ; noise model expects ${expected.toFixed(1)}), ${(100 * a.argmax).toFixed(1)} % same argmax; predicted read error ${(100 * fm.report.predictedReadError).toFixed(2)} %`;
    t.diagnostic(report);
    console.log(report);
    assert.ok(disagreements <= expected + 4 * Math.sqrt(expected) + 2, report);
    assert.ok(a.outputs >= 0.9, report);
    assert.ok(a.maxDifference <= 2, `outputs differ by at most a step or two (got ${a.maxDifference})`);
    const times = executed.times;
    assert.ok(times && times.keygen_s > 0 && times.server_s > 0 && times.encrypt_s > 0 && times.decrypt_s > 0);
  } finally {
    fm.dispose();
  }
});

test('automatic parameter choice: encrypted outputs decrypt to the clear model (no set whose output digits tfhe misdecrypts)', async (t) => {
  // A wide first layer (784 inputs, like the MNIST FCNN) needs a large plaintext modulus
  // on the N = 512 set, whose reads then meet the 1 % target but whose output digits tfhe
  // would misdecrypt about half the time (read at Δ/2 of a noisy PBS output): the choice
  // must move on to a set that decrypts them reliably.
  const m = smallModel(3, [784, 4, 10], ['relu', 'linear'], { weight: 2, activation: 2, input: 2 }, 100);
  const fm = compile(m.model, m.inputs, { name: 'auto-choice' });
  const samples = 6;
  const x = m.inputs.subarray(0, samples * 784);
  try {
    assert.ok(fm.report.outputDecryptError <= 1e-9, `${fm.report.parameterSet}: output decryption error ${fm.report.outputDecryptError}`);
    for (const c of fm.report.candidates.slice(0, -1)) assert.ok(c.reason, `${c.parameterSet} was skipped for a reason`);
    const executed = await fm.predict(x, { fhe: 'execute' });
    const clear = await fm.predict(x, { fhe: 'disable' });
    const a = agreement(executed, clear);
    const report = `${fm.report.parameterSet}: ${(100 * a.outputs).toFixed(1)} % of ${executed.levels.length} encrypted outputs equal the clear model's (max difference ${a.maxDifference}); predicted read error ${(100 * fm.report.predictedReadError).toFixed(2)} %`;
    t.diagnostic(report);
    assert.ok(a.outputs >= 0.9, report);
  } finally {
    fm.dispose();
  }
});
