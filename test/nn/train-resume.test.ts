/** Stopping trainGan (abort, interrupt) and resuming it: the resumed run is the uninterrupted one, bit for bit. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/backend';
import { loadMnist, subset } from '../../src/data';
import { Gan, GanOptimizers, RECOMMENDED_STABILIZERS, trainGan, TrainGanResult } from '../../src/nn';
import { openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const SMALL = { latentDim: 16, generatorHidden: [32], discriminatorHidden: [32] };
const ds = subset(
  loadMnist(),
  Array.from({ length: 128 }, (_, i) => i),
  'mnist[0:128]',
);
// 4 steps per epoch; dropout and label smoothing on, so the dropout stream must be carried over too.
const BASE = { dataset: ds, batchSize: 32, seed: 21, config: SMALL, sampleEpochs: [], stabilizers: RECOMMENDED_STABILIZERS };

function weights(gan: Gan, opt: GanOptimizers): Float32Array[] {
  const vars = [
    ...gan.generator.variables(),
    ...gan.discriminator.variables(),
    ...opt.generator.m,
    ...opt.generator.v,
    ...opt.discriminator.m,
    ...opt.discriminator.v,
  ];
  return vars.map((v) => v.dataSync() as Float32Array);
}

function dispose(...rs: TrainGanResult[]): void {
  for (const r of rs) {
    r.gan.dispose();
    r.optimizers.generator.dispose();
    r.optimizers.discriminator.dispose();
  }
}

/** Train 3 epochs, stopping after global step `stopAt`, then resume to epoch 3; compare with 3 epochs at once. */
async function stopAndResume(stopAt: number): Promise<void> {
  const whole = await trainGan({ ...BASE, epochs: 3 });
  const ctl = new AbortController();
  const first = await trainGan({
    ...BASE,
    epochs: 3,
    signal: ctl.signal,
    onStep: (s) => {
      if (s.globalStep === stopAt) ctl.abort('test');
    },
  });
  assert.ok(first.stoppedEarly);
  assert.equal(first.stopReason, 'test');
  assert.equal(first.epoch, Math.floor(stopAt / 4), 'completed epochs');
  assert.equal(first.resume.stepInEpoch, stopAt % 4);
  assert.equal(first.resume.noiseRng === null, stopAt % 4 === 0, 'the noise stream is saved in the middle of an epoch only');
  assert.notEqual(first.resume.dropoutRng, null);
  // The state is plain JSON (it goes into a checkpoint's meta).
  const state = JSON.parse(JSON.stringify(first.resume));
  const rest = await trainGan({ ...BASE, epochs: 3 - first.epoch, startEpoch: first.epoch, gan: first.gan, optimizers: first.optimizers, resume: state });
  assert.equal(rest.epoch, 3);
  assert.equal(rest.optimizers.generator.step, 12);
  assert.deepEqual([...first.history.steps.d, ...rest.history.steps.d], whole.history.steps.d);
  assert.deepEqual([...first.history.steps.g, ...rest.history.steps.g], whole.history.steps.g);
  // The resumed epoch's record covers its steps before and after the stop.
  assert.deepEqual(
    [...first.history.epochs, ...rest.history.epochs].map((e) => [e.epoch, e.steps, e.d, e.g]),
    whole.history.epochs.map((e) => [e.epoch, e.steps, e.d, e.g]),
  );
  const a = weights(whole.gan, whole.optimizers);
  const b = weights(rest.gan, rest.optimizers);
  for (let i = 0; i < a.length; i++) assert.deepEqual(b[i], a[i], `tensor ${i} differs after resuming`);
  dispose(whole, rest);
}

test('trainGan: stopped in the middle of an epoch and resumed = the uninterrupted run, bit for bit', async () => {
  await stopAndResume(6); // epoch 2, step 2
});

test('trainGan: stopped at an epoch boundary and resumed = the uninterrupted run (dropout stream carried over)', async () => {
  await stopAndResume(4);
});

test('trainGan: an interrupt request (Ctrl-C, kernel interrupt) reaches the loop while it runs', async () => {
  let requested = false;
  const r = await trainGan({
    ...BASE,
    epochs: 1000,
    onStep: (s) => {
      // A macrotask, as a signal handler is: it runs only if the loop yields to the event loop.
      if (s.globalStep === 3 && !requested) {
        requested = true;
        setImmediate(() => requestInterrupt('kernel interrupt'));
      }
    },
  });
  assert.ok(r.stoppedEarly);
  assert.equal(r.stopReason, 'kernel interrupt');
  assert.ok(r.history.steps.d.length < 100, `stopped after ${r.history.steps.d.length} steps`);
  assert.equal(openInterruptScopes(), 0, 'the loop closed its scope');
  // Not remembered: the next run trains.
  const next = await trainGan({ ...BASE, epochs: 1 });
  assert.equal(next.stoppedEarly, false);
  assert.equal(next.history.steps.d.length, 4);
  dispose(r, next);
});

test('trainGan: bad resume states are RangeErrors naming the field', async () => {
  const ok = { stepInEpoch: 1, noiseRng: [1, 2, 3, 4], dropoutRng: null, dSum: 0, gSum: 0, seconds: 0 };
  await assert.rejects(trainGan({ ...BASE, epochs: 1, resume: { ...ok, stepInEpoch: 4 } }), /stepInEpoch 4 is not below the 4 steps/);
  await assert.rejects(trainGan({ ...BASE, epochs: 1, resume: { ...ok, noiseRng: null } }), /noiseRng is needed in the middle of an epoch/);
  await assert.rejects(trainGan({ ...BASE, epochs: 1, resume: { ...ok, noiseRng: [1, 2, 3] } }), /noiseRng and resume.dropoutRng must be null or four uint32s/);
  await assert.rejects(trainGan({ ...BASE, epochs: 1, resume: { ...ok, dSum: NaN } }), /resume.dSum must be a finite number/);
});
