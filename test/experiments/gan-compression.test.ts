import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { runGanCompression } from '../../src/experiments/gan-compression';
import { checkQuantizedModel } from '../../src/quant';
import { Gan } from '../../src/nn/gan';

test('GAN compression table (tiny run): every variant scored; masks held; integer generators exported', async () => {
  await selectBackend({ quiet: true });
  const before = tf.memory().numTensors;
  const seen: string[] = [];
  const r = await runGanCompression({
    mnist: 'small',
    epochs: 2,
    qatEpochs: 1,
    fidEpochs: 2,
    finetuneEpochs: 1,
    maxStepsPerEpoch: 3,
    fidSamples: 200,
    pruneFractions: [0.5, 0.8],
    onVariant: (row) => {
      seen.push(row.variant);
    },
  });
  assert.deepEqual(
    r.rows.map((x) => x.variant),
    ['regular', 'qat-6bit', 'qat-4bit', 'qat-4bit-pruned-50', 'qat-4bit-pruned-80'],
  );
  // QAT fine-tunes the regular GAN's epoch-1 weights for the last epoch; pruning fine-tunes after epoch 2.
  assert.deepEqual(
    r.rows.map((x) => [x.startEpoch, x.epochs]),
    [
      [0, 2],
      [1, 1],
      [1, 1],
      [2, 1],
      [2, 1],
    ],
  );
  assert.deepEqual(
    r.rows.map((x) => x.fidTrail.length),
    [2, 1, 1, 1, 1],
  );
  assert.ok(Math.abs(r.rows[0].fid - (r.rows[0].fidTrail[0] + r.rows[0].fidTrail[1]) / 2) < 1e-9, 'FID is the mean of the trail');
  assert.notEqual(r.rows[0].fidTrail[0], r.rows[0].fidTrail[1]);
  assert.deepEqual(
    seen,
    r.rows.map((x) => x.variant),
  );
  assert.ok(r.realFloor > 0 && r.realFloor < 5);
  for (const row of r.rows) {
    assert.ok(Number.isFinite(row.fid) && row.fid > r.realFloor, `${row.variant} FID ${row.fid}`);
    assert.equal(row.samples.length, 64 * 784);
    assert.ok(row.secondsPerEpoch > 0 && row.cpuSecondsPerEpoch > 0);
  }
  for (const row of r.rows.slice(1)) {
    const m = checkQuantizedModel(row.model);
    assert.equal(m.layers[0].weightBits, row.bits);
    // The exported 4-bit kernels keep at least the pruned fraction at zero (export also rounds
    // small drifted weights to 0, so the float weights are checked in the one-shot test below).
    const zeros = m.layers.reduce((z, l) => z + l.weights.filter((w) => w === 0).length, 0);
    const total = m.layers.reduce((n, l) => n + l.weights.length, 0);
    assert.ok(zeros / total >= row.pruning - 1e-3, `${row.variant}: ${zeros / total} zero`);
    assert.equal(row.accumulators!.length, 4);
  }
  const [q4, p80] = [r.rows[2], r.rows[4]];
  assert.ok(p80.accumulators![0].worstCaseBits < q4.accumulators![0].worstCaseBits, 'pruning lowers the worst-case accumulator width');
  assert.deepEqual(Object.keys(r.qatOverhead), ['qat-6bit', 'qat-4bit']);
  assert.ok(tf.memory().numTensors <= before + 5, `tensors: ${before} → ${tf.memory().numTensors}`);
});

test('GAN compression rejects a QAT span outside the run', async () => {
  await assert.rejects(runGanCompression({ mnist: 'small', epochs: 2, qatEpochs: 3, finetuneEpochs: 1 }), /qatEpochs must be an integer in 1\.\.epochs/);
  await assert.rejects(runGanCompression({ mnist: 'small', epochs: 2, fidEpochs: 0, finetuneEpochs: 1 }), /fidEpochs must be a positive integer/);
});

test('gradual pruning ends at the requested sparsity in every exported layer', async () => {
  await selectBackend({ quiet: true });
  const r = await runGanCompression({
    mnist: 'small',
    epochs: 1,
    finetuneEpochs: 2,
    maxStepsPerEpoch: 4,
    fidSamples: 100,
    fidEpochs: 1,
    qatBits: [4],
    pruneFractions: [0.6],
    pruneSchedule: 'gradual',
  });
  const pruned = r.rows[2];
  assert.equal(pruned.variant, 'qat-4bit-pruned-60');
  assert.equal(r.options.pruneSchedule, 'gradual');
  for (const l of checkQuantizedModel(pruned.model).layers) {
    const zeros = l.weights.filter((w) => w === 0).length / l.weights.length;
    assert.ok(zeros >= 0.6 - 1e-3 && zeros < 0.7, `layer of ${l.inputs}x${l.outputs}: ${zeros} zero`);
  }
});

