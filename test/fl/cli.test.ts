/** `privlab fl` refuses bad arguments (exit 2) and unusable files (exit 1) with a message naming the problem. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newTokens, writeTokens } from '../../src/fl';
import { privlab } from '../support/cli';
import { tmpDir } from '../support/tmp';

const dir = tmpDir('privlab-fl-cli-');

test('bad arguments exit 2 with the reason', () => {
  const cases: [string[], RegExp][] = [
    [['fl'], /unknown fl subcommand/],
    [['fl', 'server', '--checkpoint', 'x'], /needs --sites-file/],
    [['fl', 'run', '--local-steps', '2', '--local-epochs', '1'], /not both/],
    [['fl', 'run', '--policy', 'nope'], /--policy must be one of none/],
    [['fl', 'run', '--rounds', '0'], /--rounds must be an integer ≥ 1/],
    [['fl', 'run', '--config', '{"localSteps":{"n":1}}'], /--config "localSteps" must be a number, string or boolean/],
    [['fl', 'site', '--server', 'http://127.0.0.1:9', '--site', 'a', '--shard', dir], /PRIVLAB_FL_TOKEN/],
  ];
  for (const [args, re] of cases) {
    const r = privlab(args, { PRIVLAB_FL_TOKEN: '' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('a corrupt checkpoint or sites file stops the server with exit 1, naming the file', () => {
  const sites = path.join(dir, 'sites.json');
  writeTokens(sites, newTokens(['site-1']));
  const ckpt = path.join(dir, 'server.ckpt');
  fs.writeFileSync(ckpt, 'PLFL garbage');
  const r = privlab(['fl', 'server', '--sites-file', sites, '--checkpoint', ckpt, '--rounds', '1']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${ckpt}: cannot resume from it: malformed message`));
  assert.equal(fs.readFileSync(ckpt, 'utf8'), 'PLFL garbage', 'the bad checkpoint is left for inspection, not overwritten');
  const weak = path.join(dir, 'weak.json');
  fs.writeFileSync(weak, JSON.stringify({ 'site-1': 'short' }));
  const w = privlab(['fl', 'server', '--sites-file', weak, '--checkpoint', ckpt]);
  assert.equal(w.status, 1);
  assert.match(w.stderr, /site "site-1" needs a token of at least 16 characters/);
});
