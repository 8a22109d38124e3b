/**
 * A site killed in the middle of a round: the round finishes with the others once the
 * round's deadline passes, and only their updates are averaged. The site process dies by
 * SIGKILL the moment it holds round 2's task (PRIVLAB_FL_DIE_AT_ROUND): a kill sent from
 * outside could land before or after its answer, depending on the machine's load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCheckpoint } from '../../src/fl';
import { tmpDir } from '../support/tmp';
import { startJob } from './manual-job';

test('a site killed mid-round: the round completes with the others after the timeout', async () => {
  const dir = tmpDir('privlab-fl-sitekill-');
  const { server, sites, checkpoint } = await startJob(dir, { rounds: 2, roundTimeout: 8, siteEnv: { 'site-3': { PRIVLAB_FL_DIE_AT_ROUND: '2' } } });
  assert.equal(await server.exit, 0, server.output());
  assert.equal(sites[2].proc.signalCode, 'SIGKILL', 'site-3 died by SIGKILL');
  const state = loadCheckpoint(checkpoint, 'mlp-mnist')!;
  assert.deepEqual(
    state.history[0].accepted.map((a) => a.site),
    ['site-1', 'site-2', 'site-3'],
  );
  assert.deepEqual(
    state.history[1].accepted.map((a) => a.site),
    ['site-1', 'site-2'],
  );
  assert.deepEqual(state.history[1].missing, ['site-3']);
  assert.equal(state.history[1].metrics.num_examples, 600);
  assert.match(server.output(), /round 2: no fit result within 8 s from site-3/);
  assert.deepEqual(state.evaluation!.sites.map((s) => s.site).sort(), ['site-1', 'site-2']);
});
