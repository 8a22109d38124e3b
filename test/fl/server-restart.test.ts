/**
 * The server killed and started again on its checkpoint: it resumes after the last
 * completed round, the sites (still running) reconnect, and the final weights equal those
 * of an uninterrupted run bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadCheckpoint, runFederated } from '../../src/fl';
import { tmpDir } from '../support/tmp';
import { spawnPrivlab } from './processes';
import { FIT, SHARDS, startJob } from './manual-job';

test('the server killed and restarted resumes from its checkpoint; the result equals an uninterrupted run', async () => {
  // Killed after round 1 of 5: the job cannot finish before the kill lands, even on a loaded machine.
  const rounds = 5;
  const reference = await runFederated({ ...SHARDS, rounds, fit: FIT, dir: tmpDir('privlab-fl-ref-'), roundTimeoutSeconds: 60 });

  const dir = tmpDir('privlab-fl-restart-');
  const { server, sites, url, serverArgs, checkpoint } = await startJob(dir, { rounds, roundTimeout: 60 });
  await server.waitFor(/round 1 done/);
  server.proc.kill('SIGKILL');
  await server.exit;
  const saved = loadCheckpoint(checkpoint, 'mlp-mnist')!;
  assert.ok(saved.round >= 1 && saved.round < rounds, `killed after round ${saved.round}`);

  // Same address, same checkpoint: the sites (still running, retrying) reconnect.
  const again = spawnPrivlab([...serverArgs, '--port', new URL(url).port]);
  await again.waitFor(new RegExp(`resuming from .*: ${saved.round} of ${rounds} rounds done`));
  assert.equal(await again.exit, 0, again.output());
  for (const s of sites) assert.equal(await s.exit, 0, s.output());

  const final = loadCheckpoint(checkpoint, 'mlp-mnist')!;
  assert.equal(final.round, rounds);
  assert.deepEqual(final.history.slice(0, saved.round), saved.history, 'completed rounds are kept as they were');
  final.weights.values.forEach((v, i) =>
    assert.deepEqual(v, reference.state.weights.values[i], `tensor ${final.weights.specs[i].name} equals the uninterrupted run's`),
  );
  final.history.forEach((h, i) => assert.equal(h.metrics.train_loss, reference.state.history[i].metrics.train_loss, `round ${h.round} train loss`));
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
    'no half-written checkpoint left',
  );
});
