/**
 * `privlab train gan` stopped by SIGINT / SIGTERM: it exits soon after the signal with a
 * checkpoint that --resume continues from the same step; its --out folder is locked, must
 * have an existing parent, and loses the temp files of killed writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privlab } from '../support/cli';
import { startPrivlab } from '../support/spawn';
import { tmpDir } from '../support/tmp';
import { readCheckpointHeader } from '../../src/nn';

// The full reference GAN on the small MNIST set, 2 steps per epoch: an epoch line every fraction of a second.
const TINY = ['--dataset', 'mnist-small', '--max-steps-per-epoch', '2', '--samples', '4', '--seed', '11'];
// So many epochs that only the signal can end the run within the test.
const ENDLESS = '100000';

function header(file: string) {
  return readCheckpointHeader(file, fs.readFileSync(file)).header;
}

/** Start an endless run into `out`, wait for its second epoch line, send `signal`; returns the exit code and stderr. */
async function stopRun(out: string, signal: NodeJS.Signals, whileRunning?: () => void): Promise<{ code: number | null; stderr: string }> {
  const run = startPrivlab(['train', 'gan', '--epochs', ENDLESS, '--out', out, ...TINY]);
  await run.waitFor(/^epoch 2:/m);
  whileRunning?.();
  run.child.kill(signal);
  // Generous for a loaded machine; without cooperative interruption the run would go on for hours.
  const { code } = await run.exited(60_000);
  return { code, stderr: run.stderr() };
}