test('one-shot pruning: after fine-tuning, the float weights pruned from the 4-bit generator are exactly 0, the others trained on', async () => {
  await selectBackend({ quiet: true });
  const kernels = new Map<string, Float32Array[]>();
  await runGanCompression({
    mnist: 'small',
    epochs: 1,
    qatEpochs: 1,
    qatBits: [4],
    pruneFractions: [0.5],
    finetuneEpochs: 1,
    maxStepsPerEpoch: 3,
    fidSamples: 100,
    fidEpochs: 1,
    onTrained: (variant, gan) => {
      kernels.set(
        variant,
        gan.generator.layers.map((l) => Float32Array.from(l.kernel.dataSync())),
      );
    },
  });
  const before = kernels.get('qat-4bit')!;
  const after = kernels.get('qat-4bit-pruned-50')!;
  assert.equal(after.length, before.length);
  before.forEach((w0, k) => {
    const w1 = after[k];
    // the mask by brute force: the half of the layer's weights smallest in magnitude
    const threshold = Float32Array.from(w0, Math.abs).sort()[Math.round(0.5 * w0.length)];
    let pruned = 0;
    let kept = 0;
    let moved = 0;
    for (let i = 0; i < w0.length; i++) {
      const m = Math.abs(w0[i]);
      if (m < threshold) {
        pruned++;
        if (w1[i] !== 0) assert.fail(`layer ${k} weight ${i}: pruned (|w| ${m} < ${threshold}) but ${w1[i]} after fine-tuning`);
      } else if (m > threshold) {
        kept++;
        if (w1[i] !== w0[i]) moved++;
      }
    }
    assert.ok(pruned >= 0.5 * w0.length - 2, `layer ${k}: ${pruned} of ${w0.length} below the threshold`);
    // Adam moves every weight with a gradient: nearly all kept weights changed
    assert.ok(moved > 0.9 * kept, `layer ${k}: ${moved} of ${kept} kept weights changed`);
  });
});

test('from a trained GAN: every row fine-tunes its weights (the regular one too), numbered on from its epochs; it is left unchanged', async () => {
  await selectBackend({ quiet: true });
  const trained = new Gan({}, 11);
  const w0 = trained.generator.variables().map((v) => Float32Array.from(v.dataSync()));
  const other = new Gan({}, 12).generator.variables().map((v) => Float32Array.from(v.dataSync()));
  const maxDiff = (a: Float32Array[], b: Float32Array[]): number => Math.max(...a.map((x, k) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - b[k][i])), 0)));
  const distance = new Map<string, number>();
  const r = await runGanCompression({
    mnist: 'small',
    from: { gan: trained, epochs: 7 },
    qatEpochs: 2,
    qatBits: [4],
    pruneFractions: [0.5],
    finetuneEpochs: 1,
    maxStepsPerEpoch: 1,
    fidSamples: 100,
    fidEpochs: 1,
    onTrained: (variant, gan) => {
      distance.set(
        variant,
        maxDiff(
          gan.generator.variables().map((v) => Float32Array.from(v.dataSync())),
          w0,
        ),
      );
    },
  });
  assert.deepEqual(
    r.rows.map((x) => [x.variant, x.startEpoch, x.epochs]),
    [
      ['regular', 7, 2],
      ['qat-4bit', 7, 2],
      ['qat-4bit-pruned-50', 9, 1],
    ],
  );
  assert.equal(r.options.epochs, 9);
  assert.equal(r.options.fromEpochs, 7);
  // Two Adam steps at lr 2e-4 move a weight by about 4e-4 at most; two untrained GANs differ by far more.
  const unrelated = maxDiff(other, w0);
  assert.ok(unrelated > 0.05, `two initialisations differ by ${unrelated}`);
  for (const v of ['regular', 'qat-4bit']) assert.ok(distance.get(v)! > 0 && distance.get(v)! < 2e-3, `${v}: ${distance.get(v)} from the given weights`);
  assert.deepEqual(
    trained.generator.variables().map((v) => Float32Array.from(v.dataSync())),
    w0,
    'the given GAN is not changed',
  );
  trained.dispose();
  await assert.rejects(runGanCompression({ from: { gan: new Gan({}, 1), epochs: 5 }, epochs: 8, qatEpochs: 2, finetuneEpochs: 1 }), /epochs is 7, got 8/);
  await assert.rejects(
    runGanCompression({ from: { gan: new Gan({}, 1), epochs: -1 }, finetuneEpochs: 1 }),
    /from\.epochs must be a non-negative integer, got -1/,
  );
  await assert.rejects(runGanCompression({ finetuneEpochs: 1 }), /needs epochs/);
});
