/**
 * scripts/mutation-child-coverage.cjs (mutation testing with CHILDREN=on): in a dry run, the
 * coverage counts of the processes a test file starts, and of the ones they start, are added to
 * the output file Stryker's hook writes for the test file. Here a stand-in for Stryker's hook
 * (loaded first, as the TAP runner loads its own) writes that file at exit; the processes record
 * counts chosen here, and the merged file must hold their sums, worked out by hand. Outside a dry
 * run the hook leaves everything alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../support/cli';
import { tmpDir } from '../support/tmp';

const HOOK = path.join(ROOT, 'scripts', 'mutation-child-coverage.cjs');

/** Stryker's hook as the TAP runner loads it: its namespace, and its output file written at exit. */
const STRYKER_STAND_IN = `
globalThis.__stryker__ = { mutantCoverage: { static: { '1': 1 }, perTest: {} } };
process.on('exit', () => require('fs').writeFileSync('stryker-output-' + process.pid + '.json', JSON.stringify(globalThis.__stryker__)));
`;

/** A node process that covers `counts` (as instrumented code would) and then runs `then`. */
const covering = (counts: Record<string, number>, then = ''): string =>
  `globalThis.__stryker__ = { mutantCoverage: { static: ${JSON.stringify(counts)}, perTest: {} } }; ${then}`;

/** Runs the "test file" with the stand-in and the hook preloaded; returns its output file's coverage. */
function runTestFile(dryRun: boolean): { static: Record<string, number> } {
  const dir = tmpDir('privlab-child-coverage-');
  fs.writeFileSync(path.join(dir, 'stand-in.cjs'), STRYKER_STAND_IN);
  // a child covering 1 and 7, whose own child covers 9; a second child covering 7 again; one that covers nothing
  const grandchild = covering({ '9': 1 });
  const child = covering({ '1': 2, '7': 3 }, `require('child_process').execFileSync(process.execPath, ['-e', ${JSON.stringify(grandchild)}]);`);
  const testFile = [child, covering({ '7': 4 }), '']
    .map((code) => `require('child_process').execFileSync(process.execPath, ['-e', ${JSON.stringify(code)}]);`)
    .join('\n');
  fs.writeFileSync(path.join(dir, 'file.test.js'), testFile);
  const env: NodeJS.ProcessEnv = { ...process.env, STRYKER_DRY_RUN: dryRun ? 'true' : 'false' };
  delete env.PRIVLAB_MUTATION_CHILD_COVERAGE;
  const r = spawnSync(process.execPath, ['-r', './stand-in.cjs', '-r', HOOK, 'file.test.js'], { cwd: dir, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const outputs = fs.readdirSync(dir).filter((f) => f.startsWith('stryker-output-'));
  assert.equal(outputs.length, 1, `one output file, the test file's: ${outputs}`);
  return JSON.parse(fs.readFileSync(path.join(dir, outputs[0]), 'utf8')).mutantCoverage;
}

test("dry run: the children's and grandchildren's counts are added to the test file's own", () => {
  // own 1 → 1; children: 1 → 2, 7 → 3 + 4; grandchild: 9 → 1
  assert.deepEqual(runTestFile(true).static, { '1': 3, '7': 7, '9': 1 });
});

test('a mutant run (not the dry run): the output file is left as Stryker wrote it', () => {
  assert.deepEqual(runTestFile(false).static, { '1': 1 });
});
