/** A failing cell stops `privlab report` with the notebook, the cell and the error; nothing is left half-written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privlab } from '../support/cli';
import { tmpDir } from '../support/tmp';
import { writeNotebook } from '../support/notebooks';

const dir = tmpDir('privlab-bad-nb-');

const notebook = (file: string, cells: Array<[string, string]>): string => writeNotebook(dir, file, cells);

test('a runtime error names the notebook, the cell number and the error', () => {
  const nb = notebook('broken.ipynb', [
    ['code', 'const x = 1 + 1;\nconsole.log(x);'],
    ['markdown', '# between'],
    ['code', 'throw new Error("boom: the model did not fit");'],
    ['code', 'console.log("never runs");'],
  ]);
  const out = path.join(dir, 'out');
  const r = privlab(['report', nb, '--out', out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${nb.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cell 3 \\(code cell 2\\) failed: Error: boom: the model did not fit\n`));
  assert.match(r.stderr, /--- cell 3 source ---\nthrow new Error/);
  assert.match(r.stderr, /--- error output ---\n\s+at <cell>:/, 'stack frames of the cell, not of the kernel');
  assert.doesNotMatch(r.stderr, /node_modules\/tslab/);
  assert.deepEqual(fs.existsSync(out) ? fs.readdirSync(out) : [], [], 'no report written');
});

test('a TypeScript type error is reported the same way', () => {
  const nb = notebook('typo.ipynb', [['code', 'const n: number = "not a number";']]);
  const r = privlab(['report', nb, '--out', path.join(dir, 'out2')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /typo\.ipynb: cell 1 \(code cell 1\) failed: TSError: 1:7 - Type 'string' is not assignable to type 'number'/);
});

test('missing or non-notebook paths are refused before anything runs', () => {
  const r = privlab(['report', path.join(dir, 'nope.ipynb')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nope\.ipynb: notebook not found/);
  const txt = path.join(dir, 'notes.txt');
  fs.writeFileSync(txt, 'x');
  assert.match(privlab(['report', txt]).stderr, /notes\.txt: not a notebook/);
  assert.equal(privlab(['report', '--cell-timeout', '-1']).status, 2);
});
