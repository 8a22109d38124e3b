/**
 * Ctrl-C / SIGTERM stop the CLI's other long loops too: the QAT fine-tuning of `train
 * compress` (its resume checkpoint is left, no half-made model), a federated job (`fl run`: its server and
 * site processes end with it; the server's checkpoint holds the last whole round) and
 * `privlab report` (its notebook runner and kernel end with it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privlab } from '../support/cli';
import { startPrivlab } from '../support/spawn';
import { alive, children } from '../support/procs';
import { tmpDir } from '../support/tmp';

test('privlab train compress: SIGINT stops the QAT fine-tuning with a resume checkpoint; no model or manifest is written, the folder is unlocked', async () => {
  const dir = tmpDir();
  const trained = privlab(['train', 'gan', '--epochs', '1', '--max-steps-per-epoch', '1', '--dataset', 'mnist-small', '--out', path.join(dir, 'gan')]);
  assert.equal(trained.status, 0, trained.stderr);
  const out = path.join(dir, 'compressed');
  const run = startPrivlab([
    'train',
    'compress',
    '--from',
    path.join(dir, 'gan', 'gan.ckpt'),
    '--qat-epochs',
    '100000',
    '--max-steps-per-epoch',
    '2',
    '--dataset',
    'mnist-small',
    '--out',
    out,
  ]);
  await run.waitFor(/^qat epoch 2:/m);
  run.child.kill('SIGINT');
  const { code } = await run.exited(60_000);
  assert.equal(code, 130, run.stderr());
  assert.match(run.stderr(), /QAT fine-tuning interrupted \(SIGINT\) at .*; saved .*compress\.ckpt for --resume/);
  assert.deepEqual(fs.readdirSync(out), ['compress.ckpt'], 'the resume checkpoint only: no half-made model, manifest or lock');
});

test('privlab fl run: SIGTERM ends the job, its server and its sites; the checkpoint holds whole rounds', async () => {
  const out = path.join(tmpDir(), 'job');
  const run = startPrivlab(['fl', 'run', '--sites', '2', '--rounds', '100000', '--out', out]);
  await run.waitFor(/server: round 2 done/);
  const procs = children(run.child.pid!);
  assert.equal(procs.length, 3, `a server and two sites: ${procs}`);
  run.child.kill('SIGTERM');
  const { code } = await run.exited(60_000);
  assert.equal(code, 143, run.stderr());
  assert.match(run.stderr(), /federated job in .*job interrupted \(SIGTERM\)/);
  // SIGKILLed as the job ends: give the kernel a moment to deliver it and init to reap them.
  for (const deadline = Date.now() + 10_000; procs.some(alive) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
  for (const pid of procs) assert.equal(alive(pid), false, `process ${pid} ended with the job`);
  assert.ok(fs.existsSync(path.join(out, 'server.ckpt')));
});

test('privlab report: SIGTERM stops the notebook runner and its kernel; no report is written', async () => {
  const dir = tmpDir();
  const notebook = path.join(dir, 'endless.ipynb');
  const cell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
  fs.writeFileSync(
    notebook,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'privlab', display_name: 'TypeScript (privlab)', language: 'typescript' } },
      cells: [cell('console.log("first");'), cell('for (;;) await new Promise((r) => setTimeout(r, 100));')],
    }),
  );
  const out = path.join(dir, 'reports');
  const run = startPrivlab(['report', notebook, '--out', out]);
  await run.waitFor(/endless: cell 1 /);
  const runner = children(run.child.pid!);
  const kernels = runner.flatMap(children);
  assert.equal(runner.length, 1, 'the Python notebook runner');
  assert.equal(kernels.length, 1, 'its kernel');
  run.child.kill('SIGTERM');
  const { code } = await run.exited(60_000);
  assert.equal(code, 143, run.stderr());
  assert.match(run.stderr(), /endless\.ipynb: report interrupted \(SIGTERM\); no report written/);
  for (const deadline = Date.now() + 10_000; [...runner, ...kernels].some(alive) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
  for (const pid of [...runner, ...kernels]) assert.equal(alive(pid), false, `process ${pid} ended with privlab report`);
  assert.deepEqual(fs.existsSync(out) ? fs.readdirSync(out) : [], []);
});
