/**
 * Notebook sources that are code (notebooks/src/*.ts, jupytext's percent format): every committed
 * notebook is exactly what its source generates, the sources pass the TypeScript compiler, the
 * percent reader follows jupytext's rules, the .ipynb text is Python's json.dump (checked against
 * the system python3), and the one-off converter turns a Python-made notebook into a source.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privlab, ROOT } from '../support/cli';
import { tmpDir } from '../support/tmp';
import { buildNotebooks, notebooksWithoutSource } from '../../src/jupyter/notebook-build';
import { idPrefix, notebookCells, notebookJson, parsePercent, pythonJson, SourceCell, toPercent } from '../../src/jupyter/notebook-source';

const NOTEBOOKS = path.join(ROOT, 'notebooks');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const python = (code: string, input: string): string => {
  const r = spawnSync('/usr/bin/python3', ['-c', code], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

test('every committed notebook has a percent source and is exactly the notebook it generates', () => {
  assert.deepEqual(
    notebooksWithoutSource(NOTEBOOKS).map((f) => path.relative(ROOT, f)),
    [],
    'notebooks without a source in notebooks/src: convert them with node scripts/ipynb-to-percent.js NOTEBOOK.ipynb',
  );
  const results = buildNotebooks(NOTEBOOKS, { check: true });
  assert.ok(results.length >= 7, `${results.length} sources`);
  const differ = results.filter((r) => r.status !== 'same').map((r) => path.relative(ROOT, r.ipynb));
  assert.deepEqual(differ, [], 'these differ from their sources: run privlab notebooks build');
});

test('privlab notebooks build --check fails on a notebook edited by hand, and build rewrites it', () => {
  const dir = tmpDir('privlab-nbsrc-');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.copyFileSync(path.join(NOTEBOOKS, 'src', '00-quickstart.ts'), path.join(dir, 'src', '00-quickstart.ts'));
  const committed = fs.readFileSync(path.join(NOTEBOOKS, '00-quickstart.ipynb'), 'utf8');
  fs.writeFileSync(path.join(dir, '00-quickstart.ipynb'), committed.replace('seed: 42', 'seed: 43'));
  const check = privlab(['notebooks', 'build', '--check', '--dir', dir]);
  assert.equal(check.status, 1, check.stdout + check.stderr);
  assert.match(check.stdout, /00-quickstart\.ipynb: differs from its source/);
  const build = privlab(['notebooks', 'build', '--dir', dir]);
  assert.equal(build.status, 0, build.stderr);
  assert.equal(fs.readFileSync(path.join(dir, '00-quickstart.ipynb'), 'utf8'), committed);
  assert.equal(privlab(['notebooks', 'build', '--check', '--dir', dir]).status, 0);
});

test('the notebook sources pass the TypeScript compiler (notebooks/src/tsconfig.json), which does reject a type error', () => {
  const ok = spawnSync(process.execPath, [TSC, '-p', path.join(NOTEBOOKS, 'src', 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // The same settings on a source with top-level await and one wrong type: only the wrong type is reported.
  const dir = tmpDir('privlab-nbtsc-');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.join(NOTEBOOKS, 'src', 'tsconfig.json'), include: ['*.ts'] }));
  fs.writeFileSync(
    path.join(dir, '99-bad.ts'),
    toPercent([
      { type: 'code', source: 'import * as lab from "privlab/kernel-ext";\nconst summary = lab.summary("x");\nawait Promise.resolve(1);' },
      { type: 'code', source: 'summary.set("k", true);' },
    ]),
  );
  const bad = spawnSync(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  const errors = bad.stdout.trim().split('\n');
  assert.equal(errors.length, 1, bad.stdout);
  assert.match(errors[0], /99-bad\.ts\(7,18\): error TS2345: Argument of type 'boolean' is not assignable to parameter of type 'string \| number'/);
});

const TRICKY: SourceCell[] = [
  { type: 'markdown', source: '# Title ÷ ε ≥ 5 %\n\n  indented line\n- a list' },
  { type: 'code', source: 'const a = 1;\n\n\nconst b = `template\n// not a marker here`;' },
  { type: 'code', source: '' },
  { type: 'markdown', source: '' },
  { type: 'code', source: '\nconst leading = "blank line first";' },
  { type: 'markdown', source: 'ends with a newline\n' },
];

test('percent round trip: cells → text → the same cells, with one blank line between cells', () => {
  const text = toPercent(TRICKY);
  assert.deepEqual(parsePercent(text), TRICKY);
  assert.ok(text.startsWith('// %% [markdown]\n// # Title ÷ ε ≥ 5 %\n//\n//   indented line\n'), text);
  assert.ok(text.includes('\n\n// %%\n\n// %% [markdown]\n//\n\n// %%\n\nconst leading'), text);
  assert.ok(text.endsWith('// ends with a newline\n//\n'));
});

test("percent reader: jupytext's rules for markers, separators and comment prefixes", () => {
  const text = ['', '//%% [md]', '// one', '//two (no space after the comment)', '', '', '  //  %%', 'x = 1', '', '', '', '// %%', 'y = 2'].join('\n');
  assert.deepEqual(parsePercent(text), [
    { type: 'markdown', source: 'one\ntwo (no space after the comment)' },
    // Three blank lines: only one is the separator (jupytext cuts two only when there are exactly two).
    { type: 'code', source: 'x = 1\n\n' },
    { type: 'code', source: 'y = 2' },
  ]);
  assert.throws(() => parsePercent('const early = 1;\n// %%\nx', 'f.ts'), /f\.ts:1: content before the first "\/\/ %%" cell marker/);
  assert.throws(() => parsePercent('// %% A title\nx', 'f.ts'), /f\.ts:1: unsupported cell marker "\/\/ %% A title"/);
  assert.throws(() => parsePercent('// %% [raw]\nx', 'f.ts'), /unsupported cell marker/);
  assert.throws(() => parsePercent('// %%% sub\nx', 'f.ts'), /sub-cell marker/);
  assert.throws(() => parsePercent('// %% [markdown]\n// fine\nnot a comment', 'f.ts'), /f\.ts:3: a markdown cell line must be a "\/\/ " comment/);
  assert.throws(() => toPercent([{ type: 'code', source: 'a\n// %% oops' }], 'n'), /n: cell 1: line 2 would read as a cell marker/);
  assert.throws(() => toPercent([{ type: 'markdown', source: '%% oops' }], 'n'), /would read as a cell marker/);
  assert.throws(() => toPercent([{ type: 'code', source: 'a\n' }], 'n'), /ends with a blank line/);
  assert.throws(() => toPercent([{ type: 'code', source: '  ' }], 'n'), /ends with a blank line/);
});

test("the .ipynb text is Python's json.dumps(indent=1) of the notebook, byte for byte", () => {
  const value = { s: 'ASCII "quoted" \\ / \t\n\u0001 \u007f é ÷ ≥ 😀 \u2028', n: null, e: [], o: {}, nested: [{ a: 1, b: [true, false] }] };
  const py = python('import json, sys; sys.stdout.write(json.dumps(json.load(sys.stdin), indent=1))', JSON.stringify(value));
  assert.equal(pythonJson(value), py);
  const nb = notebookJson(TRICKY, 'tricky');
  const again = python('import json, sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), indent=1))', nb);
  assert.equal(nb, again);
  const parsed = JSON.parse(nb);
  assert.deepEqual(
    parsed.cells.map((c: { id: string }) => c.id),
    TRICKY.map((_, i) => `tricky-0${i}`),
  );
  assert.deepEqual(notebookCells(nb), TRICKY);
  assert.equal(parsed.metadata.kernelspec.name, 'privlab');
});

test('cell ids come from the file name without its number', () => {
  assert.equal(idPrefix('notebooks/src/03-fhe-inference.ts'), 'fhe-inference');
  assert.equal(idPrefix('06-x_y.ipynb'), 'x_y');
  assert.throws(() => idPrefix('07-a b.ts'), RangeError);
});

test('scripts/ipynb-to-percent.js converts a Python-made notebook into a source that builds the same cells', () => {
  const dir = tmpDir('privlab-topercent-');
  const cells = [
    { cell_type: 'markdown', metadata: {}, source: '# A new notebook\nWith text ÷.', id: 'new-00' },
    { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: 'import * as lab from "privlab/kernel-ext";\nconst x = 1;', id: 'new-01' },
  ];
  const nb = { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 };
  const ipynb = path.join(dir, '06-new-one.ipynb');
  fs.writeFileSync(ipynb, python('import json, sys; sys.stdout.write(json.dumps(json.load(sys.stdin), indent=1))', JSON.stringify(nb)));
  const script = path.join(ROOT, 'scripts', 'ipynb-to-percent.js');
  const r = spawnSync(process.execPath, [script, ipynb], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const source = path.join(dir, 'src', '06-new-one.ts');
  assert.equal(
    fs.readFileSync(source, 'utf8'),
    '// %% [markdown]\n// # A new notebook\n// With text ÷.\n\n// %%\nimport * as lab from "privlab/kernel-ext";\nconst x = 1;\n',
  );
  const [built] = buildNotebooks(dir);
  assert.equal(built.status, 'written', 'ids and metadata are the generated ones now');
  assert.deepEqual(
    notebookCells(fs.readFileSync(ipynb, 'utf8')),
    cells.map((c) => ({ type: c.cell_type, source: c.source })),
  );
  const again = spawnSync(process.execPath, [script, ipynb], { encoding: 'utf8' });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /06-new-one\.ts exists: not overwritten/);
  // --force: edits made to the notebook (as in Jupyter) are taken back into the source.
  fs.writeFileSync(ipynb, fs.readFileSync(ipynb, 'utf8').replace('const x = 1;', 'const x = 2;'));
  const forced = spawnSync(process.execPath, [script, '--force', ipynb], { encoding: 'utf8' });
  assert.equal(forced.status, 0, forced.stderr);
  assert.match(fs.readFileSync(source, 'utf8'), /const x = 2;\n$/);
  assert.equal(buildNotebooks(dir, { check: true })[0].status, 'same');
});

test("reading a .ipynb's cells: Jupyter's line lists joined as they are; what has no percent form named by its 1-based cell", () => {
  const nb = (cells: unknown[]): string => JSON.stringify({ cells, metadata: {} });
  assert.deepEqual(
    notebookCells(
      nb([
        { cell_type: 'markdown', metadata: {}, source: ['# Title\n', 'text'] },
        { cell_type: 'code', source: ['a = 1\n', '\n', 'b = 2'] },
        { cell_type: 'code', metadata: {}, source: [] },
      ]),
    ),
    [
      { type: 'markdown', source: '# Title\ntext' },
      { type: 'code', source: 'a = 1\n\nb = 2' },
      { type: 'code', source: '' },
    ],
  );
  const code = { cell_type: 'code', metadata: {}, source: 'x' };
  assert.throws(() => notebookCells(nb([code, { cell_type: 'raw', source: 'r' }]), 'n.ipynb'), {
    message: 'n.ipynb: cell 2: cell type "raw" has no percent form here (code or markdown)',
  });
  assert.throws(() => notebookCells(nb([code, code, { ...code, metadata: { tags: ['x'] } }]), 'n.ipynb'), {
    message: 'n.ipynb: cell 3: cell metadata {"tags":["x"]} is not kept in the percent source',
  });
  assert.throws(() => notebookCells(nb([{ ...code, source: 5 }]), 'n.ipynb'), { message: 'n.ipynb: cell 1: source is not text' });
  assert.throws(() => notebookCells('{"cells": {}}', 'n.ipynb'), { message: 'n.ipynb: not a notebook (no cells array)' });
  assert.throws(() => notebookCells('{', 'n.ipynb'), /^Error: n\.ipynb: not JSON: /);
});

test('notebooks without a source: the .ipynb files of DIR whose name has no DIR/src/NAME.ts (a declaration file is no source)', () => {
  const dir = tmpDir('privlab-nosource-');
  fs.mkdirSync(path.join(dir, 'src'));
  for (const f of ['src/01-a.ts', 'src/03-c.d.ts', '01-a.ipynb', '02-b.ipynb', '03-c.ipynb', 'notes.txt', '04-d.ipynb.orig'])
    fs.writeFileSync(path.join(dir, f), '');
  assert.deepEqual(notebooksWithoutSource(dir), [path.join(dir, '02-b.ipynb'), path.join(dir, '03-c.ipynb')]);
});
