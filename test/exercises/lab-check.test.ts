/**
 * lab.check (kernel-ext/check.ts) and how the grader reads its output: the MIME bundle carries the
 * CheckResult, the box is escaped, a check that rejects still shows as a failed check; the grader
 * keys expected checks on the source's check cells and explains each missing result.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as lab from '../../kernel-ext/index';
import { MimeBundle } from '../../kernel-ext/index';
import { CHECK_MIME, failed, passed } from '../../src/exercises/check-result';
import { expectedChecks, identifyExercise, scoreExecuted } from '../../src/exercises/grade';
import { exerciseSources } from '../../src/exercises/build';
import { CellStatus } from '../../src/jupyter/report';
import { ROOT } from '../support/cli';

const shown: MimeBundle[] = [];
const prev = lab.setDisplaySink((bundle) => shown.push(bundle));
after(() => lab.setDisplaySink(prev));

test('lab.check shows a box and emits the CheckResult under its MIME type; the HTML is escaped', async () => {
  shown.length = 0;
  const r = failed('x-<id>', 'got <b>1</b> & 2', 'try "<script>"');
  assert.equal(await lab.check(Promise.resolve(r)), undefined);
  assert.equal(shown.length, 1);
  assert.deepEqual(shown[0][CHECK_MIME], r);
  const html = String(shown[0]['text/html']);
  assert.match(html, /got &lt;b&gt;1&lt;\/b&gt; &amp; 2/);
  assert.match(html, /<b>Hint:<\/b> try &quot;&lt;script&gt;&quot;/);
  assert.doesNotMatch(html, /<script>/);
  assert.match(String(shown[0]['text/plain']), /^NOT YET \[x-<id>\] got <b>1<\/b> & 2\nHint: try "<script>"$/);
  await lab.check(passed('ok-id', 'fine'));
  assert.match(String(shown[1]['text/html']), /passed/);
  assert.doesNotMatch(String(shown[1]['text/html']), /Hint/);
});

test('lab.check on a rejected promise or a non-result shows a failed check, not a cell error', async () => {
  shown.length = 0;
  await lab.check(Promise.reject(new RangeError('boom')));
  await lab.check({ nope: 1 } as never);
  assert.deepEqual(
    shown.map((b) => [(b[CHECK_MIME] as { id: string }).id, (b[CHECK_MIME] as { pass: boolean }).pass]),
    [
      ['check-error', false],
      ['invalid-check', false],
    ],
  );
  assert.match((shown[0][CHECK_MIME] as { message: string }).message, /RangeError: boom/);
});

const source = path.join(ROOT, 'notebooks', 'exercises', 'src', '01-quantize-accumulator.ts');

test('expected checks: one per lab.check call of the solution version, keyed by cell id and check function', () => {
  assert.deepEqual(expectedChecks(source), [
    { cellId: 'quantize-accumulator-04', call: 0, check: 'checkQuantizeWeights' },
    { cellId: 'quantize-accumulator-09', call: 0, check: 'checkAccumulatorBits' },
  ]);
});

test('a submission is recognised by its metadata, else by its file name', () => {
  const sources = exerciseSources(path.join(ROOT, 'notebooks', 'exercises'));
  const nb = { cells: [], metadata: { privlab: { exercise: '01-quantize-accumulator' } } };
  assert.equal(identifyExercise('/x/alice.ipynb', nb, sources), source);
  assert.equal(identifyExercise('/x/01-quantize-accumulator.ipynb', { cells: [] }, sources), source);
  assert.equal(identifyExercise('/x/01-alice.ipynb', { cells: [] }, sources), source);
  assert.equal(identifyExercise('/x/alice.ipynb', { cells: [] }, sources), undefined);
});

test('scoring an executed notebook: a result, a failed cell, a cell after a timeout, a deleted cell', () => {
  const expected = [
    { cellId: 'a-01', call: 0, check: 'checkA' },
    { cellId: 'a-03', call: 0, check: 'checkB' },
    { cellId: 'a-05', call: 0, check: 'checkC' },
    { cellId: 'a-07', call: 0, check: 'checkD' },
  ];
  const code = (id: string, outputs: unknown[] = []): never => ({ cell_type: 'code', id, source: 'await lab.check(x)', outputs }) as never;
  const executed = {
    cells: [
      { cell_type: 'code', id: 'a-00', source: 'f()', outputs: [] },
      code('a-01', [{ output_type: 'display_data', data: { [CHECK_MIME]: passed('a', 'good') } }]),
      { cell_type: 'code', id: 'a-02', source: 'broken', outputs: [{ output_type: 'error', ename: 'SyntaxError', evalue: "')' expected" }] },
      code('a-03', [{ output_type: 'error', ename: 'ReferenceError', evalue: 'g is not defined' }]),
      { cell_type: 'code', id: 'a-04', source: 'while (true) {}', outputs: [] },
      code('a-05'),
    ],
  };
  const statuses: CellStatus[] = [
    { cell: 1, code_cell: 1, status: 'ok', ename: null, evalue: null },
    { cell: 2, code_cell: 2, status: 'ok', ename: null, evalue: null },
    { cell: 3, code_cell: 3, status: 'error', ename: 'SyntaxError', evalue: "')' expected" },
    { cell: 4, code_cell: 4, status: 'error', ename: 'ReferenceError', evalue: 'g is not defined' },
    { cell: 5, code_cell: 5, status: 'timeout', ename: 'CellTimeoutError', evalue: 'cell did not finish within 5 s' },
    {
      cell: 6,
      code_cell: 6,
      status: 'not-run',
      ename: 'NotRun',
      evalue: 'not run: code cell 5 (cell 5) ended the run: CellTimeoutError: cell did not finish within 5 s',
    },
  ];
  const graded = scoreExecuted(executed, expected, statuses);
  assert.deepEqual(
    graded.map((g) => [g.check, g.id, g.pass]),
    [
      ['checkA', 'a', true],
      ['checkB', null, false],
      ['checkC', null, false],
      ['checkD', null, false],
    ],
  );
  assert.equal(graded[1].message, "the check cell failed: ReferenceError: g is not defined (first failing cell above: code cell 3: SyntaxError: ')' expected)");
  assert.match(graded[2].message, /^not run: code cell 5 .*CellTimeoutError/);
  assert.match(graded[3].message, /missing from the notebook/);
});
