/**
 * The grader's bookkeeping, in this process and without a kernel: which checks an exercise expects,
 * which exercise a submission is, how edited check cells are put back, how an executed notebook's
 * outputs and cell statuses become pass/fail lines, and the text table. A tiny exercise source is
 * written here, so every expected id, name and message below is worked out from it by hand.
 * (test/exercises/grade.test.ts runs the real exercises through the kernel; it is too slow to run
 * once per mutant, and this file covers the same logic.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpDir } from '../support/tmp';
import { withReplaced } from '../support/replace';
import * as report from '../../src/jupyter/report';
import { CHECK_MIME } from '../../src/exercises/check-result';
import {
  expectedChecks,
  formatGrades,
  gradeNotebook,
  identifyExercise,
  Nb,
  NbCell,
  restoreCheckCells,
  scoreExecuted,
  GradedNotebook,
} from '../../src/exercises/grade';

const dir = tmpDir('privlab-grade-scoring-');
fs.mkdirSync(path.join(dir, 'src'));

// Cells of the solution version, 0-based: 0 markdown, 1 import, 2 the function, 3 two checks,
// 4 markdown, 5 a check whose argument is not a call of a named function.
const SOURCE = `// %% [markdown]
// # A tiny exercise

// %%
import * as lab from "privlab/kernel-ext";

// %%
function answer(): number {
  // BEGIN SOLUTION
  return 42;
  // END SOLUTION
}

// %%
await lab.check(checkFirst(answer));
lab.check(
  await checkSecond(answer),
);

// %% [markdown]
// More text.

// %%
lab.check({ id: "literal", pass: answer() === 42, message: "inline" });
`;
const source = path.join(dir, 'src', '07-tiny.ts');
fs.writeFileSync(source, SOURCE);
// The solution version's cells, as the percent format reads them (markers dropped, blank lines trimmed).
const CHECK_CELL = 'await lab.check(checkFirst(answer));\nlab.check(\n  await checkSecond(answer),\n);';
const LAST_CELL = 'lab.check({ id: "literal", pass: answer() === 42, message: "inline" });';
const SOLUTION: NbCell[] = [
  { cell_type: 'markdown', source: '# A tiny exercise' },
  { cell_type: 'code', source: 'import * as lab from "privlab/kernel-ext";' },
  { cell_type: 'code', source: 'function answer(): number {\n  return 42;\n}' },
  { cell_type: 'code', source: CHECK_CELL },
  { cell_type: 'markdown', source: 'More text.' },
  { cell_type: 'code', source: LAST_CELL },
];

test('the expected checks: one per lab.check call of the solution, keyed by cell id and call index', () => {
  assert.deepEqual(expectedChecks(source), [
    { cellId: 'tiny-03', call: 0, check: 'checkFirst' },
    { cellId: 'tiny-03', call: 1, check: 'checkSecond' },
    // Not a call of a named check: named by its place among all the checks (the third).
    { cellId: 'tiny-05', call: 0, check: 'check 3' },
  ]);
});

test('which exercise a submission is: its metadata, else its file name, else its number when only one exercise has it', () => {
  const sources = ['/x/src/01-alpha.ts', '/x/src/02-beta.ts', '/x/src/02-gamma.ts', '/x/src/03-delta.ts'];
  const nb = (exercise?: unknown): Nb => ({ cells: [], metadata: { privlab: { exercise } } });
  // Metadata wins over the file name.
  assert.equal(identifyExercise('/in/03-delta.ipynb', nb('01-alpha'), sources), '/x/src/01-alpha.ts');
  // Metadata that names no exercise, or is not a string, falls back to the file name.
  assert.equal(identifyExercise('/in/03-delta.ipynb', nb('09-nothing'), sources), '/x/src/03-delta.ts');
  assert.equal(identifyExercise('/in/03-delta.ipynb', nb(3), sources), '/x/src/03-delta.ts');
  assert.equal(identifyExercise('/in/02-beta.ipynb', { cells: [] }, sources), '/x/src/02-beta.ts');
  // A renamed file keeps its number: unique for 01 and 03, ambiguous for 02.
  assert.equal(identifyExercise('/in/01-alice-final.ipynb', { cells: [] }, sources), '/x/src/01-alpha.ts');
  assert.equal(identifyExercise('/in/03.ipynb', { cells: [] }, sources), undefined);
  assert.equal(identifyExercise('/in/02-bob.ipynb', { cells: [] }, sources), undefined);
  assert.equal(identifyExercise('/in/alpha.ipynb', { cells: [] }, sources), undefined);
  assert.equal(identifyExercise('/in/01-alpha.ipynb', { cells: [] }, []), undefined);
});

/** The executed solution as a submission would come back: the cells of SOURCE, with ids. */
function submission(): NbCell[] {
  return SOLUTION.map((c, i) => ({ ...c, id: `tiny-${String(i).padStart(2, '0')}`, outputs: [] }));
}

