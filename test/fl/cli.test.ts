/** `privlab fl` refuses bad arguments (exit 2) and unusable files (exit 1) with a message naming the problem. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initialWeights, mlpMnist, newTokens, saveCheckpoint, writeTokens } from '../../src/fl';
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
    [['fl', 'run', '--dp', 'dp-sgd', '--noise-multiplier', '1', '--clip', '1'], /--dp dp-sgd needs --sample-rate/],
    [['fl', 'run', '--dp', 'site-noise', '--noise-multiplier', '1'], /--dp site-noise takes --sigma0, not --noise-multiplier/],
    [['fl', 'run', '--clip', '1'], /--clip belongs to a DP mode/],
    [['fl', 'run', '--dp', 'dp-fedavg', '--noise-multiplier', '1', '--clip', '1', '--policy', 'site-noise'], /give one/],
    [
      ['fl', 'run', '--dp', 'dp-sgd', '--noise-multiplier', '1', '--clip', '1', '--sample-rate', '0.1', '--task', 'gan-mnist', '--fid', '1'],
      /--fid must be an integer ≥ 2/,
    ],
    [['fl', 'run', '--fid', '100'], /--fid needs a GAN task/],
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

  // A checkpoint of a plain FedAvg round cannot be resumed under a DP mode: its rounds were not accounted.
  const plain = path.join(dir, 'plain.ckpt');
  const record = {
    round: 1,
    attempts: 1,
    seconds: 0,
    serverCpuSeconds: 0,
    sampled: ['site-1'],
    accepted: [],
    rejected: [],
    missing: [],
    metrics: {},
    privacy: { mode: 'none' as const, unit: null, delta: null, epsilon: null, runs: [] },
  };
  saveCheckpoint(plain, { task: 'mlp-mnist', round: 1, history: [record], weights: initialWeights(mlpMnist, 0) });
  const dp = privlab([
    'fl',
    'server',
    '--sites-file',
    sites,
    '--checkpoint',
    plain,
    '--rounds',
    '2',
    '--dp',
    'dp-fedavg',
    '--noise-multiplier',
    '1',
    '--clip',
    '1',
  ]);
  assert.equal(dp.status, 1, dp.stderr);
  assert.match(dp.stderr, new RegExp(`${plain}: cannot resume from it: round 1 ran in DP mode "none", this job runs "dp-fedavg"`));
});

test('fl run --dp dp-sgd --json: ε per round, as `privlab dp epsilon` gives it for the same σ, q and steps', () => {
  const r = privlab([
    'fl',
    'run',
    '--sites',
    '2',
    '--rounds',
    '2',
    '--local-steps',
    '2',
    '--train-examples',
    '200',
    '--optimizer',
    'sgd',
    '--lr',
    '0.1',
    '--dp',
    'dp-sgd',
    '--noise-multiplier',
    '1.5',
    '--clip',
    '1',
    '--sample-rate',
    '0.1',
    '--delta',
    '1e-6',
    '--out',
    path.join(dir, 'dpsgd'),
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { dp: string; delta: number; epsilon: number[] };
  assert.equal(out.dp, 'dp-sgd');
  assert.equal(out.delta, 1e-6);
  assert.equal(out.epsilon.length, 2);
  out.epsilon.forEach((eps, i) => {
    const cli = privlab(['dp', 'epsilon', '--noise-multiplier', '1.5', '--sample-rate', '0.1', '--steps', String(2 * (i + 1)), '--delta', '1e-6', '--json']);
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(eps, (JSON.parse(cli.stdout) as { epsilon: number }).epsilon, `round ${i + 1}`);
  });
});
