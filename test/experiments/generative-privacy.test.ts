/**
 * The generative-privacy experiment in its tiny setting, end to end through real processes (two
 * federated cGAN jobs and two federated classifier jobs, each a server and 2 site processes): every
 * approach gives a row; the member set is exactly the sites' shard files and the non-member set is
 * as large and shares no digit with it; each attack is run on those sizes; the synthetic classifier
 * trains on exactly the set the final generator redraws from its weights — labelled synthetic
 * digits, none of them a real training digit, from the mean of the generator over its last rounds
 * (averageRounds); ε is reported for the DP rows only.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { datasetSplit, ImageDataset } from '../../src/data';
import { loadSiteShard } from '../../src/data/site-shards';
import { assignWeights, getTask, loadCheckpoint } from '../../src/fl';
import { GEN_PRIVACY_APPROACHES, runGenerativePrivacy, syntheticSet } from '../../src/experiments/generative-privacy';
import { tmpDir } from '../support/tmp';
import { selectBackend } from '../../src/backend';

before(() => selectBackend({ quiet: true, blasThreads: 1 }));

const key = (ds: ImageDataset, i: number): string => Buffer.from(ds.images.subarray(i * 784, (i + 1) * 784)).toString('base64');
const keys = (ds: ImageDataset): string[] => Array.from({ length: ds.count }, (_, i) => key(ds, i));

test('generative privacy, tiny setting: every approach, explicit disjoint member / non-member sets, synthetic-only classifier', async () => {
  const dir = tmpDir('privlab-genpriv-');
  const seen = new Map<string, ImageDataset[]>();
  const r = await runGenerativePrivacy({
    sites: 2,
    trainPerSite: 60,
    gan: { task: 'cgan-mnist:8:32:32', rounds: 2, stepsPerRound: 3, batchSize: 16, averageRounds: 2 },
    ganDp: { rounds: 1, stepsPerRound: 2, sampleRate: 0.1 },
    classifier: { epochs: 1, fedRounds: 1 },
    classifierDp: { stepsPerRound: 2, sampleRate: 0.1 },
    syntheticCount: 50,
    overfit: { count: 30, epochs: 3 },
    shadows: 2,
    testExamples: 200,
    seed: 3,
    dir,
    observeTrainingSet: (a, ds) => seen.set(a, [...(seen.get(a) ?? []), ds]),
  });
  assert.deepEqual(
    r.rows.map((x) => x.approach),
    [...GEN_PRIVACY_APPROACHES],
  );
  assert.deepEqual([r.members, r.nonMembers, r.shadowPool, r.trainPerSite], [120, 120, 240, [60, 60]]);

  // Members: exactly the digits in the sites' shard files, which are the partition's members; the
  // partition is disjoint and drawn from the seed (not the first digits of the split).
  const train = datasetSplit('mnist').train;
  const shardKeys = r.sites.flatMap((id) => keys(loadSiteShard(path.join(dir, 'data', 'shards', id)).train));
  const at = (indices: number[]): string[] => indices.map((i) => key(train, i));
  const { members, nonMembers, shadowPool } = r.partition;
  assert.deepEqual([...shardKeys].sort(), at(members).sort());
  assert.deepEqual([members.length, nonMembers.length, shadowPool.length], [120, 120, 240]);
  assert.equal(new Set([...members, ...nonMembers, ...shadowPool]).size, 480, 'members, non-members and the pool share no index');
  assert.notDeepEqual(
    [...members].sort((a, b) => a - b),
    Array.from({ length: 120 }, (_, i) => i),
    'a random draw, not the first digits',
  );
  const memberSet = new Set(shardKeys);
  assert.ok(!at(nonMembers).some((k) => memberSet.has(k)), 'no non-member is a member');
  assert.ok(!at(shadowPool).some((k) => memberSet.has(k)), 'the shadow pool holds no member');

  for (const row of r.rows) {
    const want = row.approach === 'overfit' ? 30 : 120;
    assert.equal(row.members, want);
    assert.deepEqual(
      row.attacks.map((a) => a.attack),
      row.trainingSet.kind === 'synthetic' ? ['loss-threshold', 'lira-offline', 'gan-leaks'] : ['loss-threshold', 'lira-offline'],
    );
    for (const a of row.attacks) {
      assert.deepEqual([a.members, a.nonMembers], [want, want], `${row.approach} ${a.attack}`);
      assert.ok(a.auc >= 0 && a.auc <= 1);
    }
    assert.ok(row.testAccuracy >= 0 && row.testAccuracy <= 1);
    assert.equal(row.epsilon !== null, row.approach.endsWith('-dp'), `${row.approach}: ε ${row.epsilon}`);
    if (row.epsilon !== null) assert.ok(row.epsilon > 0 && Number.isFinite(row.epsilon));
  }

  // The released generator is the mean of the two rounds' generators (averageRounds 2), summed here
  // from the job's kept round checkpoints; the discriminator is round 2's.
  const kept = [1, 2].map((n) => loadCheckpoint(path.join(dir, 'synthetic', 'rounds', `round-${n}.ckpt`), r.ganTask)!.weights);
  const released = r.generators.synthetic!;
  released.specs.forEach((s, i) => {
    const want = s.name.startsWith('generator/') ? kept[0].values[i].map((v, k) => Math.fround((v + kept[1].values[i][k]) / 2)) : kept[1].values[i];
    assert.deepEqual(released.values[i], want, s.name);
  });
  assert.ok(
    released.specs.some((s, i) => s.name.startsWith('generator/') && kept[0].values[i].some((v, k) => v !== kept[1].values[i][k])),
    'the two rounds differ, so the mean is not either one',
  );

  // The synthetic classifier saw exactly the generator's redrawn set, and no real training digit.
  const [synth] = seen.get('synthetic')!;
  assert.equal(seen.get('synthetic')!.length, 1);
  const task = getTask(r.ganTask);
  const model = task.createModel(0);
  try {
    assignWeights(model.variables, model.names, r.generators.synthetic!);
    const redrawn = syntheticSet(model, r.ganTask, r.syntheticCount, r.syntheticSeed, train.classNames);
    assert.equal(synth.count, 50);
    assert.deepEqual(synth.images, redrawn.images);
    assert.deepEqual(synth.labels, redrawn.labels);
    assert.deepEqual(
      Array.from({ length: 10 }, (_, c) => synth.labels.filter((l) => l === c).length),
      [5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
    );
  } finally {
    model.dispose();
  }
  // The control saw no member and no non-member.
  const [control] = seen.get('control')!;
  const nonMemberSet = new Set(at(nonMembers));
  assert.equal(control.count, 120);
  assert.ok(!keys(control).some((k) => memberSet.has(k) || nonMemberSet.has(k)), 'the control trains on neither set');
  const trainKeys = new Set(keys(train));
  assert.ok(!keys(synth).some((k) => trainKeys.has(k)), 'no synthetic digit is a real training digit');
  assert.equal(r.grids.length, 2);
  assert.equal(r.grids[0].pixels.length, 10 * r.grids[0].perClass * 784);
});
