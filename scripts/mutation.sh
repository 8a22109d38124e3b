#!/usr/bin/env bash
# Mutation testing (StrykerJS with the TypeScript checker), per area of src/: a long job, run by
# hand or on a schedule, not in every test run.
#   bash scripts/mutation.sh prune quant metrics      # areas = folders of src/ (fhe/tfhe/compile works too)
# For each area, Stryker mutates src/AREA/**/*.ts and runs the area's tests (dist/test/AREA) for every
# mutant (the command runner over node:test). Reports: figures/mutation/AREA.json (the standard
# mutation-testing report) and figures/mutation/scores.json (score per area, merged across runs).
# A slow area can be run in parts: SKIP="feature-model gan-fid" leaves out src/AREA/NAME.ts and
# dist/test/AREA/NAME.test.js (each mutant runs the area's whole test command, so one 30 s test
# file makes an area take hours); the score is then recorded under "src/AREA (without …)".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
(($#)) || { echo "usage: bash scripts/mutation.sh AREA [AREA…]  (folders of src/, e.g. prune quant metrics fhe/tfhe/compile)" >&2; exit 2; }
out="figures/mutation"
mkdir -p "$out" .stryker-tmp
for area in "$@"; do
  [ -d "src/$area" ] || { echo "no folder src/$area" >&2; exit 2; }
  [ -d "test/$area" ] || { echo "no tests in test/$area for src/$area" >&2; exit 2; }
  name="${area//\//-}"
  conf=".stryker-tmp/stryker-$name.conf.json"
  node -e '
    const [area, name, out, conf, skip] = process.argv.slice(1);
    const skipped = skip.split(/\s+/).filter(Boolean);
    const base = JSON.parse(require("fs").readFileSync("stryker.conf.json", "utf8"));
    delete base._comment;
    base.mutate = [`src/${area}/**/*.ts`, ...skipped.map((f) => `!src/${area}/${f}.ts`)];
    const notSkipped = skipped.map((f) => `! -name ${f}.test.js`).join(" ");
    base.commandRunner = { command: `node --test $(find dist/test/${area} -name "*.test.js" ${notSkipped} | sort | tr "\\n" " ")` };
    base.jsonReporter = { fileName: `${out}/${name}.json` };
    require("fs").writeFileSync(conf, JSON.stringify(base, null, 2));
  ' "$area" "$name" "$out" "$conf" "${SKIP:-}"
  echo "== mutation testing src/$area" >&2
  node node_modules/@stryker-mutator/core/bin/stryker.js run "$conf"
  node -e '
    const fs = require("fs");
    const [name, area0, out, skip] = process.argv.slice(1);
    const area = skip.trim() ? `${area0} (without ${skip.trim().split(/\s+/).join(", ")})` : area0;
    const report = JSON.parse(fs.readFileSync(`${out}/${name}.json`, "utf8"));
    const n = {};
    for (const f of Object.values(report.files)) for (const m of f.mutants) n[m.status] = (n[m.status] ?? 0) + 1;
    const detected = (n.Killed ?? 0) + (n.Timeout ?? 0);
    const valid = detected + (n.Survived ?? 0) + (n.NoCoverage ?? 0);
    const file = `${out}/scores.json`;
    const scores = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    scores[`src/${area}`] = { score: valid ? Math.round((1000 * detected) / valid) / 10 : null, killed: n.Killed ?? 0, timeout: n.Timeout ?? 0, survived: n.Survived ?? 0, no_coverage: n.NoCoverage ?? 0, compile_errors: n.CompileError ?? 0, date: new Date().toISOString().slice(0, 10) };
    fs.writeFileSync(file, JSON.stringify(scores, null, 2) + "\n");
    console.log(JSON.stringify({ area: `src/${area}`, ...scores[`src/${area}`] }));
  ' "$name" "$area" "$out" "${SKIP:-}"
done
