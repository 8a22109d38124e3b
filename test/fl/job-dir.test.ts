/**
 * A job directory given again: the job resumes from its checkpoint and a run with more rounds
 * trains only the rounds it lacks, ending where an uninterrupted run of all rounds ends; a
 * directory of a job with other settings is refused; with keepRounds every round's checkpoint (or
 * those of the rounds listed) is kept beside the final one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JOB_SETTINGS_FILE, loadCheckpoint, runFederated } from '../../src/fl';
import { tmpDir } from '../support/tmp';
import { FIT, SHARDS } from './manual-job';

const FAST = { ...SHARDS, testExamples: 30, roundTimeoutSeconds: 60 };

test('a job run again in its directory with more rounds resumes: its end equals an uninterrupted run of all rounds', async () => {
  // the uninterrupted run keeps only round 2 (a list of rounds)
  const reference = await runFederated({ ...FAST, rounds: 3, fit: FIT, dir: tmpDir('privlab-fl-ref-'), keepRounds: [2] });
  const dir = tmpDir('privlab-fl-more-');
  const first = await runFederated({ ...FAST, rounds: 1, fit: FIT, dir, keepRounds: true });
  assert.equal(first.state.evaluation?.round, 1);
  const lines: string[] = [];
  const more = await runFederated({ ...FAST, rounds: 3, fit: FIT, dir, keepRounds: true, log: (l) => lines.push(l) });

  assert.ok(
    lines.some((l) => /resuming from .*: 1 of 3 rounds done/.test(l)),
    `the server says it resumed:\n${lines.join('\n')}`,
  );
  assert.equal(more.state.round, 3);
  assert.deepEqual(more.state.history[0], first.state.history[0], 'round 1 is kept as it was');
  assert.equal(more.state.evaluation?.round, 3, "the final evaluation is of round 3's weights, not the first run's round 1");
  more.state.weights.values.forEach((v, i) => assert.deepEqual(v, reference.state.weights.values[i], `tensor ${more.state.weights.specs[i].name}`));
  more.state.history.forEach((h, i) => assert.equal(h.metrics.train_loss, reference.state.history[i].metrics.train_loss, `round ${h.round} train loss`));

  // Every round's checkpoint, each with that round's weights: round 3's is the final one, and
  // rounds 1 and 2 differ from it (training moved the weights) but round 1 equals the first run's end.
  const kept = fs.readdirSync(path.join(dir, 'rounds')).sort();
  assert.deepEqual(kept, ['round-1.ckpt', 'round-2.ckpt', 'round-3.ckpt']);
  const at = (n: number) => loadCheckpoint(path.join(dir, 'rounds', `round-${n}.ckpt`), 'mlp-mnist')!;
  assert.deepEqual(at(1).weights.values, first.state.weights.values);
  assert.equal(at(2).round, 2);
  assert.notDeepEqual(at(2).weights.values, more.state.weights.values);
  assert.deepEqual(at(3).weights.values, more.state.weights.values);
  assert.deepEqual(fs.readdirSync(path.join(reference.dir, 'rounds')), ['round-2.ckpt'], 'a list keeps only the rounds listed');
  assert.deepEqual(
    loadCheckpoint(path.join(reference.dir, 'rounds', 'round-2.ckpt'), 'mlp-mnist')!.weights.values,
    at(2).weights.values,
    'round 2 of the uninterrupted run = round 2 of the resumed one',
  );
});

test('a job directory started with other settings is refused by name; one without a settings file is adopted with a warning', async () => {
  const dir = tmpDir('privlab-fl-other-');
  await runFederated({ ...FAST, rounds: 1, fit: FIT, dir });
  const settings = JSON.parse(fs.readFileSync(path.join(dir, JOB_SETTINGS_FILE), 'utf8')) as { fit: unknown; seed: number };
  assert.deepEqual(settings.fit, FIT);
  assert.equal(settings.seed, SHARDS.seed);
  await assert.rejects(runFederated({ ...FAST, rounds: 2, fit: { ...FIT, learningRate: 2e-3 }, dir }), (e: Error) => /other settings \(fit\)/.test(e.message));
  await assert.rejects(runFederated({ ...FAST, seed: SHARDS.seed + 1, rounds: 2, fit: FIT, dir }), (e: Error) => /other settings \(seed\)/.test(e.message));
  assert.equal(loadCheckpoint(path.join(dir, 'server.ckpt'), 'mlp-mnist')!.round, 1, 'the refused runs left the checkpoint alone');

  fs.rmSync(path.join(dir, JOB_SETTINGS_FILE));
  const lines: string[] = [];
  const again = await runFederated({ ...FAST, rounds: 2, fit: FIT, dir, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /warning: .* without job\.json/.test(l)));
  assert.equal(again.state.round, 2);
  assert.ok(fs.existsSync(path.join(dir, JOB_SETTINGS_FILE)), 'the adopted directory has its settings file now');
});
