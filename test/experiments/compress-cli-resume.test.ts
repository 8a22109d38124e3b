/**
 * `privlab train compress` stopped by SIGINT leaves DIR/compress.ckpt and says how to go on;
 * `--resume` finishes the run with its settings, and the integer model it writes is the
 * uninterrupted run's, byte for byte. Flags that contradict the stopped run are refused.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../../src/backend';
import { Gan, saveGanCheckpoint } from '../../src/nn';
import { privlab } from '../support/cli';
import { startPrivlab } from '../support/spawn';
import { tmpDir } from '../support/tmp';

const dir = tmpDir('privlab-compress-cli-');
const from = path.join(dir, 'tiny.ckpt');

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
  // A small GAN for 28x28 digits: a step takes milliseconds.
  const gan = new Gan({ latentDim: 8, generatorHidden: [32], discriminatorHidden: [32] }, 3);
  saveGanCheckpoint(from, gan, { meta: { epoch: 2, seed: 3, globalStep: 10 } });
  gan.dispose();
});

// One step per epoch: an epoch line every few milliseconds, so many epochs that only the signal ends the QAT phase early.
const RUN = ['--dataset', 'mnist-small', '--qat-epochs', '600', '--finetune-epochs', '2', '--max-steps-per-epoch', '1', '--seed', '4'];

test('privlab train compress: SIGINT saves compress.ckpt; --resume finishes with the uninterrupted run’s integer model, byte for byte', async () => {
  const stopped = path.join(dir, 'stopped');
  const run = startPrivlab(['train', 'compress', '--from', from, '--out', stopped, ...RUN]);
  await run.waitFor(/^qat epoch 2:/m);
  run.child.kill('SIGINT');
  const { code } = await run.exited(60_000);
  const ckpt = path.join(stopped, 'compress.ckpt');
  assert.equal(code, 130, run.stderr());
  assert.match(
    run.stderr(),
    /QAT fine-tuning interrupted \(SIGINT\) at .*; saved .*compress\.ckpt for --resume\. Continue with: privlab train compress --resume .*compress\.ckpt --out /,
  );
  assert.ok(fs.existsSync(ckpt));
  assert.ok(!fs.existsSync(path.join(stopped, 'generator.quantized.json')), 'nothing half-made is written');

  const contradicting = privlab(['train', 'compress', '--resume', ckpt, '--out', stopped, '--bits', '3']);
  assert.equal(contradicting.status, 2, contradicting.stderr);
  assert.match(contradicting.stderr, /the stopped run had --bits 4, not 3/);

  const resumed = privlab(['train', 'compress', '--resume', ckpt, '--out', stopped]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming at epoch \d+.* \(QAT\)/);
  assert.ok(!fs.existsSync(ckpt), 'the spent checkpoint is removed');

  const whole = path.join(dir, 'whole');
  const uninterrupted = privlab(['train', 'compress', '--from', from, '--out', whole, ...RUN]);
  assert.equal(uninterrupted.status, 0, uninterrupted.stderr);
  const a = fs.readFileSync(path.join(whole, 'generator.quantized.json'));
  const b = fs.readFileSync(path.join(stopped, 'generator.quantized.json'));
  assert.ok(b.equals(a), 'the integer model equals the uninterrupted run’s');
  // The manifest records the same command (the run as asked for, not its resumption).
  const commands = (d: string) => (JSON.parse(fs.readFileSync(path.join(d, 'manifest.json'), 'utf8')).commands as string[]).map((c) => c.replace(d, 'DIR'));
  assert.deepEqual(commands(stopped), commands(whole));
});
