/**
 * The HTTP transport on its own, in one process: a long poll is answered as soon as a task
 * is published, results reach the server's handler under the token's site id, stale and
 * oversized results are refused, a site cannot hoard polls, and finish() ends the job.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_PREFIX, HttpServerTransport, HttpSiteTransport, IDENTITY_POLICY, TaskMessage, encodeTask, frameLimit, newTokens, Weights } from '../../src/fl';

const weights: Weights = { specs: [{ name: 'w', shape: [3] }], values: [Float32Array.from([1, 2, 3])] };
const task = (job: string, round: number): TaskMessage => ({
  job,
  round,
  mode: 'fit',
  sites: ['a', 'b'],
  task: 'mlp-mnist',
  config: { localSteps: 1 },
  policy: IDENTITY_POLICY,
  weights,
});

test('long poll, results by token, stale and oversized results, poll limit, end of job', async () => {
  const tokens = newTokens(['a', 'b']);
  const received: { site: string; bytes: number | string }[] = [];
  const server = await HttpServerTransport.start({ tokens, maxResultBytes: 64, lingerSeconds: 5 });
  server.onResult((site, payload) => {
    received.push({ site, bytes: payload instanceof Uint8Array ? payload.length : payload.fault });
    return { accepted: true };
  });
  try {
    const limit = frameLimit(weights.specs);
    const a = new HttpSiteTransport({ server: server.address, token: tokens.get('a')!, maxTaskBytes: limit, pollSeconds: 1 });
    const b = new HttpSiteTransport({ server: server.address, token: tokens.get('b')!, maxTaskBytes: limit, pollSeconds: 1 });
    // a poll that is waiting gets the task as soon as it is published (after a 204 or two)
    const waiting = a.nextTask(null);
    await new Promise((r) => setTimeout(r, 1500));
    server.publish({ job: 'j1', round: 1 }, encodeTask(task('j1', 1)));
    const got = (await waiting)!;
    assert.deepEqual([got.job, got.round, Array.from(got.weights.values[0])], ['j1', 1, [1, 2, 3]]);
    assert.deepEqual([...server.connected].sort(), ['a']);

    assert.deepEqual(await b.pushBytes({ job: 'j1', round: 1 }, new Uint8Array(10)), { accepted: true });
    assert.deepEqual(received, [{ site: 'b', bytes: 10 }], "the handler hears the token's site");
    const stale = await b.pushBytes({ job: 'j0', round: 1 }, new Uint8Array(10));
    assert.ok(!stale.accepted && stale.kind === 'stale' && /current task is job j1 round 1/.test(stale.reason));
    const big = await b.pushBytes({ job: 'j1', round: 1 }, new Uint8Array(65));
    assert.ok(!big.accepted && big.kind === 'rejected' && /exceeds the limit of 64/.test(big.reason));
    assert.match(String(received[1].bytes), /exceeds the limit of 64/, "an oversized result still counts as the site's answer");

    // polls for the task already seen wait; a fifth open poll of one site is refused
    const auth = { Authorization: `Bearer ${tokens.get('b')}` };
    const polls = [1, 2, 3, 4].map(() => fetch(`${server.address}${API_PREFIX}/task?job=j1&round=1&wait=2`, { headers: auth }));
    await new Promise((r) => setTimeout(r, 300));
    const fifth = await fetch(`${server.address}${API_PREFIX}/task?job=j1&round=1&wait=2`, { headers: auth });
    assert.equal(fifth.status, 429);
    assert.deepEqual(
      (await Promise.all(polls)).map((r) => r.status),
      [204, 204, 204, 204],
    );
    const status = await (await fetch(`${server.address}${API_PREFIX}/status`, { headers: auth })).json();
    assert.deepEqual(status, { job: 'j1', round: 1, done: false });

    // the end: both sites hear it, and finish() returns once they have
    const ends = [a.nextTask({ job: 'j1', round: 1 }), b.nextTask({ job: 'j1', round: 1 })];
    await new Promise((r) => setTimeout(r, 100));
    await server.finish(['a', 'b']);
    assert.deepEqual(await Promise.all(ends), [null, null]);
  } finally {
    await server.close();
  }
});
