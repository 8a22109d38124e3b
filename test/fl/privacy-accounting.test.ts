/**
 * The server's privacy ledger, in whole jobs (server and sites as processes) and alone:
 *   - dp-sgd: after each round every site's ε equals epsilonFor at the job's σ, q and the steps
 *     so far (local steps × rounds), computed here separately; it is in the checkpoint;
 *   - dp-fedavg: ε per round equals epsilonFor at q = sampled / registered sites, one step a round;
 *   - site-noise (and plain FedAvg) record no ε, with the reason;
 *   - a resumed ledger (replayed from the history) continues exactly; mixed or unaccountable
 *     setups are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DELTA, PrivacyLedger, RoundRecord, dpModeOf, loadCheckpoint, runFederated } from '../../src/fl';
import { epsilonFor } from '../../src/fl/dp';
import { tmpDir } from '../support/tmp';

const FIT = { localSteps: 3, optimizer: 'sgd', learningRate: 0.1, evaluateGlobal: false };

test("dp-sgd job: each site's ε after r rounds is epsilonFor(σ, q, 3r steps), in the history and the checkpoint", async () => {
  const sigma = 1.1,
    q = 0.05,
    delta = 1e-6;
  const job = await runFederated({
    sites: 2,
    rounds: 2,
    fit: { ...FIT, dpNoiseMultiplier: sigma, dpClipNorm: 1, dpSampleRate: q },
    trainExamples: 400,
    seed: 3,
    delta,
    dir: tmpDir('privlab-fl-dpsgd-'),
    roundTimeoutSeconds: 60,
  });
  const h = job.state.history;
  assert.equal(h.length, 2);
  h.forEach((r, i) => {
    const want = epsilonFor({ noiseMultiplier: sigma, sampleRate: q, steps: 3 * (i + 1), delta }).epsilon;
    assert.equal(r.privacy.mode, 'dp-sgd');
    assert.equal(r.privacy.unit, 'example');
    assert.equal(r.privacy.delta, delta);
    assert.deepEqual(Object.keys(r.privacy.sites!), ['site-1', 'site-2']);
    for (const e of Object.values(r.privacy.sites!)) assert.ok(Math.abs(e - want) <= 1e-12 * want, `site ε ${e} vs ${want}`);
    assert.equal(r.privacy.epsilon, Math.max(...Object.values(r.privacy.sites!)));
    for (const a of r.accepted) assert.deepEqual([a.metrics.steps, a.metrics.dp_sample_rate, a.metrics.dp_noise_multiplier], [3, q, sigma]);
  });
  assert.ok(h[1].privacy.epsilon! > h[0].privacy.epsilon!, 'ε grows with the rounds');
  assert.deepEqual(
    loadCheckpoint(job.checkpoint, 'mlp-mnist')!.history.map((r) => r.privacy),
    h.map((r) => r.privacy),
  );
});

test('dp-fedavg job with 2 of 3 sites sampled: ε per round is epsilonFor(σ, q = 2/3, r steps) at the default δ', async () => {
  const sigma = 1.3;
  const job = await runFederated({
    sites: 3,
    rounds: 2,
    fit: FIT,
    policy: { name: 'dp-fedavg', params: { clipNorm: 0.5, noiseMultiplier: sigma } },
    fractionFit: 0.5,
    trainExamples: 600,
    seed: 4,
    dir: tmpDir('privlab-fl-dpfedavg-'),
    roundTimeoutSeconds: 60,
  });
  job.state.history.forEach((r, i) => {
    assert.equal(r.sampled.length, 2);
    assert.equal(r.privacy.unit, 'site');
    assert.equal(r.privacy.delta, DEFAULT_DELTA);
    assert.deepEqual(r.privacy.runs, [{ noiseMultiplier: sigma, sampleRate: 2 / 3, steps: 1 }]);
    const want = epsilonFor({ noiseMultiplier: sigma, sampleRate: 2 / 3, steps: i + 1, delta: 1e-5 }).epsilon;
    assert.ok(Math.abs(r.privacy.epsilon! - want) <= 1e-12 * want, `round ${i + 1}: ε ${r.privacy.epsilon} vs ${want}`);
  });
});

test('site-noise records no ε, with the reason', async () => {
  const job = await runFederated({
    sites: 2,
    rounds: 1,
    fit: FIT,
    policy: { name: 'site-noise', params: { sigma0: 0.001 } },
    trainExamples: 200,
    seed: 5,
    dir: tmpDir('privlab-fl-sitenoise-'),
    roundTimeoutSeconds: 60,
  });
  const p = job.state.history[0].privacy;
  assert.deepEqual([p.mode, p.epsilon, p.delta, p.unit], ['site-noise', null, null, null]);
  assert.match(p.reason!, /not clipped.*unbounded/);
});

const answer = (site: string, steps: number, q: number, sigma: number): RoundRecord['accepted'][number] => ({
  site,
  numExamples: 100,
  metrics: { steps, dp_sample_rate: q, dp_noise_multiplier: sigma },
});

test('a resumed ledger continues exactly; bad answers and mixed modes are refused', () => {
  const fit = { dpNoiseMultiplier: 0.9, dpClipNorm: 1, dpSampleRate: 0.1, localSteps: 4 };
  const setup = { policy: { name: 'none', params: {} }, fit, totalSites: 2 };
  const a = new PrivacyLedger(setup);
  const records = [1, 2].map(
    (round) =>
      ({
        round,
        privacy: a.completeRound(['s1', 's2'], round === 1 ? [answer('s1', 4, 0.1, 0.9), answer('s2', 4, 0.1, 0.9)] : [answer('s1', 4, 0.1, 0.9)]),
      }) as RoundRecord,
  );
  const b = new PrivacyLedger(setup);
  b.replay(records);
  const third = [answer('s1', 4, 0.1, 0.9), answer('s2', 4, 0.1, 0.9)];
  const fromA = a.completeRound(['s1', 's2'], third);
  assert.deepEqual(b.completeRound(['s1', 's2'], third), fromA);
  // s1 trained in 3 rounds, s2 in 2 (its round-2 update was not accepted).
  assert.equal(fromA.sites!.s1, epsilonFor({ noiseMultiplier: 0.9, sampleRate: 0.1, steps: 12, delta: 1e-5 }).epsilon);
  assert.equal(fromA.sites!.s2, epsilonFor({ noiseMultiplier: 0.9, sampleRate: 0.1, steps: 8, delta: 1e-5 }).epsilon);

  assert.match(a.checkAnswer({ steps: 3, dp_sample_rate: 0.1, dp_noise_multiplier: 0.9 })!, /must report steps = 4/);
  assert.match(a.checkAnswer({ steps: 4, dp_noise_multiplier: 0.9 })!, /dp_sample_rate = 0.1.*reports nothing/);
  assert.equal(a.checkAnswer({ steps: 4, dp_sample_rate: 0.1, dp_noise_multiplier: 0.9 }), undefined);
  assert.throws(() => new PrivacyLedger({ ...setup, policy: { name: 'dp-fedavg', params: { clipNorm: 1, noiseMultiplier: 1 } } }), /choose one DP mode/);
  assert.throws(
    () => new PrivacyLedger({ policy: { name: 'site-noise', params: { sigma0: 1 } }, fit: {}, totalSites: 2 }).replay(records),
    /ran in DP mode "dp-sgd"/,
  );
  assert.equal(dpModeOf({ name: 'none', params: {} }, { localSteps: 2 }), 'none');
  const zero = new PrivacyLedger({ policy: { name: 'dp-fedavg', params: { clipNorm: 1, noiseMultiplier: 0 } }, fit: {}, totalSites: 2 }).completeRound(
    ['s1'],
    [],
  );
  assert.equal(zero.epsilon, null);
  assert.match(zero.reason!, /noise multiplier 0/);
});
