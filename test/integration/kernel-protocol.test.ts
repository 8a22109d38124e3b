/** The registered kernel passes Debian's jupyter_kernel_test suite (test/kernel/test_privlab_kernel.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { jupyterEnv, systemPython } from '../../src/jupyter/env';
import { ROOT } from '../support/cli';

test('jupyter_kernel_test: execute, errors, completion, inspection, is_complete, display data', () => {
  const r = spawnSync(systemPython(), [path.join('test', 'kernel', 'test_privlab_kernel.py'), '-v'], {
    cwd: ROOT,
    env: jupyterEnv(),
    encoding: 'utf8',
    timeout: 300_000,
  });
  const report = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, report);
  assert.match(r.stderr, /^OK/m, report);
  // Every suite test ran: none was skipped for want of a sample.
  for (const name of [
    'test_execute_stdout',
    'test_execute_stderr',
    'test_error',
    'test_completion',
    'test_inspect',
    'test_is_complete',
    'test_display_data',
    'test_kernel_info',
  ]) {
    assert.match(r.stderr, new RegExp(`${name} .* \\.\\.\\. ok`), `${name} did not pass:\n${report}`);
  }
});
