/**
 * The Pix2Pix step benchmark end to end on its tiniest inputs, and its PyTorch yardstick:
 * the yardstick's model must be ours (same parameter count, network by network).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runYardstick, yardstickUnavailable } from '../../bench/pytorch-yardstick';
import { pix2pixStepBenchmark, pix2pixYardstickPath } from '../../bench/pix2pix-step';
import { Pix2Pix } from '../../src/nn/pix2pix';

test('PyTorch Pix2Pix yardstick: runs, and its networks have exactly our parameter counts', () => {
  const script = pix2pixYardstickPath();
  assert.equal(yardstickUnavailable(script), null, 'python3-torch is part of the set-up');
  const r = runYardstick({ script, steps: 1, threads: 1, batch: 1 }) as ReturnType<typeof runYardstick> & {
    parameters: { generator: number; discriminator: number };
  };
  assert.equal(r.framework, 'pytorch');
  assert.equal(r.batch, 1);
  assert.ok(r.ms_per_step_median > 0);
  const ours = new Pix2Pix({}, 0);
  assert.deepEqual(r.parameters, { generator: ours.generator.parameterCount(), discriminator: ours.discriminator.parameterCount() });
  ours.dispose();
});

test('bench pix2pix-step: one round of one step, with and without the Pix2Pix kernels, no PyTorch', async () => {
  const r = (await pix2pixStepBenchmark.run(['--rounds', '1', '--steps', '1', '--warmup', '0', '--no-torch'], () => undefined)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(r.benchmark, 'pix2pix-step');
  assert.deepEqual([r.batch, r.rounds, r.steps_per_round], [1, 1, 1]);
  assert.ok(r.ms_per_step > 0 && r.ms_per_step_min <= r.ms_per_step);
  assert.equal(r.ratio_to_pytorch, null);
  assert.match(r.pytorch.unavailable, /--no-torch/);
  assert.ok(r.without_pix2pix_kernels.ms_per_step > 0);
  assert.ok(Math.abs(r.without_pix2pix_kernels.speedup_from_kernels - r.without_pix2pix_kernels.ms_per_step / r.ms_per_step) < 0.01);
  await assert.rejects(
    pix2pixStepBenchmark.run(['--steps', '0'], () => undefined),
    /steps/,
  );
});