test('restoring check cells: an edited check cell gets the solution text back, found by id', () => {
  const cells = submission();
  cells[3].source = 'await lab.check({ id: "first", pass: true, message: "forged" });';
  cells[5].source = [LAST_CELL.slice(0, 10), LAST_CELL.slice(10)]; // unchanged, as Jupyter's line list
  cells[2].source = 'function answer(): number { return 41; }'; // a student's own cell: not a check cell, kept
  const nb: Nb = { cells };
  assert.equal(restoreCheckCells(nb, source), 1);
  assert.equal(cells[3].source, CHECK_CELL);
  assert.deepEqual(cells[5].source, [LAST_CELL.slice(0, 10), LAST_CELL.slice(10)]);
  assert.equal(cells[2].source, 'function answer(): number { return 41; }');
  // Nothing left to restore.
  assert.equal(restoreCheckCells(nb, source), 0);
});

test('restoring check cells without ids: the k-th cell calling lab.check, only when the counts agree', () => {
  const cells = submission().map(({ id: _id, ...c }) => c);
  cells[3].source = 'lab.check({ id: "first", pass: true, message: "forged" });';
  cells[5].source = 'lab.check({ id: "literal", pass: true, message: "forged" });';
  assert.equal(restoreCheckCells({ cells }, source), 2);
  assert.equal(cells[3].source, CHECK_CELL);
  assert.equal(cells[5].source, LAST_CELL);
  // A student added a cell that calls lab.check: three candidates for two check cells, so no
  // cell can be matched by position and none is touched.
  const extra = submission().map(({ id: _id, ...c }) => c);
  extra[3].source = 'lab.check({ id: "first", pass: true, message: "forged" });';
  extra.splice(1, 0, { cell_type: 'code', source: 'lab.check(mine());', outputs: [] });
  assert.equal(restoreCheckCells({ cells: extra }, source), 0);
  assert.equal(extra[4].source, 'lab.check({ id: "first", pass: true, message: "forged" });');
  // A markdown cell that mentions lab.check( is no check cell: the two code cells still match.
  const withNote = submission().map(({ id: _id, ...c }) => c);
  withNote.splice(1, 0, { cell_type: 'markdown', source: 'Call lab.check(x) to check.' });
  withNote[4].source = 'lab.check({ id: "first", pass: true, message: "forged" });';
  assert.equal(restoreCheckCells({ cells: withNote }, source), 1);
  assert.equal(withNote[4].source, CHECK_CELL);
});

const shown = (r: unknown): { output_type: string; data: Record<string, unknown> } => ({ output_type: 'display_data', data: { [CHECK_MIME]: r } });
const status = (
  cell: number,
  code_cell: number,
  s: report.CellStatus['status'],
  ename: string | null = null,
  evalue: string | null = null,
): report.CellStatus => ({
  cell,
  code_cell,
  status: s,
  ename,
  evalue,
});

test('scoring an executed notebook: the n-th check result of a check cell is its n-th check; a hint only on a failure', () => {
  const cells = submission();
  cells[3].outputs = [
    { output_type: 'stream' },
    shown({ id: 'first', pass: true, message: 'right', hint: 'not shown when passing' }),
    // Not a check result: the id is missing, or pass is not a boolean.
    shown({ pass: false, message: 'no id' }),
    shown({ id: 'bad', pass: 'no', message: 'pass is a string' }),
    { output_type: 'display_data', data: { 'text/plain': 'x' } },
    shown({ id: 'second', pass: false, message: 'off by one', hint: 'count from zero' }),
  ];
  cells[5].outputs = [shown({ id: 'literal', pass: false, message: 'inline failed' })];
  const statuses = [status(2, 1, 'ok'), status(3, 2, 'ok'), status(4, 3, 'ok'), status(6, 4, 'ok')];
  assert.deepEqual(scoreExecuted({ cells }, expectedChecks(source), statuses), [
    { check: 'checkFirst', id: 'first', pass: true, message: 'right' },
    { check: 'checkSecond', id: 'second', pass: false, message: 'off by one', hint: 'count from zero' },
    { check: 'check 3', id: 'literal', pass: false, message: 'inline failed' },
  ]);
});

