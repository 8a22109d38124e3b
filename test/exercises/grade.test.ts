/**
 * `privlab exercises grade` on real notebooks, executed headless with the privlab kernel: every
 * exercise's solution version passes every check, its student version fails every check with the
 * stub's message, and broken submissions (a syntax error, an exception, a dead kernel, an endless
 * loop) are graded — the affected check fails with the reason, the others are still graded, and
 * the exit status is 0. Exercise sources are found, not listed, so new exercises are covered.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privlab, CliResult, ROOT } from '../support/cli';
import { tmpDir } from '../support/tmp';
import { exerciseName, exerciseSources } from '../../src/exercises/build';
import { expectedChecks, GradedNotebook, Nb, restoreCheckCells } from '../../src/exercises/grade';

const DIR = path.join(ROOT, 'notebooks', 'exercises');
const sources = exerciseSources(DIR);
const work = tmpDir('privlab-grade-');
const BASE = path.join(DIR, 'solutions', '01-quantize-accumulator.ipynb');

/** A copy of exercise 01's solution with some cells' sources replaced (by cell id), named for identification by metadata. */
function broken(name: string, edits: Record<string, string>): string {
  const nb = JSON.parse(fs.readFileSync(BASE, 'utf8'));
  for (const [id, source] of Object.entries(edits)) {
    const cell = nb.cells.find((c: { id: string }) => c.id === id);
    assert.ok(cell, id);
    cell.source = source;
  }
  const file = path.join(work, `${name}.ipynb`);
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

const QUANTIZE_CELL = 'quantize-accumulator-03';
const DEMO_CELL = 'quantize-accumulator-06';
const submissions = {
  syntax: broken('syntax', {
    [QUANTIZE_CELL]: 'function quantizeWeights(w: readonly number[], bits: number): { q: number[]; scale: number } {\n  return { q: [, scale: 1 ;\n}',
  }),
  exception: broken('exception', {
    [QUANTIZE_CELL]: 'function quantizeWeights(w: readonly number[], bits: number): { q: number[]; scale: number } {\n  return (null as any).q;\n}',
  }),
  dead: broken('dead', { [DEMO_CELL]: 'process.exit(3);' }),
  loop: broken('loop', { [DEMO_CELL]: 'while (true) {}' }),
};

let main: CliResult;
let loop: CliResult;
let graded: Map<string, GradedNotebook>;

before(() => {
  const notebooks = sources.flatMap((s) => ['solutions', 'student'].map((v) => path.join(DIR, v, `${exerciseName(s)}.ipynb`)));
  main = privlab(['exercises', 'grade', '--json', ...notebooks, submissions.syntax, submissions.exception, submissions.dead]);
  // 20 s, not less: the timeout applies to every cell, and on a loaded machine (a mutation job's dry
  // run beside other jobs, load 7) the cells before the loop took more than 6 s.
  loop = privlab(['exercises', 'grade', '--json', '--cell-timeout', '20', submissions.loop]);
  graded = new Map();
  for (const r of [main, loop]) {
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    for (const g of (JSON.parse(r.stdout) as { notebooks: GradedNotebook[] }).notebooks) graded.set(g.notebook, g);
  }
});

const result = (file: string): GradedNotebook => {
  const g = graded.get(file);
  assert.ok(g, `${file} graded`);
  return g;
};
const byCheck = (g: GradedNotebook): Record<string, { pass: boolean; message: string }> => Object.fromEntries(g.checks.map((c) => [c.check, c]));

test('every solution version passes every check of its exercise', () => {
  for (const s of sources) {
    const g = result(path.join(DIR, 'solutions', `${exerciseName(s)}.ipynb`));
    assert.equal(g.exercise, exerciseName(s));
    assert.equal(g.total, expectedChecks(s).length);
    assert.ok(g.total >= 1);
    assert.deepEqual(
      g.checks.filter((c) => !c.pass).map((c) => `${c.check}: ${c.message}`),
      [],
      exerciseName(s),
    );
    assert.ok(
      g.checks.every((c) => c.id !== null),
      'each check reported its id',
    );
  }
});

test('every student version fails every check with the stub message', () => {
  for (const s of sources) {
    const g = result(path.join(DIR, 'student', `${exerciseName(s)}.ipynb`));
    assert.equal(g.passed, 0, exerciseName(s));
    assert.equal(g.total, expectedChecks(s).length);
    for (const c of g.checks) assert.match(c.message, /is not implemented yet: replace the stub with your code/, `${exerciseName(s)} ${c.check}`);
  }
});

test('a syntax error in a student cell fails that check with the error; the other check is still graded', () => {
  const c = byCheck(result(submissions.syntax));
  assert.equal(c.checkQuantizeWeights.pass, false);
  assert.match(c.checkQuantizeWeights.message, /^the check cell failed: .*quantizeWeights.*first failing cell above: code cell 2: /);
  assert.equal(c.checkAccumulatorBits.pass, true);
});

test("an exception in the student's function fails that check, naming it; the other check passes", () => {
  const c = byCheck(result(submissions.exception));
  assert.equal(c.checkQuantizeWeights.pass, false);
  assert.match(c.checkQuantizeWeights.message, /^your code threw TypeError: Cannot read properties of null/);
  assert.equal(c.checkAccumulatorBits.pass, true);
});

test('a dead kernel or an endless loop ends the run there: checks before it are graded, later ones fail as not run', () => {
  for (const [file, reason] of [
    [submissions.dead, /DeadKernelError/],
    [submissions.loop, /CellTimeoutError: cell did not finish within 20 s/],
  ] as const) {
    const c = byCheck(result(file));
    assert.equal(c.checkQuantizeWeights.pass, true, file);
    assert.equal(c.checkAccumulatorBits.pass, false);
    assert.match(c.checkAccumulatorBits.message, /^not run: code cell 4 \(cell 7\) ended the run: /);
    assert.match(c.checkAccumulatorBits.message, reason);
  }
});

test('the text table: one line per check and a total; a file that is no known exercise exits 2', () => {
  const r = privlab(['exercises', 'grade', submissions.syntax.replace('syntax', 'none')]);
  assert.equal(r.status, 2);
  assert.match(r.stdout, /not graded: notebook not found/);
  const other = path.join(work, 'alice.ipynb');
  fs.writeFileSync(other, JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
  const unknown = privlab(['exercises', 'grade', other]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stdout, /alice\.ipynb \(unknown exercise\): not graded: cannot tell which exercise this is/);
  assert.match(unknown.stdout, /total: 0\/0 checks passed in 1 notebook$/m);
  assert.equal(privlab(['exercises', 'grade']).status, 2);
});

test("a submission's edited check cells are replaced by the exercise's own before it runs (a forged passing result cannot be displayed)", () => {
  const source = sources.find((s) => exerciseName(s) === '01-quantize-accumulator')!;
  const student = JSON.parse(fs.readFileSync(path.join(DIR, 'student', '01-quantize-accumulator.ipynb'), 'utf8')) as Nb;
  const checkCells = student.cells.filter((c) => /lab\.check\(/.test([c.source ?? ''].flat().join('')));
  assert.equal(checkCells.length, 2);
  const originals = checkCells.map((c) => [c.source ?? ''].flat().join(''));
  checkCells[0].source = 'await lab.check({ id: "quantize-weights", pass: true, message: "forged" });';
  assert.equal(restoreCheckCells(student, source), 1);
  assert.deepEqual(
    checkCells.map((c) => [c.source ?? ''].flat().join('')),
    originals,
  );
  // A notebook whose cell ids were lost (rebuilt by another tool): the k-th check cell is restored.
  for (const c of student.cells) delete c.id;
  checkCells[1].source = 'console.log("no check here"); // lab.check( removed';
  assert.equal(restoreCheckCells(student, source), 1);
  assert.equal([checkCells[1].source].flat().join(''), originals[1]);
});
