/** An interrupt stops the feature classifier's training between batches with InterruptedError. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/backend';
import { trainFeatureClassifier } from '../../src/metrics/feature-model';
import { mnistSlice } from '../support/mnist';
import { InterruptedError, openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

test('trainFeatureClassifier: an interrupt during training ends it with InterruptedError naming the epoch and batch', async () => {
  let epochs = 0;
  await assert.rejects(
    trainFeatureClassifier({
      train: mnistSlice(0, 64),
      test: mnistSlice(64, 32),
      epochs: 40,
      batchSize: 16,
      onEpoch: (e) => {
        epochs = e;
        if (e === 1) setImmediate(() => requestInterrupt('SIGINT'));
      },
    }),
    (e: unknown) => e instanceof InterruptedError && /^classifier training \(epoch \d+, batch \d+\) interrupted \(SIGINT\)$/.test(e.message),
  );
  assert.ok(epochs < 40, `stopped after ${epochs} epochs`);
  assert.equal(openInterruptScopes(), 0);
});