test('scoring: a missing result fails with the reason, naming the first failing cell above it', () => {
  const expected = expectedChecks(source).slice(2); // the check in cell 5 (cell 6 of the notebook, 1-based)
  const cells = submission();
  const why = (statuses: report.CellStatus[], nbCells = cells): string => {
    const [r] = scoreExecuted({ cells: nbCells }, expected, statuses);
    assert.equal(r.pass, false);
    assert.equal(r.id, null);
    assert.equal(r.check, 'check 3');
    return r.message;
  };
  const failedAbove = status(3, 2, 'error', 'TypeError', 'x is undefined');
  assert.equal(why([status(2, 1, 'ok'), failedAbove]), 'the check cell did not run (first failing cell above: code cell 2: TypeError: x is undefined)');
  assert.equal(why([status(2, 1, 'ok')]), 'the check cell did not run');
  assert.equal(why([status(6, 4, 'not-run', 'NotRun', 'not run: code cell 3 ended the run')]), 'not run: code cell 3 ended the run');
  assert.equal(
    why([status(2, 1, 'ok'), failedAbove, status(6, 4, 'error', 'ReferenceError', 'lab is not defined')]),
    'the check cell failed: ReferenceError: lab is not defined (first failing cell above: code cell 2: TypeError: x is undefined)',
  );
  // A failing cell below the check cell is not "above".
  assert.equal(
    why([status(6, 4, 'timeout', 'CellTimeoutError', 'too slow'), status(7, 5, 'error', 'E', 'later')]),
    'the check cell failed: CellTimeoutError: too slow',
  );
  assert.equal(why([status(2, 1, 'ok'), status(6, 4, 'ok')]), 'the check cell ran but showed no check result (was the lab.check call changed?)');
  // The check cell deleted (and so too few lab.check cells to match by position).
  const deleted = cells.filter((c) => c.id !== 'tiny-05');
  const lost = scoreExecuted({ cells: deleted }, expectedChecks(source), [status(2, 1, 'ok')])[2];
  assert.deepEqual(lost, { check: 'check 3', id: null, pass: false, message: 'the check cell is missing from the notebook (deleted?)' });
});

test('grading refuses what is no gradable notebook with the reason, never throwing', async () => {
  const bad = (name: string, text: string): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const notFound = path.join(dir, 'nothing.ipynb');
  const g = await gradeNotebook(notFound, { dir });
  assert.deepEqual(g, { notebook: notFound, exercise: null, passed: 0, total: 0, checks: [], seconds: 0, error: 'notebook not found' });
  const notJson = bad('07-tiny-broken.ipynb', '{"cells": [');
  assert.match((await gradeNotebook(notJson, { dir })).error ?? '', new RegExp(`^${notJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a notebook: .*JSON`));
  assert.equal(
    (await gradeNotebook(bad('07-tiny-nocells.ipynb', '{"cells": 3}'), { dir })).error,
    `${path.join(dir, '07-tiny-nocells.ipynb')}: not a notebook (no cells array)`,
  );
  assert.equal(
    (await gradeNotebook(bad('07-tiny-null.ipynb', 'null'), { dir })).error,
    `${path.join(dir, '07-tiny-null.ipynb')}: not a notebook (no cells array)`,
  );
  const unknown = bad('alice.ipynb', '{"cells": []}');
  assert.equal(
    (await gradeNotebook(unknown, { dir })).error,
    'cannot tell which exercise this is (no metadata.privlab.exercise, and the file name matches none of 07-tiny)',
  );
  const empty = tmpDir('privlab-grade-empty-');
  fs.mkdirSync(path.join(empty, 'src'));
  assert.equal(
    (await gradeNotebook(unknown, { dir: empty })).error,
    'cannot tell which exercise this is (no metadata.privlab.exercise, and the file name matches none of no exercises)',
  );
});

