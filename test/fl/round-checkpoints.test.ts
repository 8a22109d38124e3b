/**
 * The mean of the global weights over kept round checkpoints, against sums done by hand on
 * small integer-valued tensors (exact in float32): the chosen tensors averaged, the others the
 * last listed round's, and missing or mislabelled rounds refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { averageRoundWeights, RoundRecord, roundCheckpointPath, saveCheckpoint, Weights } from '../../src/fl';
import { tmpDir } from '../support/tmp';

const TASK = 'toy-task';
const SPECS = [
  { name: 'generator/w', shape: [2, 2] },
  { name: 'generator/b', shape: [2] },
  { name: 'discriminator/w', shape: [3] },
];

function record(round: number): RoundRecord {
  return {
    round,
    attempts: 1,
    seconds: 0,
    serverCpuSeconds: 0,
    sampled: [],
    accepted: [],
    rejected: [],
    missing: [],
    metrics: {},
    privacy: { mode: 'none', unit: null, delta: null, epsilon: null, runs: [] },
  };
}

/** Round r's weights: every element of tensor t at index k is 10·r + 3·t + k (integers: float32 sums are exact). */
function weightsOf(r: number): Weights {
  return { specs: SPECS, values: SPECS.map((s, t) => Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, (_, k) => 10 * r + 3 * t + k)) };
}

function keep(dir: string, fileRound: number, savedRound = fileRound): void {
  fs.mkdirSync(path.dirname(roundCheckpointPath(dir, fileRound)), { recursive: true });
  saveCheckpoint(roundCheckpointPath(dir, fileRound), {
    task: TASK,
    round: savedRound,
    history: Array.from({ length: savedRound }, (_, i) => record(i + 1)),
    weights: weightsOf(savedRound),
  });
}

test('averageRoundWeights: the chosen tensors are the mean over the rounds, the rest the last round’s', () => {
  const dir = tmpDir();
  for (const r of [2, 3, 4, 7]) keep(dir, r);
  const w = averageRoundWeights(dir, TASK, [3, 4, 7], (name) => name.startsWith('generator/'));
  assert.deepEqual(
    w.specs.map((s) => s.name),
    SPECS.map((s) => s.name),
  );
  // mean over r ∈ {3, 4, 7} of 10·r + 3·t + k = 140/3 + 3·t + k
  const mean = (t: number, k: number): number => (10 * (3 + 4 + 7)) / 3 + 3 * t + k;
  assert.deepEqual(
    Array.from(w.values[0]),
    [0, 1, 2, 3].map((k) => Math.fround(mean(0, k))),
  );
  assert.deepEqual(
    Array.from(w.values[1]),
    [0, 1].map((k) => Math.fround(mean(1, k))),
  );
  assert.deepEqual(Array.from(w.values[2]), [76, 77, 78], 'the discriminator is round 7’s');
  // One round: its own weights; every tensor by default.
  assert.deepEqual(
    averageRoundWeights(dir, TASK, [2]).values.map((v) => Array.from(v)),
    weightsOf(2).values.map((v) => Array.from(v)),
  );
  assert.deepEqual(Array.from(averageRoundWeights(dir, TASK, [2, 4]).values[2]), [36, 37, 38]);
});

test('averageRoundWeights: a round without a kept checkpoint, a file of another round, no rounds or another task are refused', () => {
  const dir = tmpDir();
  keep(dir, 1);
  keep(dir, 2, 5); // round-2.ckpt holds round 5
  assert.throws(() => averageRoundWeights(dir, TASK, [1, 3, 4]), /keeps no checkpoint of round 3, 4/);
  assert.throws(() => averageRoundWeights(dir, TASK, [1, 2]), /holds round 5, not 2/);
  assert.throws(() => averageRoundWeights(dir, TASK, []), /no rounds/);
  assert.throws(() => averageRoundWeights(dir, 'other-task', [1]), /task "toy-task", not "other-task"/);
});
