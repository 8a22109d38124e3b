/**
 * `privlab report`'s side of the notebook runner, in this process, with run_notebook.py replaced by a
 * scripted stand-in (PRIVLAB_PYTHON names the interpreter the report starts): how its progress lines,
 * exit status and last stdout line are read, which notebooks run by default, and the gallery written
 * after each report. test/integration runs the real runner and kernel.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultNotebooks, executeAllowingErrors, NotebookCellError, runNotebook, runReports } from '../../src/jupyter/report';
import { tmpDir } from '../support/tmp';

const dir = tmpDir('privlab-report-runner-');

/**
 * The stand-in runner: reads its script from FAKE_RUNNER (JSON): stderr chunks (hex bytes, written
 * 30 ms apart so that each reaches the reader as a chunk of its own), its stdout, an exit status,
 * and whether to write the executed notebook and HTML where --ipynb / --html say.
 */
const runner = path.join(dir, 'fake-runner.js');
fs.writeFileSync(
  runner,
  `#!${process.execPath}
const fs = require('fs');
const s = JSON.parse(process.env.FAKE_RUNNER);
const arg = (n) => { const i = process.argv.indexOf(n); return i < 0 ? undefined : process.argv[i + 1]; };
if (s.write) {
  const nb = { cells: [{ cell_type: 'markdown', source: '# ' + s.write }], metadata: {} };
  fs.writeFileSync(arg('--ipynb'), JSON.stringify(nb));
  fs.writeFileSync(arg('--html'), '<html></html>');
}
let i = 0;
const next = () => {
  if (i < (s.stderr || []).length) { process.stderr.write(Buffer.from(s.stderr[i++], 'hex')); setTimeout(next, 30); return; }
  process.stdout.write(s.stdout || '');
  process.exitCode = s.code || 0;
};
next();
`,
);
fs.chmodSync(runner, 0o755);
const saved = { python: process.env.PRIVLAB_PYTHON, script: process.env.FAKE_RUNNER };
process.env.PRIVLAB_PYTHON = runner;
after(() => {
  for (const [k, v] of [
    ['PRIVLAB_PYTHON', saved.python],
    ['FAKE_RUNNER', saved.script],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

interface Script {
  stderr?: (string | Buffer)[];
  stdout?: string;
  code?: number;
  write?: string;
}
const script = (s: Script): void => {
  process.env.FAKE_RUNNER = JSON.stringify({ ...s, stderr: (s.stderr ?? []).map((c) => Buffer.from(c).toString('hex')) });
};

const notebook = (name: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify({ cells: [], metadata: {} }));
  return f;
};

test('progress: one log line per whole "  cell" line of the runner, however its output is cut into chunks', async () => {
  const nb = notebook('02-demo.ipynb');
  const euro = Buffer.from('  cell 3 (3/3 code) 0.3s €\n');
  const cut = euro.length - 2; // inside the euro sign's three bytes
  script({
    stderr: ['  cell 1 (1/3 co', 'de) 0.1s\nsome warning\n  cell 2 (2/3 code) 0.2s', '\n', euro.subarray(0, cut), euro.subarray(cut), '  cell 4 (no newline)'],
    stdout: 'a line before the result\n{"ok": true, "seconds": 4.5}\n',
  });
  const lines: string[] = [];
  const r = await runNotebook(nb, { outDir: path.join(dir, 'out1'), log: (l) => lines.push(l) });
  assert.deepEqual(lines, [
    '02-demo: cell 1 (1/3 code) 0.1s',
    '02-demo: cell 2 (2/3 code) 0.2s',
    '02-demo: cell 3 (3/3 code) 0.3s €',
    '02-demo: cell 4 (no newline)',
  ]);
  assert.deepEqual(r, { notebook: nb, html: path.join(dir, 'out1', '02-demo.html'), ipynb: path.join(dir, 'out1', '02-demo.ipynb'), seconds: 4.5 });
});

test('a runner that says ok but exits with an error status has failed, with its stderr in the message', async () => {
  const nb = notebook('03-exit.ipynb');
  script({ stderr: ['Traceback: the HTML export failed\n'], stdout: '{"ok": true, "seconds": 1}\n', code: 3 });
  await assert.rejects(runNotebook(nb, { outDir: path.join(dir, 'out2'), log: () => undefined }), (e: Error) => {
    assert.equal(e.message, `${nb}: the notebook runner failed (exit 3):\nTraceback: the HTML export failed`);
    return true;
  });
  // No result line at all: the same failure.
  script({ stdout: 'not json\n', code: 0 });
  await assert.rejects(runNotebook(nb, { outDir: path.join(dir, 'out2'), log: () => undefined }), /the notebook runner failed \(exit 0\)/);
});

test("a failed cell is a NotebookCellError with the runner's fields", async () => {
  const nb = notebook('04-cell.ipynb');
  script({
    stdout: `${JSON.stringify({ ok: false, cell: 5, code_cell: 3, ename: 'RangeError', evalue: 'too big', source: 'f(9)', details: 'at f' })}\n`,
    code: 1,
  });
  await assert.rejects(runNotebook(nb, { outDir: path.join(dir, 'out3'), log: () => undefined }), (e: unknown) => {
    assert.ok(e instanceof NotebookCellError);
    assert.equal(e.message, `${nb}: cell 5 (code cell 3) failed: RangeError: too big`);
    assert.deepEqual([e.cell, e.codeCell, e.ename, e.evalue, e.source, e.details], [5, 3, 'RangeError', 'too big', 'f(9)', 'at f']);
    return true;
  });
});

test('the default notebooks: the .ipynb files of notebooks/, by name, and none without the folder', () => {
  const root = tmpDir('privlab-report-root-');
  assert.deepEqual(defaultNotebooks(root), []);
  const nbDir = path.join(root, 'notebooks');
  fs.mkdirSync(path.join(nbDir, 'src'), { recursive: true });
  for (const f of ['02-b.ipynb', '01-a.ipynb', 'README.md', '03-c.ipynb.bak', 'src/01-a.ts']) fs.writeFileSync(path.join(nbDir, f), '');
  assert.deepEqual(defaultNotebooks(root), [path.join(nbDir, '01-a.ipynb'), path.join(nbDir, '02-b.ipynb')]);
});

test('reports run in order, and after each the gallery lists every report of the folder, one card per line block', async () => {
  const out = path.join(dir, 'gallery');
  const first = notebook('05-first.ipynb');
  const second = notebook('06-second.ipynb');
  script({ stdout: '{"ok": true, "seconds": 2}\n', write: 'The report' });
  const results = await runReports([first, second], { outDir: out, log: () => undefined });
  assert.deepEqual(
    results.map((r) => path.basename(r.html)),
    ['05-first.html', '06-second.html'],
  );
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.match(html, /<p class="lead">2 reports,/);
  // The two cards, each its own block of lines.
  assert.equal(html.match(/^<section class="report" id="0[56]-(first|second)">$/gm)?.length, 2);
  assert.match(html, /<\/section>\n<section class="report" id="06-second">/);
  await assert.rejects(runReports([notebook('index.ipynb')], { outDir: out }), /its report would be index\.html/);
  await assert.rejects(runReports([path.join(dir, 'notes.txt')], { outDir: out }), /notes\.txt: notebook not found/);
  fs.writeFileSync(path.join(dir, 'notes.txt'), '');
  await assert.rejects(runReports([path.join(dir, 'notes.txt')], { outDir: out }), /notes\.txt: not a notebook \(expected a \.ipynb file\)/);
});

test('a graded run: the cell statuses the runner reports, or its failure with its stderr', async () => {
  const nb = notebook('07-graded.ipynb');
  const cells = [{ cell: 2, code_cell: 1, status: 'error', ename: 'E', evalue: 'v' }];
  script({ stdout: `${JSON.stringify({ ok: true, seconds: 3, cells })}\n` });
  assert.deepEqual(await executeAllowingErrors(nb, path.join(dir, 'graded.out'), { log: () => undefined }), { cells, seconds: 3 });
  // ok, but no cell statuses: the runner failed.
  script({ stderr: ['kernel died before the first cell\n'], stdout: '{"ok": true, "seconds": 3}\n' });
  await assert.rejects(executeAllowingErrors(nb, path.join(dir, 'graded.out'), { log: () => undefined }), {
    message: `${nb}: the notebook runner failed (exit 0):\nkernel died before the first cell`,
  });
});
