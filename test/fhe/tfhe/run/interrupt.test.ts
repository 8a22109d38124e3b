/** An interrupt (Ctrl-C, the kernel's button) stops encrypted inference between samples or layers, not after the batch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultParameterSetName } from '../../../../src/fhe/tfhe/shortint';
import { compile } from '../../../../src/fhe/tfhe/run';
import { InterruptedError, openInterruptScopes, requestInterrupt } from '../../../../src/util/interrupt';
import { smallModel } from './fixtures';

test('encrypted inference: an interrupt during the batch ends it with InterruptedError after the current layer', async () => {
  const { model, inputs } = smallModel(3, [6, 5, 3], ['relu', 'linear'], { weight: 2, activation: 3, input: 2 });
  const fm = compile(model, inputs, { parameterSet: defaultParameterSetName(3) });
  try {
    let done = 0;
    const count = 100;
    await assert.rejects(
      fm.predict(inputs.subarray(0, count * 6), {
        fhe: 'execute',
        onSample: (s) => {
          done = s;
          // A macrotask, as a signal handler is: it runs while the native server works.
          if (s === 1) setImmediate(() => requestInterrupt('kernel interrupt'));
        },
      }),
      (e: unknown) => e instanceof InterruptedError && /^encrypted (inference|evaluation) .*interrupted \(kernel interrupt\)$/.test(e.message),
    );
    assert.ok(done < 5, `stopped after ${done} of ${count} samples`);
    assert.equal(openInterruptScopes(), 0);
    // The next call runs in full: the interrupt is not remembered.
    const ok = await fm.predict(inputs.subarray(0, 2 * 6), { fhe: 'execute' });
    assert.equal(ok.levels.length, 2 * 3);
  } finally {
    fm.dispose();
  }
});