test('privlab train gan: SIGINT stops the run with a resumable checkpoint; --resume continues to the same weights as an uninterrupted run', async () => {
  const dir = tmpDir();
  const stopped = path.join(dir, 'stopped');
  const { code, stderr } = await stopRun(stopped, 'SIGINT');
  assert.equal(code, 130, stderr);
  assert.match(stderr, /stopped \(SIGINT\) at .*; saved .*gan\.ckpt\. Continue with: privlab train gan --resume /);
  const h = header(path.join(stopped, 'gan.ckpt'));
  const { epoch, resume, targetEpoch } = h.meta as unknown as { epoch: number; resume: { stepInEpoch: number }; targetEpoch: number };
  assert.ok(epoch >= 2 && epoch < 20, `stopped after epoch ${epoch}`);
  assert.equal(targetEpoch, Number(ENDLESS));
  assert.equal(h.meta.globalStep, 2 * epoch + resume.stepInEpoch, 'the checkpoint holds every step taken, also of a partial epoch');
  const history = JSON.parse(fs.readFileSync(path.join(stopped, 'history.json'), 'utf8'));
  assert.equal(history.stoppedEarly, true);
  assert.equal(history.steps.d.length, h.meta.globalStep);
  assert.ok(!fs.existsSync(path.join(stopped, '.privlab.lock')), 'the lock is released');

  // Finish at epoch 24, with the settings taken from the checkpoint (dataset, batch, steps per epoch).
  const resumed = privlab(['train', 'gan', '--resume', path.join(stopped, 'gan.ckpt'), '--out', stopped, '--epochs', String(24 - epoch)]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resuming at epoch ${epoch}${resume.stepInEpoch ? ` step ${resume.stepInEpoch}` : ''}\\b`));
  const whole = path.join(dir, 'whole');
  const uninterrupted = privlab(['train', 'gan', '--epochs', '24', '--out', whole, ...TINY]);
  assert.equal(uninterrupted.status, 0, uninterrupted.stderr);
  const a = header(path.join(whole, 'gan.ckpt'));
  const b = header(path.join(stopped, 'gan.ckpt'));
  assert.equal(b.meta.globalStep, 48);
  assert.equal(b.sha256, a.sha256, 'weights and Adam moments equal the uninterrupted run’s');
  const ha = JSON.parse(fs.readFileSync(path.join(whole, 'history.json'), 'utf8'));
  const hb = JSON.parse(fs.readFileSync(path.join(stopped, 'history.json'), 'utf8'));
  assert.deepEqual(hb.steps, ha.steps, 'the merged history has every step’s losses');
  assert.deepEqual(
    hb.epochs.map((e: { epoch: number; d: number }) => [e.epoch, e.d]),
    ha.epochs.map((e: { epoch: number; d: number }) => [e.epoch, e.d]),
  );
});

test('privlab train gan: SIGTERM stops and saves too; a second run into the same --out is refused while the first runs', async () => {
  const out = path.join(tmpDir(), 'run');
  let second: ReturnType<typeof privlab> | undefined;
  const { code, stderr } = await stopRun(out, 'SIGTERM', () => {
    second = privlab(['train', 'gan', '--epochs', '1', '--out', out, ...TINY]);
  });
  assert.equal(code, 143, stderr);
  assert.match(stderr, /stopped \(SIGTERM\)/);
  assert.equal(second?.status, 1);
  assert.match(second?.stderr ?? '', /run is in use by another privlab run \(pid \d+\)/);
  const h = header(path.join(out, 'gan.ckpt'));
  assert.ok((h.meta.epoch as number) >= 2);
  // Without --epochs the resumed run would go on to the stopped run's target: the checkpoint says which.
  assert.equal(h.meta.targetEpoch, Number(ENDLESS));
  // Once the first run has ended, the folder is free again.
  const again = privlab(['train', 'gan', '--resume', path.join(out, 'gan.ckpt'), '--epochs', '1', '--out', out]);
  assert.equal(again.status, 0, again.stderr);
});

test('privlab train gan: temp files of writes killed midway are removed by the next run, live ones kept', () => {
  const out = path.join(tmpDir(), 'run');
  fs.mkdirSync(path.join(out, 'samples'), { recursive: true });
  const dead = spawnSync(process.execPath, ['-e', '0']).pid as number; // a pid that has exited
  const stale = [`gan.ckpt.tmp-${dead}-1700000000000`, path.join('samples', `epoch-001.png.tmp-${dead}-1700000000001`)];
  for (const f of stale) fs.writeFileSync(path.join(out, f), 'half a file');
  const live = `notes.tmp-${process.pid}-1700000000002`; // a writer that is still running (this test)
  fs.writeFileSync(path.join(out, live), 'being written');
  // A stale lock of a killed run is taken over.
  fs.writeFileSync(path.join(out, '.privlab.lock'), JSON.stringify({ pid: dead }));
  const r = privlab(['train', 'gan', '--epochs', '1', '--out', out, ...TINY]);
  assert.equal(r.status, 0, r.stderr);
  for (const f of stale) {
    assert.ok(!fs.existsSync(path.join(out, f)), `${f} removed`);
    assert.match(r.stderr, new RegExp(`removed .*${path.basename(f).replace(/\./g, '\\.')}, left by an interrupted write`));
  }
  assert.ok(fs.existsSync(path.join(out, live)), 'a temp file of a running writer is kept');
  assert.ok(!fs.existsSync(path.join(out, '.privlab.lock')));
});

test('privlab train gan: an --out whose parent folder is missing is an error, and nothing is created', () => {
  const base = tmpDir();
  const out = path.join(base, 'typo', 'deeper', 'run');
  const r = privlab(['train', 'gan', '--epochs', '1', '--out', out, ...TINY]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--out .*run: the folder .*deeper does not exist/);
  assert.ok(!fs.existsSync(path.join(base, 'typo')), 'no folder was created');
});

test('other commands: an output path in a missing folder is an error before any work, and nothing is created', () => {
  const base = tmpDir();
  const missing = path.join(base, 'typo');
  for (const args of [
    ['train', 'compress', '--from', 'x.ckpt', '--out', path.join(missing, 'c')],
    ['train', 'export', '--from', 'x.ckpt', '--command', 'c', '--out', path.join(missing, 'e')],
    ['fhe', 'compile', '--model', 'qm.json', '--mnist-train', '10', '--out', path.join(missing, 'circuit.json')],
    ['fhe', 'keygen', '--client-key', 'ck', '--out', path.join(missing, 'ek')],
    ['fl', 'run', '--out', path.join(missing, 'job')],
    ['report', '--out', path.join(missing, 'reports')],
  ]) {
    const r = privlab(args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /the folder .*typo does not exist/, args.join(' '));
  }
  assert.ok(!fs.existsSync(missing));
});
