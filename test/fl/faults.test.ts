/**
 * Faults and bad input against a real server process. A site driven by this test (with
 * its own valid token) sends, round after round: an update with a NaN, one of the wrong
 * shape, a truncated message, one claiming to be another site, one over the size limit,
 * and finally nothing (it hangs). Each time the server rejects it with a logged reason,
 * finishes the round with the two real site processes, and averages only their updates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HttpSiteTransport,
  TaskMessage,
  TaskRef,
  UpdateMessage,
  encodeUpdate,
  frameLimit,
  initialWeights,
  loadCheckpoint,
  mlpMnist,
  Weights,
  API_PREFIX,
} from '../../src/fl';
import { tmpDir } from '../support/tmp';
import { startJob } from './manual-job';

const ROUND_TIMEOUT_S = 10;

test('bad updates are rejected with a logged reason; rounds finish with the good sites', async () => {
  const dir = tmpDir('privlab-fl-faults-');
  const { server, url, tokens, checkpoint } = await startJob(dir, {
    rounds: 6,
    roundTimeout: ROUND_TIMEOUT_S,
    shards: { sites: 2, trainExamples: 600, seed: 2 },
    fit: { localSteps: 3 },
    extraSites: ['evil'],
  });

  // Requests without a valid token are refused before anything else.
  const anon = await fetch(`${url}${API_PREFIX}/task`, { headers: { Authorization: 'Bearer not-a-token-of-this-run' } });
  assert.equal(anon.status, 401);
  assert.match(((await anon.json()) as { error: string }).error, /unknown site token/);
  const auth = { Authorization: `Bearer ${tokens.get('evil')}` };
  assert.equal((await fetch(`${url}${API_PREFIX}/result`, { headers: auth })).status, 405);
  assert.equal((await fetch(`${url}${API_PREFIX}/nope`, { headers: auth })).status, 404);
  assert.equal((await fetch(`${url}/`, { headers: auth })).status, 404);

  const limit = frameLimit(initialWeights(mlpMnist, 0).specs);
  const evil = new HttpSiteTransport({ server: url, token: tokens.get('evil')!, maxTaskBytes: limit });
  let seen: TaskRef | null = null;
  const nextTask = async (): Promise<TaskMessage> => {
    const t = (await evil.nextTask(seen))!;
    seen = { job: t.job, round: t.round };
    return t;
  };
  const updateOf = (task: TaskMessage, update: Weights, site = 'evil'): UpdateMessage => ({
    job: task.job,
    round: task.round,
    site,
    numExamples: 100,
    metrics: {},
    update,
  });
  const zeros = (w: Weights): Weights => ({ specs: w.specs, values: w.values.map((v) => new Float32Array(v.length)) });

  // round 1: a NaN
  let task = await nextTask();
  const nan = zeros(task.weights);
  nan.values[0][17] = NaN;
  let v = await evil.pushResult(updateOf(task, nan));
  assert.ok(!v.accepted && v.kind === 'rejected' && /layer0\/kernel\[17\] is NaN/.test(v.reason), JSON.stringify(v));
  v = await evil.pushResult(updateOf(task, zeros(task.weights)));
  assert.ok(!v.accepted && v.kind === 'stale' && /already answered/.test(v.reason), 'one answer per site and round');
  // round 2: the wrong shape
  task = await nextTask();
  assert.equal(task.round, 2);
  const wrong: Weights = { specs: [{ name: 'layer0/kernel', shape: [100, 784] }, ...task.weights.specs.slice(1)], values: zeros(task.weights).values };
  v = await evil.pushResult(updateOf(task, wrong));
  assert.ok(!v.accepted && /layer0\/kernel has shape \[100,784\], expected \[784,100\]/.test(v.reason), JSON.stringify(v));
  // round 3: a truncated message
  task = await nextTask();
  const full = encodeUpdate(updateOf(task, zeros(task.weights)));
  v = await evil.pushBytes(seen!, full.subarray(0, full.length - 1000));
  assert.ok(!v.accepted && /WireFormatError: malformed message: truncated/.test(v.reason), JSON.stringify(v));
  // round 4: claims to be site-1
  task = await nextTask();
  v = await evil.pushResult(updateOf(task, zeros(task.weights), 'site-1'));
  assert.ok(!v.accepted && /claims to come from "site-1" but carries evil's token/.test(v.reason), JSON.stringify(v));
  // round 5: over the size limit
  task = await nextTask();
  v = await evil.pushBytes(seen!, new Uint8Array(limit + 1));
  assert.ok(!v.accepted && /exceeds the limit/.test(v.reason), JSON.stringify(v));
  // round 6: fetch the task and hang
  task = await nextTask();
  assert.equal(task.round, 6);
  // the final evaluation: answer it properly
  task = await nextTask();
  assert.equal(task.mode, 'evaluate');
  v = await evil.pushResult({ job: task.job, round: task.round, site: 'evil', numExamples: 10, metrics: { accuracy: 0.5 }, update: { specs: [], values: [] } });
  assert.ok(v.accepted);
  assert.equal(await evil.nextTask(seen), null, 'the job is over');

  assert.equal(await server.exit, 0, server.output());
  const state = loadCheckpoint(checkpoint, 'mlp-mnist')!;
  assert.equal(state.round, 6);
  const reasons = [/NaN/, /has shape/, /truncated/, /claims to come from/, /exceeds the limit/];
  state.history.forEach((h, i) => {
    assert.deepEqual(
      h.accepted.map((a) => a.site),
      ['site-1', 'site-2'],
      `round ${h.round}`,
    );
    assert.equal(h.metrics.num_examples, 600, `round ${h.round}: only the good sites' examples are averaged`);
    if (i < 5) {
      assert.deepEqual(
        h.rejected.map((r) => r.site),
        ['evil'],
      );
      assert.match(h.rejected[0].reason, reasons[i]);
      assert.match(server.output(), new RegExp(`round ${h.round}: rejected fit result from evil: .*${reasons[i].source}`));
    } else {
      assert.deepEqual(h.missing, ['evil'], 'the hanging site is missing after the timeout');
      assert.match(server.output(), new RegExp(`round 6: no fit result within ${ROUND_TIMEOUT_S} s from evil`));
    }
  });
  assert.equal(state.evaluation!.sites.length, 3);
});
