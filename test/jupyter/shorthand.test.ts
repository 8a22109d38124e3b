/** The kernel's shorthand-property expansion (src/jupyter/kernel/shorthand.ts) keeps a cell's meaning. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vm from 'node:vm';
import * as ts from 'typescript';
import { expandShorthandProperties } from '../../src/jupyter/kernel/shorthand';

/** Runs a TypeScript snippet ending in an expression and returns that value as JSON (independent of the rewrite). */
function run(src: string): string {
  const js = ts.transpileModule(src, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None } }).outputText;
  return JSON.stringify(vm.runInNewContext(js));
}

test('shorthand properties are written out in full, and nothing else changes', () => {
  assert.equal(expandShorthandProperties('const o = { a, b: 2, c };'), 'const o = { a: a, b: 2, c: c };');
  assert.equal(expandShorthandProperties('({ a = 1 } = src);'), '({ a: a = 1 } = src);');
  // Binding patterns, methods, spreads, strings and comments are not shorthand properties.
  for (const same of ['const { a, b } = o;', 'const o = { f() { return 1; }, ...p };', 'const s = "{ a }"; // { a }', 'function f({ a }: { a: number }) {}']) {
    assert.equal(expandShorthandProperties(same), same);
  }
  // Nested and multi-line: the line count is kept, so error positions keep their lines.
  const multi = 'const o = {\n  a,\n  inner: { b, c: [ { d } ] },\n};';
  const out = expandShorthandProperties(multi);
  assert.equal(out, 'const o = {\n  a: a,\n  inner: { b: b, c: [ { d: d } ] },\n};');
  assert.equal(out.split('\n').length, multi.split('\n').length);
});

test('the expanded program computes what the original computes', () => {
  const programs = [
    'const a = 1, b = "x"; const o = { a, b, n: { a } }; o',
    'let a = 0, b = 0; const src = { a: 5 }; ({ a, b = 7 } = src as any); [a, b]',
    'const k = 3; const f = (x: number) => ({ x, k }); [f(1), f(2)]',
    'const a = 2; const o = { a, get g() { return this.a * 10; } }; [o.a, o.g]',
  ];
  for (const p of programs) assert.equal(run(expandShorthandProperties(p)), run(p), p);
});
