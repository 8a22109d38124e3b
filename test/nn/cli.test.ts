/** `privlab train gan` and `privlab bench train-step` as a user runs them (bin/privlab). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privlab } from '../support/cli';
import { tmpDir } from '../support/tmp';
import { loadGanCheckpoint } from '../../src/nn';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('privlab train gan writes the checkpoint, the loss history and sample grids', () => {
  const out = path.join(tmpDir(), 'run');
  const r = privlab(['train', 'gan', '--epochs', '2', '--max-steps-per-epoch', '3', '--out', out, '--sample-epochs', '1,2', '--samples', '16', '--seed', '5']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string);
  assert.equal(summary.epochs, 2);
  assert.match(r.stderr, /tfjs backend privlab-native/);
  const history = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8'));
  assert.equal(history.steps.d.length, 6);
  assert.equal(history.epochs.length, 2);
  assert.equal(history.seed, 5);
  assert.deepEqual(history.config.generatorHidden, [256, 512, 1024]);
  for (const e of [1, 2]) {
    const png = fs.readFileSync(path.join(out, 'samples', `epoch-00${e}.png`));
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  }
  const ckpt = loadGanCheckpoint(path.join(out, 'gan.ckpt'));
  assert.equal(ckpt.meta.epoch, 2);
  assert.equal(ckpt.optimizers?.generator.step, 6);
  ckpt.gan.dispose();
});

test('privlab train gan: usage errors exit 2 and name the problem', () => {
  const out = tmpDir();
  let r = privlab(['train', 'gan', '--out', out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /needs --epochs N/);
  r = privlab(['train', 'gan', '--epochs', 'x', '--out', out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--epochs must be a non-negative integer/);
  r = privlab(['train', 'vae', '--epochs', '1', '--out', out]);
  assert.equal(r.status, 2);
  r = privlab(['train', 'gan', '--epochs', '1', '--out', out, '--resume', path.join(out, 'missing.ckpt')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /missing\.ckpt: cannot be read/);
});

test('privlab bench train-step --json prints one JSON object with the step time and the PyTorch fields', () => {
  const r = privlab(['bench', 'train-step', '--json', '--no-torch', '--rounds', '1', '--steps', '2', '--epochs', '0', '--others', 'none']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'exactly one line on stdout');
  const j = JSON.parse(lines[0]);
  assert.equal(j.backend, 'privlab-native');
  assert.ok(j.ms_per_step > 0);
  assert.equal(j.pytorch_ms_per_step, null);
  assert.equal(j.ratio_to_pytorch, null);
  assert.ok('epoch_s' in j);
  assert.match(j.pytorch.unavailable, /--no-torch/);
  const bad = privlab(['bench', 'nope']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown benchmark "nope"; available: train-step/);
});
