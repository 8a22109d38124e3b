import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { intOption, numberOption, UsageError } from '../../src/cli/command';

test('intOption and numberOption: absent is undefined; bad values are usage errors naming the option', () => {
  assert.equal(intOption('epochs', undefined, 1), undefined);
  assert.equal(intOption('epochs', '0', 0), 0);
  assert.equal(intOption('epochs', '12', 1), 12);
  for (const bad of ['0', '-3', '2.5', 'x', '', 'Infinity']) {
    assert.throws(
      () => intOption('epochs', bad, 1),
      (e: Error) => e instanceof UsageError && e.message === `--epochs must be an integer ≥ 1, got "${bad}"`,
    );
  }
  assert.equal(
    numberOption('p', '0.5', (n) => n > 0 && n < 1, 'in (0, 1)'),
    0.5,
  );
  assert.throws(() => numberOption('p', '1', (n) => n > 0 && n < 1, 'in (0, 1)'), /--p must be in \(0, 1\), got "1"/);
});

test('privlab bench: a bad option exits 2 before any work, for every benchmark that takes integers', () => {
  const bin = path.join(__dirname, '..', '..', '..', 'bin', 'privlab');
  for (const [name, opt] of [
    ['gan-compression', '--epochs'],
    ['fhe-gan', '--images'],
    ['fhe-mnist', '--execute-samples'],
    ['train-step', '--steps'],
    ['qat-step', '--rounds'],
    ['fl-overhead', '--steps'],
    ['fhe-sklearn', '--threads'],
    ['zama-table', '--execute-samples'],
    ['zama-table', '--filters'],
    ['zama-table', '--dense'],
  ]) {
    const r = spawnSync(process.execPath, [bin, 'bench', name, opt, '0'], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${opt} must be an integer ≥ 1, got "0"`));
  }
});