test('grading runs a copy with the check cells restored, scores what it returns and leaves no files behind', async () => {
  const cells = submission();
  cells[3].source = 'lab.check({ id: "first", pass: true, message: "forged" });';
  const file = path.join(dir, 'bob.ipynb');
  fs.writeFileSync(file, JSON.stringify({ cells, metadata: { privlab: { exercise: '07-tiny' } } }));
  const calls: { ran: Nb; timeout: number | undefined; log: unknown; tmp: string }[] = [];
  const log = (): void => undefined;
  const fake: typeof report.executeAllowingErrors = async (copy, out, opts) => {
    const ran = JSON.parse(fs.readFileSync(copy, 'utf8')) as Nb;
    calls.push({ ran, timeout: opts?.cellTimeoutS, log: opts?.log, tmp: path.dirname(copy) });
    assert.equal(path.dirname(out), path.dirname(copy));
    // The executed notebook: the first check passed, the second failed, the cell-5 check's cell errored.
    const executed = JSON.parse(JSON.stringify(ran)) as Nb;
    executed.cells[3].outputs = [shown({ id: 'first', pass: true, message: 'ok' }), shown({ id: 'second', pass: false, message: 'no' })];
    fs.writeFileSync(out, JSON.stringify(executed));
    return { cells: [status(4, 3, 'ok'), status(6, 4, 'error', 'Error', 'boom')], seconds: 2.5 };
  };
  const graded = await withReplaced(report, 'executeAllowingErrors', fake, async () => [
    await gradeNotebook(file, { dir }),
    await gradeNotebook(file, { dir, cellTimeoutS: 7, log }),
  ]);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].ran.cells[3].source, CHECK_CELL, 'the forged check cell was replaced before the run');
  assert.equal(calls[0].timeout, 120, 'default cell timeout');
  assert.equal(calls[1].timeout, 7);
  assert.equal(calls[1].log, log);
  for (const c of calls) {
    assert.equal(path.dirname(c.tmp), path.join(path.resolve(__dirname, '../../..'), '.cache'));
    assert.equal(fs.existsSync(c.tmp), false, 'temporary folder removed');
  }
  assert.deepEqual(graded[0], {
    notebook: file,
    exercise: '07-tiny',
    passed: 1,
    total: 3,
    seconds: 2.5,
    checks: [
      { check: 'checkFirst', id: 'first', pass: true, message: 'ok' },
      { check: 'checkSecond', id: 'second', pass: false, message: 'no' },
      { check: 'check 3', id: null, pass: false, message: 'the check cell failed: Error: boom' },
    ],
  });
  // The submitted file itself is left as handed in.
  assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as Nb).cells[3].source, 'lab.check({ id: "first", pass: true, message: "forged" });');
});

test('the text table: a line per notebook and per check, hints indented under their check, a total with the right plural', () => {
  const g: GradedNotebook[] = [
    {
      notebook: 'a.ipynb',
      exercise: '07-tiny',
      passed: 1,
      total: 2,
      seconds: 1,
      checks: [
        { check: 'checkFirst', id: 'first', pass: true, message: 'ok' },
        { check: 'checkSecond', id: null, pass: false, message: 'did not run', hint: 'run the cells in order' },
      ],
    },
    { notebook: 'b.ipynb', exercise: null, passed: 0, total: 0, checks: [], seconds: 0, error: 'notebook not found' },
  ];
  assert.equal(
    formatGrades(g),
    [
      'a.ipynb (07-tiny): 1/2 checks passed',
      `  PASS  first${' '.repeat(19)} ok`,
      `  FAIL  checkSecond${' '.repeat(13)} did not run`,
      `        ${' '.repeat(24)} hint: run the cells in order`,
      'b.ipynb (unknown exercise): not graded: notebook not found',
      'total: 1/2 checks passed in 2 notebooks',
    ].join('\n'),
  );
  assert.equal(formatGrades([g[1]]).split('\n').pop(), 'total: 0/0 checks passed in 1 notebook');
});
