/**
 * The federated Pix2Pix experiment: its FID (Fashion LeNet features of 32x32 images cut back to
 * 28x28) is ~0 for held-out images against themselves and large for noise; and a tiny run of
 * all settings gives every setting the same training steps per site, FID at every checkpoint,
 * ε only for dp-fedavg, and the image rows.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fashionEdgePairs } from '../../src/data/pix2pix-pairs';
import { fashionFeatureModelPath, loadFeatureModel } from '../../src/metrics/feature-model';
import {
  FL_PIX2PIX_SETTINGS,
  FlPix2PixResult,
  FlPix2PixSettingResult,
  pix2pixFid,
  pix2pixImageStats,
  runFlPix2Pix,
  settingRuns,
  sourceTrends,
} from '../../src/experiments/fl-pix2pix';
import { epsilonFor } from '../../src/fl/dp';
import { SeededRng } from '../../src/util/rng';
import { tmpDir } from '../support/tmp';
import { selectBackend } from '../../src/backend';

// The native backend, as the bench and the CLI use: on tfjs's cpu backend the in-process
// settings (centralized, local) take ~30x longer.
before(() => selectBackend({ quiet: true }));

test('FID of held-out images: ~0 against themselves, large for noise (against two real halves)', async () => {
  const fm = await loadFeatureModel(fashionFeatureModelPath());
  const pairs = fashionEdgePairs('test', { count: 400 });
  const a = pairs.images.slice([0, 0, 0, 0], [200, -1, -1, -1]);
  const b = pairs.images.slice([200, 0, 0, 0], [200, -1, -1, -1]);
  const rng = new SeededRng(1);
  const noise = tf.tensor4d(
    Float32Array.from({ length: 200 * 32 * 32 }, () => rng.next() * 2 - 1),
    [200, 32, 32, 1],
  );
  try {
    const real = pix2pixImageStats(fm, a);
    const self = pix2pixFid(fm, real, a);
    const halves = pix2pixFid(fm, real, b);
    const noisy = pix2pixFid(fm, real, noise);
    assert.ok(Math.abs(self) < 1e-6 * halves + 1e-6, `self FID ${self}`);
    assert.ok(halves > 0, 'two different samples of the same distribution');
    assert.ok(noisy > 10 * halves, `noise ${noisy} vs real halves ${halves}`);
  } finally {
    tf.dispose([a, b, noise, pairs.edges, pairs.images]);
    fm.dispose();
  }
});

test('a tiny run of all settings: equal steps per site, FID at each checkpoint, ε for dp-fedavg only', async () => {
  const r = await runFlPix2Pix({
    sites: 2,
    rounds: 2,
    stepsPerRound: 3,
    trainPerSite: 5,
    testPerSite: 6,
    model: 'small',
    imagesPerRow: 3,
    dir: tmpDir('privlab-flp2p-'),
  });
  assert.deepEqual(
    r.settings.map((s) => s.setting),
    [...FL_PIX2PIX_SETTINGS],
  );
  assert.deepEqual(r.trainPerSite, [5, 5]);
  assert.deepEqual(r.testPerSite, [6, 6]);
  for (const s of r.settings) {
    assert.equal(s.stepsPerSite, 2 * 3, `${s.setting}: steps per site`);
    assert.equal(s.totalSteps, 2 * 2 * 3, `${s.setting}: all steps`);
    assert.deepEqual(
      s.fid.map((f) => f.round),
      [1, 2],
    );
    assert.deepEqual(
      s.heldOutL1.map((f) => f.round),
      [1, 2],
    );
    // pixels in [-1, 1]: a mean absolute error in (0, 2]
    for (const f of s.heldOutL1) for (const v of Object.values(f.sites)) assert.ok(v > 0 && v <= 2, `${s.setting}: L1 ${v}`);
    for (const f of s.fid) assert.deepEqual(Object.keys(f.sites), ['site-1', 'site-2']);
    assert.equal(s.secondsPerRound.length, 2);
  }
  const dp = r.settings.find((s) => s.setting === 'federated-dp-fedavg')!;
  assert.deepEqual(dp.epsilon, { epsilon: epsilonFor({ noiseMultiplier: 1, sampleRate: 1, steps: 2, delta: 1e-5 }).epsilon, delta: 1e-5 });
  // DP-SGD: q = 1/5 (batch 1 in expectation), 2 rounds × 3 steps, two mechanisms (D, G) per step
  const sgd = r.settings.find((s) => s.setting === 'federated-dp-sgd')!;
  assert.deepEqual(sgd.epsilon, { epsilon: epsilonFor({ noiseMultiplier: 1, sampleRate: 1 / 5, steps: 2 * 2 * 3, delta: 1e-5 }).epsilon, delta: 1e-5 });
  assert.deepEqual(sgd.losses, {}, 'DP-SGD sites report no training loss');
  assert.deepEqual(sgd.dpSgd, { clipNorm: 1, noiseMultiplier: 1, sampleRate: 1 / 5 });
  assert.ok(r.settings.filter((s) => s !== sgd).every((s) => s.dpSgd === null));
  assert.ok(r.settings.filter((s) => s !== dp && s !== sgd).every((s) => s.epsilon === null));
  assert.deepEqual(Object.keys(r.settings.find((s) => s.setting === 'local')!.losses), ['site-1', 'site-2']);
  assert.deepEqual(r.imageRows.labels, ['input edges', 'target', 'centralized', 'local', 'FL', 'FL+DP (σ0 0.1)', 'FL+DP (dp-fedavg)', 'FL+DP (DP-SGD)']);
  assert.equal(r.imageRows.pixels.length, 8 * 3 * 32 * 32);
  assert.equal(r.fidTable.length, 2);
  assert.equal(r.l1Table.length, 2);
});

test('a σ0 sweep: one site-noise row per σ0, in order, keyed and labelled by σ0', () => {
  const runs = settingRuns(['centralized', 'federated-site-noise', 'local'], [0.1, 0.001]);
  assert.deepEqual(
    runs.map((r) => [r.key, r.label, r.sigma0]),
    [
      ['centralized', 'centralized', undefined],
      ['federated-site-noise@0.1', 'FL+DP (σ0 0.1)', 0.1],
      ['federated-site-noise@0.001', 'FL+DP (σ0 0.001)', 0.001],
      ['local', 'local', undefined],
    ],
  );
});

test('sourceTrends: centralized < FL+DP < local per site, by FID and by held-out L1; ratios of mean FID', () => {
  const row = (setting: FlPix2PixSettingResult['setting'], key: string, a: number, b: number, l1: [number, number]): FlPix2PixSettingResult =>
    ({
      setting,
      key,
      label: key,
      fid: [
        { round: 1, sites: { s1: 999, s2: 999 } },
        { round: 2, sites: { s1: a, s2: b } },
      ],
      heldOutL1: [
        { round: 1, sites: { s1: 9, s2: 9 } },
        { round: 2, sites: { s1: l1[0], s2: l1[1] } },
      ],
    }) as unknown as FlPix2PixSettingResult;
  const r = {
    sites: ['s1', 's2'],
    settings: [
      row('centralized', 'centralized', 10, 20, [0.1, 0.1]),
      row('local', 'local', 30, 40, [0.3, 0.3]),
      row('federated', 'federated', 1, 1, [0, 0]),
      row('federated-site-noise', 'federated-site-noise@0.1', 20, 50, [0.2, 0.2]), // FID: s1 only; L1: both
      row('federated-site-noise', 'federated-site-noise@0.01', 15, 25, [0.05, 0.2]), // FID: both; L1: s2 only
      row('federated-dp-fedavg', 'federated-dp-fedavg', 5, 30, [0.4, 0.4]), // FID: s2 only; L1: none
    ],
  } as unknown as FlPix2PixResult;
  const t = sourceTrends(r);
  assert.deepEqual(
    t.map((x) => [x.row, x.holdsAt, x.holds, x.holdsAtL1, x.holdsL1]),
    [
      ['federated-site-noise@0.1', ['s1'], false, ['s1', 's2'], true],
      ['federated-site-noise@0.01', ['s1', 's2'], true, ['s2'], false],
      ['federated-dp-fedavg', ['s2'], false, [], false],
    ],
  );
  assert.equal(t[1].ratioFlDp, 40 / 30);
  assert.equal(t[1].ratioLocal, 70 / 30);
  // without the centralized or local row there is no trend to state
  assert.deepEqual(sourceTrends({ ...r, settings: r.settings.slice(1) }), []);
});
