#!/usr/bin/env bash
# The test suite: every compiled test file under dist/test, with node's test runner.
# Extra arguments go to node --test (e.g. --test-name-pattern=idx).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Formatting first: Prettier, as configured in .prettierrc.json (fix with --write instead of --check).
if ! node node_modules/prettier/bin/prettier.cjs --check --log-level warn "src/**/*.ts" "test/**/*.ts" "bench/**/*.ts" "kernel-ext/**/*.ts"; then
  echo "formatting: the files above differ from Prettier's format; run the same command with --write" >&2
  exit 1
fi
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if ((${#files[@]} == 0)); then echo "no test files under dist/test" >&2; exit 1; fi
# Test files at a time: node's default, one less than the cores, but at least two. Many files wait on
# child processes, servers and browsers, so on 2 cores a second file fills the gaps (the suite took
# 1,316-1,347 s so, against 2,306-2,479 s one at a time); PRIVLAB_TEST_CONCURRENCY=1 runs them one by one.
cores=$(nproc 2>/dev/null || echo 2)
exec node --test --test-concurrency="${PRIVLAB_TEST_CONCURRENCY:-$((cores > 2 ? cores - 1 : 2))}" --test-reporter=spec "$@" "${files[@]}"
