/**
 * The pix2pix-fashion task: registered by name, two widths, the local-steps plan; and a whole
 * job — server and two sites as separate processes, one round — in which the global model's
 * L1 on the sites' held-out pairs falls from before the round (each site's look at the
 * initial weights) to after it (the server's final evaluation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTask, pix2pixFashion, pix2pixFashionSmall, pix2pixLocalSteps, runFederated } from '../../src/fl';
import { tmpDir } from '../support/tmp';

test('pix2pix-fashion: both widths registered, both networks federated, steps or epochs at batch 1', () => {
  assert.equal(getTask('pix2pix-fashion'), pix2pixFashion);
  assert.equal(getTask('pix2pix-fashion-small'), pix2pixFashionSmall);
  const m = pix2pixFashionSmall.createModel(0);
  assert.ok(m.names.some((n) => n.startsWith('generator/')) && m.names.some((n) => n.startsWith('discriminator/')));
  assert.equal(m.names.length, m.variables.length);
  m.dispose();
  assert.equal(pix2pixLocalSteps({ localSteps: 7 }, 100), 7);
  assert.equal(pix2pixLocalSteps({ localEpochs: 2 }, 30), 60, 'an epoch is one step per pair');
  assert.throws(() => pix2pixLocalSteps({ localSteps: 1, localEpochs: 1 }, 5), /both/);
});

test('pix2pix-fashion-small: a 2-site, 1-round job in separate processes lowers the held-out L1', async () => {
  const job = await runFederated({
    sites: 2,
    rounds: 1,
    task: 'pix2pix-fashion-small',
    dataset: 'fashion',
    trainExamples: 40,
    testExamples: 16,
    fit: { localSteps: 60 },
    seed: 3,
    dir: tmpDir('privlab-fl-p2p-'),
    roundTimeoutSeconds: 240,
  });
  const round = job.state.history[0];
  assert.deepEqual(round.accepted.map((a) => a.site).sort(), ['site-1', 'site-2']);
  for (const a of round.accepted) {
    assert.equal(a.metrics.steps, 60);
    assert.ok(Number.isFinite(a.metrics.d_loss) && Number.isFinite(a.metrics.g_gan));
    // within the round, on the site's own pairs
    assert.ok(a.metrics.l1_last_quarter < a.metrics.l1_first_quarter, `${a.site}: training L1 ${a.metrics.l1_first_quarter} → ${a.metrics.l1_last_quarter}`);
  }
  // the global model before the round (each site's evaluation of the initial weights) and after it
  const before = round.accepted.map((a) => a.metrics.global_l1);
  const after = job.state.evaluation!.sites.map((s) => s.metrics.l1);
  assert.equal(after.length, 2);
  const mean = (x: number[]): number => x.reduce((s, v) => s + v, 0) / x.length;
  assert.ok(mean(after) < 0.85 * mean(before), `held-out L1 ${mean(before)} → ${mean(after)}`);
});
