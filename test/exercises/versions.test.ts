/**
 * The generated exercise notebooks: the committed solution and student versions are exactly what
 * their sources generate (privlab notebooks build --check covers them), `privlab exercises release`
 * writes the same student versions elsewhere, and both versions of every exercise pass the
 * TypeScript compiler with the notebook sources' settings (the student version with its stubs).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privlab, ROOT } from '../support/cli';
import { tmpDir } from '../support/tmp';
import { buildExercises, exerciseName, exerciseSources, readExercise, versionCells } from '../../src/exercises/build';
import { toPercent } from '../../src/jupyter/notebook-source';

const DIR = path.join(ROOT, 'notebooks', 'exercises');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const sources = exerciseSources(DIR);

test('every exercise has a committed solution and student version, exactly as its source generates them', () => {
  assert.ok(sources.length >= 3, `${sources.length} exercise sources`);
  const results = buildExercises(DIR, { check: true });
  assert.equal(results.length, 2 * sources.length);
  assert.deepEqual(
    results.filter((r) => r.status !== 'same').map((r) => path.relative(ROOT, r.ipynb)),
    [],
    'run privlab notebooks build',
  );
  for (const s of sources) {
    const student = JSON.parse(fs.readFileSync(path.join(DIR, 'student', `${exerciseName(s)}.ipynb`), 'utf8'));
    assert.deepEqual(student.metadata.privlab, { exercise: exerciseName(s), version: 'student' });
    const code = student.cells.map((c: { source: string }) => c.source).join('\n');
    assert.match(code, /\/\/ YOUR CODE HERE\n\s*throw new NotImplementedError\("\w+"\);/);
    assert.doesNotMatch(code, /SOLUTION/, `${exerciseName(s)}: no marker left`);
  }
});

test('privlab notebooks build --check fails when a committed version differs from its source', () => {
  const dir = tmpDir('privlab-exbuild-');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'exercises', 'src'), { recursive: true });
  const s = sources[0];
  fs.copyFileSync(s, path.join(dir, 'exercises', 'src', path.basename(s)));
  fs.copyFileSync(path.join(ROOT, 'notebooks', 'src', '00-quickstart.ts'), path.join(dir, 'src', '00-quickstart.ts'));
  const build = privlab(['notebooks', 'build', '--dir', dir]);
  assert.equal(build.status, 0, build.stderr);
  const student = path.join(dir, 'exercises', 'student', `${exerciseName(s)}.ipynb`);
  assert.equal(fs.readFileSync(student, 'utf8'), fs.readFileSync(path.join(DIR, 'student', `${exerciseName(s)}.ipynb`), 'utf8'));
  fs.writeFileSync(student, fs.readFileSync(student, 'utf8').replace('YOUR CODE HERE', 'an edit by hand'));
  const check = privlab(['notebooks', 'build', '--check', '--dir', dir]);
  assert.equal(check.status, 1, check.stdout + check.stderr);
  assert.match(check.stdout, new RegExp(`student/${exerciseName(s)}\\.ipynb: differs from its source`));
  assert.match(check.stdout, /solutions\/.*: up to date/);
});

test('privlab exercises release --out DIR writes the student versions', () => {
  const out = path.join(tmpDir('privlab-release-'), 'handout');
  fs.mkdirSync(out);
  const r = privlab(['exercises', 'release', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  for (const s of sources) {
    const name = `${exerciseName(s)}.ipynb`;
    assert.equal(fs.readFileSync(path.join(out, name), 'utf8'), fs.readFileSync(path.join(DIR, 'student', name), 'utf8'), name);
  }
  assert.equal(privlab(['exercises', 'release', '--out', '/nonexistent/x']).status, 1);
});

test('both versions of every exercise pass the TypeScript compiler (notebooks/exercises/src/tsconfig.json)', () => {
  // Inside the checkout, so that the sources' imports (node-tfhe, privlab/kernel-ext) resolve as in notebooks/.
  fs.mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, '.cache', 'exercise-tsc-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.join(DIR, 'src', 'tsconfig.json'), include: ['*.ts'] }));
  for (const s of sources) {
    const ex = readExercise(s);
    for (const v of ['solution', 'student'] as const) fs.writeFileSync(path.join(dir, `${exerciseName(s)}.${v}.ts`), toPercent(versionCells(ex, v)));
  }
  const ok = spawnSync(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // The same compile does reject a type error.
  const bad = toPercent([{ type: 'code', source: 'import * as lab from "privlab/kernel-ext";\nconst n: number = lab.exercises.exampleWeights(3, 1);' }]);
  fs.writeFileSync(path.join(dir, 'zz-bad.ts'), bad);
  const fails = spawnSync(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(fails.status, 2);
  assert.match(fails.stdout, /zz-bad\.ts\(3,7\): error TS2322/);
});
