/**
 * `privlab bench fl-pix2pix --json` end to end on its tiniest inputs (2 sites, 1 round of 1 step,
 * 2 pairs per site): exit 0, one JSON line with the documented keys, every setting with the same
 * steps per site, ratios consistent with the FIDs, the source's table and ratios.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { privlab } from '../support/cli';
import { bench, Json } from '../support/bench';

test('bench fl-pix2pix: tiniest run, documented keys', () => {
  const j = bench(['fl-pix2pix', '--sites', '2', '--rounds', '1', '--steps-per-round', '1', '--train-per-site', '2', '--test-per-site', '3', '--seed', '1']);
  for (const k of [
    'benchmark',
    'task',
    'sites',
    'rounds',
    'steps_per_round',
    'train_per_site',
    'test_per_site',
    'seed',
    'checkpoints',
    'epochs_per_site',
    'steps_mapping',
    'real_fid',
    'settings',
    'fid_table',
    'l1_table',
    'source_table',
    'source_ratios_to_centralized',
    'seconds',
  ]) {
    assert.ok(k in j, `key ${k}`);
  }
  assert.equal(j.benchmark, 'fl-pix2pix');
  assert.equal(j.task, 'pix2pix-fashion-small');
  assert.deepEqual(
    [j.sites, j.rounds, j.steps_per_round, j.train_per_site, j.test_per_site, j.seed, j.checkpoints],
    [['site-1', 'site-2'], 1, 1, [2, 2], [3, 3], 1, [1]],
  );
  assert.deepEqual(Object.keys(j.settings), ['centralized', 'local', 'federated', 'federated-site-noise@0.1', 'federated-dp-fedavg', 'federated-dp-sgd']);
  const c = j.settings.centralized;
  for (const [name, s] of Object.entries(j.settings as Record<string, Json>)) {
    for (const k of [
      'label',
      'policy',
      'steps_per_site',
      'total_steps',
      'seconds_per_round',
      'seconds_per_round_median',
      'fid',
      'final_fid_mean',
      'ratio_to_centralized',
      'held_out_l1',
      'epsilon',
      'final_l1',
    ])
      assert.ok(k in s, `${name}: key ${k}`);
    assert.equal(s.steps_per_site, 1, `${name}: steps per site`);
    assert.ok(s.seconds_per_round_median > 0);
    const fids = Object.values(s.fid[0].sites) as number[];
    assert.ok(Math.abs(s.final_fid_mean - (fids[0] + fids[1]) / 2) < 0.02, `${name}: mean FID`);
    assert.ok(Math.abs(s.ratio_to_centralized - s.final_fid_mean / c.final_fid_mean) < 0.002, `${name}: ratio`);
  }
  assert.equal(j.settings['federated-site-noise@0.1'].policy.params.sigma0, 0.1);
  // the trend rows: one per FL+DP row, its ratios those of the rows' mean FIDs
  assert.deepEqual(
    j.source_trend.map((t: Json) => t.row),
    ['federated-site-noise@0.1', 'federated-dp-fedavg', 'federated-dp-sgd'],
  );
  for (const t of j.source_trend) {
    assert.ok(Math.abs(t.ratio_fl_dp - j.settings[t.row].ratio_to_centralized) < 0.002, `${t.row}: ratio`);
    assert.ok(Math.abs(t.ratio_local - j.settings.local.ratio_to_centralized) < 0.002, `${t.row}: local ratio`);
  }
  assert.ok(j.settings['federated-dp-fedavg'].epsilon.epsilon > 0);
  assert.equal(j.fid_table.length, 2);
  assert.equal(j.l1_table.length, 2);
  assert.deepEqual(j.source_ratios_to_centralized, { 'FL+DP': 1.129, local: 1.329 });
});

test('bench fl-pix2pix: a bad option exits 2 before any work', () => {
  for (const [args, message] of [
    [['--steps-per-round', '0'], /--steps-per-round must be an integer ≥ 1, got "0"/],
    [['--model', 'big'], /--model must be source or small, got "big"/],
    [['--settings', 'centralized,nope'], /--settings: choose from centralized, local/],
    [['--sigma0', '0.1,x'], /--sigma0: "x" is not a number ≥ 0/],
    [['--seeds', '0,1.5'], /--seeds: "1.5" is not an integer ≥ 0/],
    [['--full', '--trend'], /two presets/],
  ] as const) {
    const r = privlab(['bench', 'fl-pix2pix', ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});
