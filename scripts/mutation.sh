#!/usr/bin/env bash
# Mutation testing (StrykerJS with the TypeScript checker), per area of src/: a long job, run by
# hand or on a schedule, not in every test run.
#   bash scripts/mutation.sh prune quant metrics      # areas = folders of src/ (fhe/tfhe/compile works too)
# For each area, Stryker mutates src/AREA/**/*.ts and runs the area's compiled tests
# (dist/test/AREA/**/*.test.js) with the TAP runner: each test file is run as `node FILE`, the dry
# run records which files reach which mutant, and a mutant then runs only the files that reach it
# (a mutant no file reaches is NoCoverage). Reports: figures/mutation/AREA.json (the standard
# mutation-testing report) and figures/mutation/scores.json (score per area, merged across runs).
# Environment:
#   TESTS="data cli"   also run the tests of test/data and test/cli (code of src/AREA that only other
#                      areas' tests reach); the score is recorded under "src/AREA (tests: …)". An
#                      entry may also name one file: TESTS="nn/cli" adds test/nn/cli.test.ts.
#   SKIP="feature-model gan-fid"  leave out src/AREA/NAME.ts and dist/test/AREA/NAME.test.js (a slow
#                      file); the score is recorded under "src/AREA (without …)".
#   SKIP_TESTS="exercises/grade"  leave out these test files (test/NAME.test.ts) but keep mutating
#                      all of src/AREA: for a test file too slow to run per mutant (one that
#                      executes every notebook), when in-process tests cover the same code; mutants
#                      only it reached then count as NoCoverage. Recorded as "(without tests: …)".
#   CONCURRENCY=1      Stryker's worker count (default: stryker.conf.json).
#   INCREMENTAL=0      run every mutant; by default Stryker's incremental mode reuses the results
#                      of mutants whose code and covering tests did not change since the last run
#                      (kept in figures/mutation/AREA.incremental.json, written by every run).
#   RUNNER=command     the command runner instead (every mutant runs the whole test command; slow,
#                      kept to compare against).
#   COVERAGE=off       the TAP runner without coverage analysis: every mutant runs every test file
#                      of the area until one fails. For areas whose tests reach the code through
#                      child processes (the CLI, the kernel): a child inherits the active mutant
#                      (Stryker passes it in the environment) but reports no coverage, so with
#                      perTest those mutants would count as NoCoverage without being run.
#   CHILDREN=on        the dry run also counts the coverage of the processes the tests start (the
#                      CLI, benchmarks, kernels: scripts/mutation-child-coverage.cjs), so a mutant
#                      in code that only children run is run with the test files that reach it
#                      instead of counting as NoCoverage; faster than COVERAGE=off, which runs every
#                      test file for every mutant.
#   SAMPLE=300         test a seeded simple random sample of the area's mutants instead of all of
#                      them (bench/mutation-sample.ts; SAMPLE_SEED=1 by default): the score is then an
#                      estimate with its 95 % interval, recorded under "src/AREA (sample of 300, seed 1)".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
(($#)) || { echo "usage: bash scripts/mutation.sh AREA [AREA…]  (folders of src/, e.g. prune quant metrics fhe/tfhe/compile)" >&2; exit 2; }
out="figures/mutation"
mkdir -p "$out" .stryker-tmp
for area in "$@"; do
  [ -d "test/$area" ] || { echo "no tests in test/$area" >&2; exit 2; }
done
for t in ${SKIP_TESTS:-}; do
  [ -f "test/$t.test.ts" ] || { echo "SKIP_TESTS: no file test/$t.test.ts" >&2; exit 2; }
done
for t in ${TESTS:-}; do
  [ -d "test/$t" ] || [ -f "test/$t.test.ts" ] || { echo "TESTS: neither a folder test/$t nor a file test/$t.test.ts" >&2; exit 2; }
done
# Compile here first: Stryker copies dist/ into its sandbox (its own build there is then incremental),
# and incremental mode compares the compiled test files with those of the last run.
node node_modules/typescript/bin/tsc -p tsconfig.json
for area in "$@"; do
  [ -d "src/$area" ] || { echo "no folder src/$area" >&2; exit 2; }
  # The key under which the score is kept, and the file names derived from it.
  key="src/$area"
  [ -n "${SKIP:-}" ] && key="$key (without $(echo $SKIP | sed 's/ /, /g'))"
  [ -n "${TESTS:-}" ] && key="$key (tests: $(echo $TESTS | sed 's/ /, /g'))"
  [ -n "${SKIP_TESTS:-}" ] && key="$key (without tests: $(echo $SKIP_TESTS | sed 's/ /, /g'))"
  [ "${RUNNER:-tap}" = command ] && key="$key [command runner]"
  [ "${COVERAGE:-perTest}" = off ] && key="$key [every test file per mutant]"
  [ "${CHILDREN:-off}" = on ] && key="$key [with child processes' coverage]"
  [ -n "${SAMPLE:-}" ] && key="$key (sample of $SAMPLE, seed ${SAMPLE_SEED:-1})"
  name="$(echo "${area}${SKIP:+-without-$SKIP}${TESTS:+-tests-$TESTS}${SKIP_TESTS:+-without-tests-$SKIP_TESTS}" | tr ' /' '--')"
  [ "${RUNNER:-tap}" = command ] && name="$name-command"
  [ "${COVERAGE:-perTest}" = off ] && name="$name-allfiles"
  [ "${CHILDREN:-off}" = on ] && name="$name-children"
  [ -n "${SAMPLE:-}" ] && name="$name-sample$SAMPLE-seed${SAMPLE_SEED:-1}"
  conf=".stryker-tmp/stryker-$name.conf.json"
  plan=""
  if [ -n "${SAMPLE:-}" ]; then
    # The sample is drawn from every mutant of the area's files (less SKIP); the checker plugin keeps
    # the others out of the type check and the test runs.
    plan="$ROOT/$out/$name.plan.json"
    node dist/bench/mutation-sample.js plan --size "$SAMPLE" --seed "${SAMPLE_SEED:-1}" --skip "${SKIP:-}" "src/$area" > "$plan"
  fi
  node -e '
    const fs = require("fs");
    const [area, name, out, conf, skip, tests, runner, concurrency, incremental, plan, coverage, children, skipTests] = process.argv.slice(1);
    const skipped = skip.split(/\s+/).filter(Boolean);
    const testDirs = [area, ...tests.split(/\s+/).filter(Boolean)];
    const base = JSON.parse(fs.readFileSync("stryker.conf.json", "utf8"));
    delete base._comment;
    base.mutate = [`src/${area}/**/*.ts`, ...skipped.map((f) => `!src/${area}/${f}.ts`)];
    const isFile = (d) => fs.existsSync(`test/${d}.test.ts`) && !fs.existsSync(`test/${d}`);
    // The test files, listed here rather than as globs: the glob of the TAP runner takes no "!" patterns
    // (a "!…" entry matched nothing, so the files of SKIP and SKIP_TESTS ran all the same).
    const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${d}/${e.name}`) : e.name.endsWith(".test.js") ? [`${d}/${e.name}`] : []));
    const left = new Set(skipTests.split(/\s+/).filter(Boolean).map((t) => `dist/test/${t}.test.js`));
    const skippedFile = (f) => skipped.some((s) => f.startsWith(`dist/test/${area}/`) && f.endsWith(`/${s}.test.js`));
    const testFiles = [...new Set(testDirs.flatMap((d) => (isFile(d) ? [`dist/test/${d}.test.js`] : walk(`dist/test/${d}`))))]
      .filter((f) => !left.has(f) && !skippedFile(f))
      .sort();
    if (runner === "command") {
      base.testRunner = "command";
      base.coverageAnalysis = "off";
      base.commandRunner = { command: `node --test ${testFiles.join(" ")}` };
    } else {
      base.testRunner = "tap";
      base.coverageAnalysis = coverage === "off" ? "off" : "perTest";
      base.tap = { testFiles, nodeArgs: ["-r", "./scripts/mutation-reap-children.cjs"], forceBail: true };
      if (children === "on") base.tap.nodeArgs.push("-r", "./scripts/mutation-child-coverage.cjs");
    }
    if (concurrency) base.concurrency = Number(concurrency);
    if (plan) {
      base.checkers = ["sample", ...base.checkers];
      base.appendPlugins = ["./scripts/mutation-sample-checker.mjs"];
    }
    base.incremental = true;
    base.force = incremental === "0";
    base.incrementalFile = `${out}/${name}.incremental.json`;
    base.jsonReporter = { fileName: `${out}/${name}.json` };
    fs.writeFileSync(conf, JSON.stringify(base, null, 2));
  ' "$area" "$name" "$out" "$conf" "${SKIP:-}" "${TESTS:-}" "${RUNNER:-tap}" "${CONCURRENCY:-}" "${INCREMENTAL:-1}" "$plan" "${COVERAGE:-perTest}" "${CHILDREN:-off}" "${SKIP_TESTS:-}"
  echo "== mutation testing $key" >&2
  # Wall-clock and CPU minutes of the Stryker run (CPU: user + system of it and its children, the
  # figure that says what an area costs on a shared machine, where wall time depends on the load).
  start=$(date +%s)
  times > .stryker-tmp/times  # (in this shell: a $(times) subshell would report its own zero times)
  cpu0=$(tail -1 .stryker-tmp/times)
  PRIVLAB_MUTATION_SAMPLE="$plan" node node_modules/@stryker-mutator/core/bin/stryker.js run "$conf"
  times > .stryker-tmp/times
  cpu1=$(tail -1 .stryker-tmp/times)
  minutes=$(node -e '
    const s = (t) => t.split(/\s+/).reduce((a, x) => { const [, m, sec] = /(\d+)m([\d.]+)s/.exec(x); return a + 60 * +m + +sec; }, 0);
    const [start, cpu0, cpu1] = process.argv.slice(1);
    const wall = Date.now() / 1000 - Number(start);
    console.log(`${Math.round(wall / 6) / 10} ${Math.round((s(cpu1) - s(cpu0)) / 6) / 10}`);
  ' "$start" "$cpu0" "$cpu1")
  node -e '
    const fs = require("fs");
    const [name, key, out, minutes, runner, incremental, plan] = process.argv.slice(1);
    const [wall, cpu] = minutes.split(" ").map(Number);
    const report = `${out}/${name}.json`;
    // The counts and score of bench/mutation-sample.ts: of the sample alone, with its interval, or of every mutant.
    const args = plan ? ["score", plan, report] : ["tally", report];
    const { valid, ...counts } = JSON.parse(require("child_process").execFileSync("node", ["dist/bench/mutation-sample.js", ...args], { encoding: "utf8" }));
    const file = `${out}/scores.json`;
    const scores = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    scores[key] = {
      ...counts,
      runner,
      all_mutants_run: incremental === "0",
      minutes: wall,
      cpu_minutes: cpu,
      date: new Date().toISOString().slice(0, 10),
      commit: require("child_process").execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim(),
    };
    fs.writeFileSync(file, JSON.stringify(scores, null, 2) + "\n");
    console.log(JSON.stringify({ area: key, ...scores[key] }));
  ' "$name" "$key" "$out" "$minutes" "${RUNNER:-tap}${COVERAGE:+ (coverage analysis: $COVERAGE)}" "${INCREMENTAL:-1}" "$plan"
done
