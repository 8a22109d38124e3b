/**
 * Solution markers: the regions found, the two versions made from them, and the errors (with
 * file:line) for unbalanced, nested or misplaced markers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExercise, solutionCells, studentCells, SolutionMarkerError } from '../../src/exercises/markers';

const SOURCE = [
  '// %% [markdown]',
  '// # Title',
  '',
  '// %%',
  'const { NotImplementedError } = lab.exercises;',
  '',
  '// %%',
  'function add(a: number, b: number): number {',
  '  // BEGIN SOLUTION',
  '  const s = a + b;',
  '  return s;',
  '  // END SOLUTION',
  '}',
  'const twice = (x: number): number => {',
  '  // BEGIN SOLUTION',
  '  return 2 * x;',
  '  // END SOLUTION',
  '};',
  '',
  '// %%',
  'await lab.check(checkAdd(add));',
].join('\n');

test('regions: the function each belongs to and its source line', () => {
  const ex = parseExercise(SOURCE, 'ex.ts');
  assert.deepEqual(
    ex.regions.map((r) => [r.cell, r.functionName, r.line]),
    [
      [2, 'add', 9],
      [2, 'twice', 15],
    ],
  );
});

test('solution version: markers removed; student version: each region a stub naming its function', () => {
  const ex = parseExercise(SOURCE, 'ex.ts');
  const sol = solutionCells(ex);
  assert.equal(
    sol[2].source,
    'function add(a: number, b: number): number {\n  const s = a + b;\n  return s;\n}\nconst twice = (x: number): number => {\n  return 2 * x;\n};',
  );
  const stu = studentCells(ex);
  assert.equal(
    stu[2].source,
    'function add(a: number, b: number): number {\n  // YOUR CODE HERE\n  throw new NotImplementedError("add");\n}\n' +
      'const twice = (x: number): number => {\n  // YOUR CODE HERE\n  throw new NotImplementedError("twice");\n};',
  );
  // Cells without regions are the same in both versions.
  assert.deepEqual([sol[0], sol[1], sol[3]], [stu[0], stu[1], stu[3]]);
  assert.doesNotMatch(stu.map((c) => c.source).join('\n'), /2 \* x|a \+ b|SOLUTION/);
});

function errorOf(lines: string[]): SolutionMarkerError {
  try {
    parseExercise(['// %%', ...lines].join('\n'), 'bad.ts');
  } catch (err) {
    assert.ok(err instanceof SolutionMarkerError, String(err));
    return err;
  }
  assert.fail('no error');
}

test('unbalanced, nested, misplaced and malformed markers are errors naming file:line', () => {
  const fn = (body: string[]): string[] => ['function f(): number {', ...body, '  return 1;', '}'];
  assert.match(errorOf(fn(['  // BEGIN SOLUTION'])).message, /^bad\.ts:3: "\/\/ BEGIN SOLUTION" is not closed/);
  assert.match(errorOf(fn(['  // END SOLUTION'])).message, /^bad\.ts:3: "\/\/ END SOLUTION" without a "\/\/ BEGIN SOLUTION"/);
  assert.match(
    errorOf(fn(['  // BEGIN SOLUTION', '  // BEGIN SOLUTION', '  // END SOLUTION', '  // END SOLUTION'])).message,
    /^bad\.ts:4: nested .* opened at line 3/,
  );
  assert.match(errorOf(['// BEGIN SOLUTION', 'const x = 1;', '// END SOLUTION']).message, /^bad\.ts:2: a solution region must be inside a function body/);
  assert.match(errorOf(['function g() {', '  // BEGIN SOLUTION', '  return 1;', '  // END SOLUTION', '}']).message, /^bad\.ts:3: g: annotate the return type/);
  assert.match(errorOf(fn(['  // BEGIN SOLUTION: here', '  // END SOLUTION'])).message, /^bad\.ts:3: malformed solution marker/);
  // A region that starts in one function and ends in another is not inside one body.
  assert.match(
    errorOf(['function a(): number {', '  // BEGIN SOLUTION', '  return 1;', '}', 'function b(): number {', '  // END SOLUTION', '  return 2;', '}']).message,
    /^bad\.ts:3: a solution region must be inside a function body/,
  );
  assert.match(errorOf(['const x = 1;']).message, /^bad\.ts:1: no solution region/);
});

test('markers are per cell: a region cannot span two cells', () => {
  const text = ['// %%', 'function f(): number {', '  // BEGIN SOLUTION', '  return 1;', '}', '', '// %%', '// END SOLUTION'].join('\n');
  assert.throws(() => parseExercise(text, 'x.ts'), /x\.ts:3: "\/\/ BEGIN SOLUTION" is not closed by "\/\/ END SOLUTION" in the same cell/);
});
