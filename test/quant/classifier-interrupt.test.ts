/** An interrupt stops QAT classifier training (the FHE MNIST classifiers) between batches with InterruptedError. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/backend';
import { trainFcnn } from '../../src/quant/classifiers/fcnn';
import { mnistSlice } from '../support/mnist';
import { InterruptedError, openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

test('trainFcnn: an interrupt during QAT training ends it with InterruptedError naming the epoch and batch', async () => {
  let epochs = 0;
  await assert.rejects(
    trainFcnn({
      train: mnistSlice(0, 64),
      test: mnistSlice(64, 32),
      floatEpochs: 1,
      qatEpochs: 40,
      batchSize: 16,
      onEpoch: (e) => {
        epochs = e.epoch;
        if (e.epoch === 2) setImmediate(() => requestInterrupt('SIGTERM'));
      },
    }),
    (e: unknown) => e instanceof InterruptedError && /^classifier training \(epoch \d+, batch \d+\) interrupted \(SIGTERM\)$/.test(e.message),
  );
  assert.ok(epochs < 41, `stopped after ${epochs} epochs`);
  assert.equal(openInterruptScopes(), 0);
});
