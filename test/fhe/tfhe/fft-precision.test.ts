/**
 * The evaluator's negacyclic FFT product against exact integer arithmetic
 * (native/tfhe/tools/fft_check, built here from the addon's own sources): RMS error
 * bounds per size for every kernel set this CPU runs (AVX-512, AVX2, generic), and each
 * agreeing with the generic one within the bound fft_check derives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { tmpDir } from '../../support/tmp';
import { ROOT } from '../../support/cli';

const tools = path.join(ROOT, 'native', 'tfhe', 'tools');

test('FFT product precision: RMS error at N = 1024…4096 within bounds, every kernel set (AVX-512, AVX2, generic) agreeing', () => {
  const out = tmpDir();
  const build = spawnSync('bash', [path.join(tools, 'build.sh'), out, 'fft_check'], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  for (const [n, baseLog, maxRmsBits] of [
    [1024, 23, 38.5],
    [2048, 23, 39],
    [4096, 23, 39.5],
    [2048, 15, 31],
  ]) {
    const r = spawnSync(path.join(out, 'fft_check'), [String(n), String(baseLog), '8'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `N=${n} B=${baseLog}: ${r.stdout}${r.stderr}`);
    const rms = [...r.stdout.matchAll(/rms error 2\^([\d.]+)/g)].map((m) => Number(m[1]));
    assert.ok(rms.length >= 1, r.stdout);
    // Each bit of digit width adds a bit of error; 2^39 at N = 2048, B = 23 is 2^-25 of the torus.
    for (const bits of rms) assert.ok(bits > maxRmsBits - 6 && bits < maxRmsBits, `N=${n} B=${baseLog}: RMS 2^${bits}, bound 2^${maxRmsBits}`);
  }
});
