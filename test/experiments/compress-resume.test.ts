/**
 * compressGenerator (QAT fine-tuning, pruning, fine-tuning with the masks) stopped by an
 * interrupt at a chosen step saves a checkpoint; resuming from it ends with exactly the
 * weights and integer model of a run never stopped — in the QAT phase, at the boundary
 * where the masks are drawn, and in the pruned phase. A checkpoint that contradicts the run
 * or is damaged is refused with a named error.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../../src/backend';
import { Gan, RECOMMENDED_STABILIZERS, StepInfo } from '../../src/nn';
import { TrainingCheckpointError } from '../../src/nn/training-checkpoint';
import { compressGenerator, CompressGeneratorOptions } from '../../src/experiments/compress-generator';
import { loadCompressCheckpoint } from '../../src/experiments/compress-checkpoint';
import { saveQuantizedModel } from '../../src/quant/quantized-model';
import { InterruptedError, openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';
import { mnistSlice } from '../support/mnist';
import { tmpDir } from '../support/tmp';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const dir = tmpDir('privlab-compress-resume-');
const SMALL = { latentDim: 8, generatorHidden: [24, 16], discriminatorHidden: [16] };
// 128 digits in batches of 32: 4 steps per epoch; 2 QAT epochs, then 2 with the masks. Dropout in D: its stream must carry over.
const settings = {
  dataset: mnistSlice(0, 128),
  bits: 4,
  prune: 0.5,
  qatEpochs: 2,
  finetuneEpochs: 2,
  seed: 5,
  batchSize: 32,
  stabilizers: RECOMMENDED_STABILIZERS,
};

function bitsOf(gan: Gan): Buffer {
  return Buffer.concat([...gan.generator.variables(), ...gan.discriminator.variables()].map((v) => Buffer.from((v.dataSync() as Float32Array).buffer)));
}

/** The compressed model's file and both networks' weights, for a byte comparison. */
async function run(gan: Gan, extra: Partial<CompressGeneratorOptions>, name: string): Promise<{ model: Buffer; weights: Buffer; sparsity: number[] }> {
  const r = await compressGenerator({ ...settings, gan, ...extra });
  const file = path.join(dir, `${name}.json`);
  saveQuantizedModel(file, r.model);
  return { model: fs.readFileSync(file), weights: bitsOf(gan), sparsity: r.layerSparsity };
}

let whole: { model: Buffer; weights: Buffer; sparsity: number[] } | undefined;
async function uninterrupted() {
  if (!whole) {
    const gan = new Gan(SMALL, 1);
    whole = await run(gan, {}, 'whole');
    gan.dispose();
  }
  return whole;
}

/** Stop after `phase`'s step `at` (a synchronous interrupt request: deterministic), resume from the checkpoint, compare. */
async function stopAndResume(phase: 'qat' | 'pruned', at: number, expected: { phase: string; epoch: number; stepInEpoch: number }): Promise<void> {
  const ref = await uninterrupted();
  const ckpt = path.join(dir, `${phase}-${at}.ckpt`);
  const first = new Gan(SMALL, 1);
  await assert.rejects(
    compressGenerator({
      ...settings,
      gan: first,
      checkpoint: ckpt,
      checkpointCaller: { from: 'test' },
      onStep: (p: string, s: StepInfo) => {
        if (p === phase && s.globalStep === at) requestInterrupt('SIGINT');
      },
    }),
    (e: unknown) =>
      e instanceof InterruptedError &&
      e.reason === 'SIGINT' &&
      new RegExp(`interrupted \\(SIGINT\\) at .*; saved .*${path.basename(ckpt)} for --resume`).test((e as Error).message),
  );
  first.dispose();
  assert.equal(openInterruptScopes(), 0);

  const c = loadCompressCheckpoint(ckpt);
  assert.deepEqual({ phase: c.progress.phase, epoch: c.progress.epoch, stepInEpoch: c.progress.resume.stepInEpoch }, expected);
  assert.deepEqual(c.caller, { from: 'test' });
  assert.equal(c.masks === null, expected.phase === 'qat');
  const resumed = await run(c.gan, { resume: c }, `${phase}-${at}`);
  c.gan.dispose();
  assert.ok(resumed.weights.equals(ref.weights), 'both networks’ weights equal the uninterrupted run’s, bit for bit');
  assert.ok(resumed.model.equals(ref.model), 'the integer model file is byte-identical');
  assert.deepEqual(resumed.sparsity, ref.sparsity);
}

test('compressGenerator: stopped in a QAT epoch (epoch 1, step 3), resumed: bit-identical to the uninterrupted run', async () => {
  await stopAndResume('qat', 3, { phase: 'qat', epoch: 0, stepInEpoch: 3 });
});

test('compressGenerator: stopped after the last QAT step (before pruning), resumed: bit-identical', async () => {
  await stopAndResume('qat', 8, { phase: 'qat', epoch: 2, stepInEpoch: 0 });
});

test('compressGenerator: stopped in the pruned fine-tuning (epoch 4, step 2), resumed with the saved masks: bit-identical', async () => {
  await stopAndResume('pruned', 6, { phase: 'pruned', epoch: 3, stepInEpoch: 2 });
});

test('compressGenerator: without a checkpoint an interrupt saves nothing; a resume that contradicts the run, or a damaged file, is refused by name', async () => {
  const gan = new Gan(SMALL, 1);
  await assert.rejects(
    compressGenerator({ ...settings, gan, onStep: (p, s) => void (s.globalStep === 2 && requestInterrupt('SIGTERM')) }),
    /QAT fine-tuning interrupted \(SIGTERM\) at epoch 1, step 2; nothing was saved/,
  );
  gan.dispose();
  const ckpt = path.join(dir, 'qat-3.ckpt');
  const c = loadCompressCheckpoint(ckpt);
  await assert.rejects(compressGenerator({ ...settings, bits: 3, gan: c.gan, resume: c }), /resume: the stopped run had bits 4, not 3/);
  await assert.rejects(
    compressGenerator({ ...settings, dataset: mnistSlice(0, 96), gan: c.gan, resume: c }),
    /the stopped run had train "mnist\[0:128\] \(128\)", not "mnist\[0:96\] \(96\)"/,
  );
  c.gan.dispose();
  c.optimizers.generator.dispose();
  c.optimizers.discriminator.dispose();
  const bytes = fs.readFileSync(ckpt);
  const damaged = path.join(dir, 'damaged.ckpt');
  fs.writeFileSync(damaged, bytes.subarray(0, bytes.length - 10));
  assert.throws(
    () => loadCompressCheckpoint(damaged),
    (e: unknown) => e instanceof TrainingCheckpointError && /damaged\.ckpt: malformed frame: /.test((e as Error).message),
  );
  assert.throws(() => loadCompressCheckpoint(path.join(dir, 'whole.json')), TrainingCheckpointError);
});
