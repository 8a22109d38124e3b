#!/usr/bin/env bash
# Stryker's build command in each of its sandboxes (stryker.conf.json; Stryker runs one command
# without a shell, hence this file), run in the sandbox, .stryker-tmp/sandbox-*/:
# - node_modules: the project's, linked here (symlinkNodeModules is off: Stryker links it only after
#   the build, and the kernel's registration below checks for tslab in it);
# - compile;
# - register the kernel in the sandbox's own .jupyter/ (not copied from the project), pointing at the
#   sandbox's code, for the tests that run notebooks.
set -euo pipefail
[ -e node_modules ] || ln -s ../../node_modules node_modules
node node_modules/typescript/bin/tsc -p tsconfig.json
node dist/src/cli/main.js setup-kernel > /dev/null
