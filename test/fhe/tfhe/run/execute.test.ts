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
