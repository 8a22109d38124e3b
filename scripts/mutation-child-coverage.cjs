// Preloaded (node -r) into every test file of a mutation job's dry run when scripts/mutation.sh runs
// with CHILDREN=on, and through NODE_OPTIONS into every node process those tests start (the CLI,
// benchmarks, kernels, FL sites), and theirs.
//
// Why: Stryker's TAP runner learns which test files reach which mutant from the coverage the test
// file's own process reports at exit (its hook writes stryker-output-<pid>.json). Code that runs
// only in a child process (a CLI command a test spawns) reports nothing, so its mutants count as
// NoCoverage and are never run, although the child would run them: it inherits the active mutant
// from the environment. COVERAGE=off works around that by running every test file for every
// mutant, which is slow. This hook instead collects the children's coverage and adds it to the
// test file's, so the dry run's per-file coverage includes what the file reached through children.
//
// Each child writes its coverage at exit to a folder named in the environment; the test file's
// process, at its own exit (after Stryker's hook has written its output file: that hook is loaded
// first, so its exit listener runs first), adds the children's counts to that file. A child killed
// by a signal it does not handle reports nothing: such coverage is lost, never invented.
// Mutant runs (not the dry run) need none of this and the hook then does nothing.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const FOLDER = 'PRIVLAB_MUTATION_CHILD_COVERAGE';
const namespace = process.env.STRYKER_NAMESPACE || '__stryker__';

/** The counts of one process's coverage object ({ static, perTest }), all in one map. */
function flatten(coverage, into) {
  const add = (counts) => {
    for (const [id, n] of Object.entries(counts || {})) into[id] = (into[id] || 0) + n;
  };
  if (!coverage) return into;
  add(coverage.static);
  for (const counts of Object.values(coverage.perTest || {})) add(counts);
  return into;
}

if (process.env.STRYKER_DRY_RUN === 'true') {
  if (process.env[FOLDER]) {
    // A process a test started (or one it started in turn).
    const folder = process.env[FOLDER];
    process.on('exit', () => {
      const counts = flatten(globalThis[namespace] && globalThis[namespace].mutantCoverage, {});
      if (Object.keys(counts).length === 0) return;
      try {
        fs.writeFileSync(path.join(folder, `${process.pid}.json`), JSON.stringify(counts));
      } catch {
        // the test file's process has ended and removed the folder: nothing to add to
      }
    });
  } else {
    // The test file's process.
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'stryker-children-'));
    process.env[FOLDER] = folder;
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS || ''} --require ${JSON.stringify(__filename)}`.trim();
    process.on('exit', () => {
      const output = `stryker-output-${process.pid}.json`;
      try {
        const report = JSON.parse(fs.readFileSync(output, 'utf8'));
        const coverage = (report.mutantCoverage ??= { static: {}, perTest: {} });
        coverage.static ??= {};
        for (const file of fs.readdirSync(folder)) {
          flatten({ static: JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8')) }, coverage.static);
        }
        fs.writeFileSync(output, JSON.stringify(report));
      } finally {
        fs.rmSync(folder, { recursive: true, force: true });
      }
    });
  }
}
