/**
 * `privlab bench gen-privacy --json` end to end on its tiniest inputs (2 sites of 40 digits, GAN
 * and classifiers a step or two, 2 seeds): exit 0, one JSON line with the documented keys, a row
 * per approach and seed, the summary's means equal to the runs' values, the targets' verdicts
 * consistent with the numbers; and bad options exit 2 before any work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { privlab } from '../support/cli';
import { bench, Json } from '../support/bench';
import { tmpDir } from '../support/tmp';
import { loadCheckpoint } from '../../src/fl';

test('bench gen-privacy: tiniest run over 2 seeds, documented keys, summary = runs', () => {
  const j = bench([
    ...['gen-privacy', '--sites', '2', '--train-per-site', '40', '--gan-task', 'cgan-mnist:8:16:16', '--gan-rounds', '1', '--gan-steps', '2'],
    ...['--dp-gan-rounds', '1', '--dp-gan-steps', '1', '--epochs', '1', '--fed-rounds', '1', '--dp-steps', '1', '--synthetic', '30'],
    ...['--shadows', '2', '--overfit-count', '20', '--overfit-epochs', '2', '--test-examples', '100', '--seeds', '2', '--seed', '5'],
  ]);
  for (const k of [
    'benchmark',
    'dataset',
    'mode',
    'sites',
    'train_per_site',
    'members',
    'non_members',
    'shadow_pool',
    'shadows',
    'test_examples',
    'synthetic_count',
  ])
    assert.ok(k in j, `key ${k}`);
  for (const k of ['gan_task', 'delta', 'seeds', 'options', 'runs', 'summary', 'targets', 'seconds']) assert.ok(k in j, `key ${k}`);
  assert.deepEqual(
    [j.benchmark, j.dataset, j.mode, j.train_per_site, j.members, j.non_members, j.seeds, j.gan_task],
    ['gen-privacy', 'mnist', 'iid', [40, 40], 80, 80, [5, 6], 'cgan-mnist:8:16:16'],
  );
  assert.equal(j.runs.length, 2);
  const approaches = ['synthetic', 'synthetic-dp', 'local', 'fedavg', 'fedavg-dp', 'centralized', 'overfit', 'control'];
  for (const run of j.runs)
    assert.deepEqual(
      run.rows.map((x: Json) => x.approach),
      approaches,
    );
  for (const a of approaches) {
    const accs = j.runs.map((run: Json) => run.rows.find((x: Json) => x.approach === a).test_accuracy);
    assert.deepEqual(j.summary[a].test_accuracy.values, accs, a);
    assert.ok(Math.abs(j.summary[a].test_accuracy.mean - (accs[0] + accs[1]) / 2) < 1e-4, a);
    const row = j.runs[0].rows.find((x: Json) => x.approach === a);
    assert.deepEqual(
      Object.keys(row.attacks),
      a.startsWith('synthetic') ? ['loss-threshold', 'lira-offline', 'gan-leaks'] : ['loss-threshold', 'lira-offline'],
    );
    for (const at of Object.values(row.attacks) as Json[])
      for (const k of ['auc', 'tpr_at_1pct_fpr', 'tpr_at_0_1pct_fpr', 'epsilon_lower_bound', 'members', 'non_members']) assert.ok(k in at, `${a}: ${k}`);
    assert.equal(row.epsilon !== null, a.endsWith('-dp'), a);
  }
  const diff = j.runs.map(
    (run: Json) =>
      100 * (run.rows.find((x: Json) => x.approach === 'synthetic').test_accuracy - run.rows.find((x: Json) => x.approach === 'fedavg').test_accuracy),
  );
  assert.ok(Math.abs(j.targets.synthetic_minus_fedavg_accuracy_points.mean - (diff[0] + diff[1]) / 2) < 0.02);
  assert.equal(j.targets.synthetic_within_5_points_of_fedavg, (diff[0] + diff[1]) / 2 >= -5);
  for (const k of ['synthetic_mia_auc_at_most_0_55', 'synthetic_mia_tpr_at_1pct_fpr_at_most_2pct', 'overfit_mia_above_chance'])
    assert.equal(typeof j.targets[k], 'boolean', k);
});

test('bench gen-privacy: the gap switches reach the run and its JSON', () => {
  const dir = tmpDir('privlab-genpriv-refit-');
  const j = bench([
    ...['gen-privacy', '--sites', '2', '--train-per-site', '40', '--gan-task', 'cgan-mnist:8:16:16', '--gan-rounds', '2', '--gan-steps', '2'],
    ...['--epochs', '3', '--synthetic', '30', '--shadows', '2', '--overfit-count', '20', '--test-examples', '100', '--approaches', 'synthetic'],
    ...['--keep-optimizer-state', '--fresh-synthetic', '--drs', '--gan-lr', '5e-4', '--gan-batch', '16', '--drs-min-acceptance', '0.2'],
    ...['--gan-refit-rounds', '1', '--dir', dir, '--lr-decay', 'linear', '--augment-shift', '1'],
  ]);
  // The refit job started from the GAN job's last weights (averageRounds 1): the same generator, a retrained critic.
  assert.equal(j.refit_rounds, 1);
  assert.equal(j.options.classifier.learningRateDecay, 'linear');
  assert.equal(j.options.classifier.augmentShift, 1);
  const gan = loadCheckpoint(path.join(dir, 'seed-0', 'synthetic', 'server.ckpt'), 'cgan-mnist:8:16:16')!;
  const refit = loadCheckpoint(path.join(dir, 'seed-0', 'synthetic-refit', 'server.ckpt'), 'cgan-mnist:8:16:16')!;
  assert.equal(refit.round, 1);
  const same = (prefix: string): boolean =>
    gan.weights.specs.every((s, i) => !s.name.startsWith(prefix) || gan.weights.values[i].every((v, k) => v === refit.weights.values[i][k]));
  assert.ok(same('generator/'), 'the refit kept the released generator');
  assert.ok(!same('discriminator/'), 'and retrained the discriminator');
  assert.equal(j.fresh_synthetic_per_epoch, true);
  assert.deepEqual(j.rejection_sampling, { minAcceptance: 0.2 });
  assert.equal(j.options.gan.keepOptimizerState, true);
  assert.deepEqual([j.options.gan.learningRate, j.options.gan.batchSize], [5e-4, 16]);
  const [row] = j.runs[0].rows;
  assert.deepEqual(row.training_set, { kind: 'synthetic', count: 90 }, '3 epochs × 30 fresh digits');
  assert.ok(row.drs_acceptance > 0 && row.drs_acceptance <= 1, `acceptance ${row.drs_acceptance}`);
  // The sampler's report: its floor, ten classes whose candidates add up, the fallen-back classes listed.
  assert.equal(row.drs.min_acceptance, 0.2);
  assert.deepEqual(
    row.drs.classes.map((c: Json) => c.label),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.equal(
    row.drs.classes.reduce((s: number, c: Json) => s + c.candidates, 0),
    row.drs.candidates,
  );
  assert.ok(Math.abs(row.drs_acceptance - 90 / row.drs.candidates) < 1e-4, '90 digits kept of the candidates');
  assert.deepEqual(
    row.drs.fallback_classes,
    row.drs.classes.filter((c: Json) => c.fallbacks > 0).map((c: Json) => c.label),
  );
  for (const c of row.drs.classes) assert.ok(c.gamma_final <= c.gamma_initial, `class ${c.label}: the floor only loosens γ`);
  assert.equal(row.attacks['gan-leaks'].members, 80);
});

test('bench gen-privacy: --full filters its synthetic digits (GAN batch 128) unless --no-drs', () => {
  // The long setting's sizes cut to the tiniest; only its switches stay (GEN_PRIVACY_FULL).
  const tiny = [
    ...['gen-privacy', '--full', '--seeds', '1', '--sites', '2', '--train-per-site', '40', '--gan-task', 'cgan-mnist:8:16:16', '--gan-rounds', '1'],
    ...[
      '--gan-steps',
      '2',
      '--epochs',
      '1',
      '--synthetic',
      '30',
      '--shadows',
      '2',
      '--overfit-count',
      '20',
      '--test-examples',
      '100',
      '--approaches',
      'synthetic',
    ],
  ];
  const on = bench(tiny);
  assert.deepEqual(on.rejection_sampling, {});
  assert.equal(on.options.gan.batchSize, 128);
  assert.equal(on.options.classifier.learningRateDecay, 'linear', 'the long setting decays the classifiers’ rate');
  assert.equal(on.options.classifier.augmentShift, 2, 'and moves their digits by up to 2 pixels');
  const acceptance = on.runs[0].rows[0].drs_acceptance;
  assert.ok(acceptance > 0 && acceptance < 1, `the filter ran and rejected some candidates: acceptance ${acceptance}`);
  assert.equal(on.runs[0].rows[0].drs.min_acceptance, 0.05, 'the default acceptance floor');
  const off = bench([...tiny, '--no-drs']);
  assert.equal(off.rejection_sampling, null);
  assert.equal('drs_acceptance' in off.runs[0].rows[0], false);
  assert.deepEqual(off.runs[0].rows[0].training_set, { kind: 'synthetic', count: 30 });
});

test('bench gen-privacy: a bad option exits 2 before any work', () => {
  for (const [args, message] of [
    [['--gan-steps', '0'], /--gan-steps must be an integer ≥ 1, got "0"/],
    [['--dataset', 'cifar'], /--dataset must be mnist or fashion, got "cifar"/],
    [['--approaches', 'synthetic,nope'], /--approaches: choose from synthetic, synthetic-dp/],
    [['--gan-task', 'gan-mnist'], /--gan-task must be cgan-mnist/],
    [['--keep-optimizer-state', '--fresh-optimizer'], /--keep-optimizer-state or --fresh-optimizer, not both/],
    [['--drs', '--no-drs'], /--drs or --no-drs, not both/],
    [['--gan-lr', '0'], /--gan-lr must be a positive number, got "0"/],
    [['--drs-min-acceptance', '1'], /--drs-min-acceptance must be a number in \[0, 1\), got "1"/],
    [['--no-drs', '--drs-min-acceptance', '0.1'], /--drs-min-acceptance sets the rejection sampler, which --no-drs turns off/],
    [['--lr-decay', 'cosine'], /--lr-decay must be none or linear, got "cosine"/],
    [['--gan-refit-rounds', '1'], /--gan-refit-rounds refits the discriminator for rejection sampling, which is off/],
    [['--gan-refit-rounds', '1.5'], /--gan-refit-rounds must be an integer ≥ 0, got "1.5"/],
    [['--augment-shift', '9'], /--augment-shift must be an integer in \[0, 8\], got 9/],
    [['--augment-shift=-1'], /--augment-shift must be an integer ≥ 0, got "-1"/],
  ] as const) {
    const r = privlab(['bench', 'gen-privacy', ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});
