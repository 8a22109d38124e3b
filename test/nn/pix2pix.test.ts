import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { NATIVE_BACKEND_NAME, selectBackend } from '../../src/backend';
import { pix2pix } from '../../src/nn';
import { SeededRng } from '../../src/util/rng';
import { fashionEdgePairs } from '../../src/data/pix2pix-pairs';
import { assertClose } from '../backend/compare';

const {
  Pix2Pix,
  PatchDiscriminator,
  UnetGenerator,
  discriminatorLoss,
  generatorLoss,
  l1Loss,
  patchGridSize,
  patchReceptiveField,
  pix2pixOptimizers,
  pix2pixTrainStep,
} = pix2pix;

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

async function onBackend<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  assert.ok(await tf.setBackend(name));
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  try {
    return await fn();
  } finally {
    await tf.setBackend(previous);
  }
}

function noise(seed: number, shape: number[]): tf.Tensor4D {
  const rng = new SeededRng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1),
    shape as [number, number, number, number],
  );
}

/** A small configuration with every kind of layer: 16x16, three U-Net levels, a 34x34 PatchGAN. */
const TINY: pix2pix.Pix2PixConfig = { generator: { downsamplings: 4, filters: 4 }, discriminator: { layers: 2, filters: 4 } };

test("the 32x32 model: output shapes, and parameter counts equal to the PyTorch yardstick model's", () => {
  const model = new Pix2Pix({}, 0);
  const x = noise(1, [2, 32, 32, 1]);
  const y = model.generator.apply(x);
  const d = model.discriminator.apply(x, y);
  assert.deepEqual(y.shape, [2, 32, 32, 1]);
  assert.deepEqual(d.shape, [2, 2, 2, 1]);
  assert.ok(
    y.dataSync().every((v) => v > -1 && v < 1),
    'tanh output',
  );
  assert.deepEqual(model.generator.channels(), [64, 128, 256, 512, 512]);
  // nn.Module.parameters() of bench/yardsticks/torch_pix2pix_step.py's UNet and PatchGAN.
  assert.equal(model.generator.parameterCount(), 16_653_505);
  assert.equal(model.discriminator.parameterCount(), 2_764_609);
  // The federated engine averages variables by name: one unique name per variable.
  const names = model.variableNames();
  assert.equal(names.length, model.variables().length);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes('generator/enc1/kernel') && names.includes('discriminator/out/bias'));
  model.variables().forEach((v, i) => assert.equal(v.shape.join(), model.variables()[i].shape.join()));
  tf.dispose([x, y, d]);
  model.dispose();
});

test('seeded initialisation: N(0, 0.02) weights, N(1, 0.02) BatchNorm scales, zero biases; same seed, same model', () => {
  const a = new Pix2Pix({}, 3);
  const b = new Pix2Pix({}, 3);
  const w = a.generator.encoder[2].kernel.dataSync();
  let s = 0,
    s2 = 0;
  for (const v of w) {
    s += v;
    s2 += v * v;
  }
  const mean = s / w.length;
  const std = Math.sqrt(s2 / w.length - mean * mean);
  assert.ok(Math.abs(mean) < 1e-3 && Math.abs(std - 0.02) < 5e-4, `mean ${mean}, std ${std}`);
  const gamma = Array.from(a.generator.encoder[2].norm?.gamma.dataSync() ?? []);
  assert.ok(gamma.length === 256 && Math.abs(gamma.reduce((p, q) => p + q, 0) / 256 - 1) < 0.01);
  assert.ok(a.discriminator.layers[0].bias?.dataSync().every((v) => v === 0));
  assert.equal(a.generator.encoder[1].bias, undefined, 'no bias before BatchNorm');
  assert.equal(a.generator.encoder[4].norm, undefined, 'no BatchNorm at the 1x1 bottleneck');
  a.variables().forEach((v, i) => assert.deepEqual(v.dataSync(), b.variables()[i].dataSync()));
  a.dispose();
  b.dispose();
});

test('clear errors on sizes the downsamplings do not divide, wrong channels and bad configurations', () => {
  const model = new Pix2Pix(TINY, 0);
  tf.tidy(() => {
    assert.throws(() => model.generator.apply(tf.zeros([1, 24, 24, 1]) as tf.Tensor4D), /divisible by 16, got 24x24/);
    assert.throws(() => model.generator.apply(tf.zeros([1, 16, 16, 3]) as tf.Tensor4D), /\[batch, height, width, 1\]/);
    assert.throws(() => model.discriminator.apply(tf.zeros([1, 16, 16, 1]) as tf.Tensor4D, tf.zeros([1, 8, 8, 1]) as tf.Tensor4D), /differ/);
    assert.throws(() => model.discriminator.apply(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, tf.zeros([1, 8, 8, 1]) as tf.Tensor4D), /at least 12/);
  });
  const rng = new SeededRng(0);
  assert.throws(() => new UnetGenerator({ downsamplings: 1 }, rng), /at least 2/);
  assert.throws(() => new UnetGenerator({ dropout: 1 }, rng), /dropout rate/);
  assert.throws(() => new UnetGenerator({ filters: 0 }, rng), /filters/);
  assert.throws(() => new PatchDiscriminator({ layers: 0 }, rng), /layers/);
  const tensors = tf.memory().numTensors;
  assert.throws(() => new Pix2Pix({ discriminator: { imageChannels: 3 } }), /1 output channels/);
  assert.equal(tf.memory().numTensors, tensors, 'a rejected configuration makes no variables');
  model.dispose();
});

test('PatchGAN: (s/2^L − 2)² patches — 30x30 at 256 as in the paper, 2x2 at 32', () => {
  assert.equal(patchGridSize(256, 3), 30);
  assert.equal(patchReceptiveField(3), 70);
  assert.equal(patchReceptiveField(1), 16);
  for (const [size, layers, grid] of [
    [32, 3, 2],
    [64, 3, 6],
    [256, 3, 30],
    [16, 1, 6],
    [32, 2, 6],
  ]) {
    const d = new PatchDiscriminator({ layers, filters: 2 }, new SeededRng(1));
    const out = tf.tidy(() => d.apply(tf.zeros([1, size, size, 1]) as tf.Tensor4D, tf.zeros([1, size, size, 1]) as tf.Tensor4D));
    assert.deepEqual(out.shape, [1, grid, grid, 1], `size ${size}, ${layers} stride-2 layers`);
    out.dispose();
    d.dispose();
  }
});

test('PatchGAN receptive field: each patch logit depends on exactly its 16x16 window of the input (1 stride-2 layer)', () => {
  // Without normalisation (batch statistics would couple every pixel), the logit of patch
  // (i, j) sees input rows and columns 2i − 5 … 2i + 10: stride 2, padding 1 + 2·2.
  const d = new PatchDiscriminator({ layers: 1, filters: 4, norm: 'none' }, new SeededRng(2));
  const x = noise(3, [1, 16, 16, 1]);
  const y = noise(4, [1, 16, 16, 1]);
  for (const [i, j] of [
    [0, 0],
    [2, 3],
    [5, 5],
  ]) {
    const g = tf.tidy(() => tf.grad((c: tf.Tensor) => tf.slice(d.apply(c as tf.Tensor4D, y), [0, i, j, 0], [1, 1, 1, 1]).sum())(x));
    const v = g.dataSync();
    for (let r = 0; r < 16; r++) {
      for (let c = 0; c < 16; c++) {
        const inside = r >= 2 * i - 5 && r <= 2 * i + 10 && c >= 2 * j - 5 && c <= 2 * j + 10;
        if (inside) assert.notEqual(v[r * 16 + c], 0, `patch (${i}, ${j}) sees (${r}, ${c})`);
        else assert.equal(v[r * 16 + c], 0, `patch (${i}, ${j}) does not see (${r}, ${c})`);
      }
    }
    g.dispose();
  }
  tf.dispose([x, y]);
  d.dispose();
});

test('U-Net skip connections: with the bottleneck zeroed, the output still depends on the input — locally, through the first skip', () => {
  // Two levels, no normalisation. With enc2 (the bottleneck) zeroed only the path
  // x → enc1 → [skip] → out remains: output row y then reads input rows
  // 2·ceil((y − 2)/2) − 1 … 2·floor((y + 1)/2) + 2 (a 4x4 stride-2 conv, then its transpose).
  const g = new UnetGenerator({ downsamplings: 2, filters: 4, norm: 'none', dropoutBlocks: 0 }, new SeededRng(5));
  const x = noise(6, [1, 8, 8, 1]);
  const window = (p: number): [number, number] => [Math.max(0, 2 * Math.ceil((p - 2) / 2) - 1), Math.min(7, 2 * Math.floor((p + 1) / 2) + 2)];
  const gradAt = (py: number, px: number): Float32Array =>
    tf.tidy(
      () =>
        tf
          .grad((t: tf.Tensor) => tf.slice(g.apply(t as tf.Tensor4D), [0, py, px, 0], [1, 1, 1, 1]).sum())(x)
          .dataSync() as Float32Array,
    );
  const outside = (v: Float32Array, py: number, px: number): number => {
    const [r0, r1] = window(py);
    const [c0, c1] = window(px);
    let s = 0;
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) if (r < r0 || r > r1 || c < c0 || c > c1) s += Math.abs(v[r * 8 + c]);
    return s;
  };
  const full = gradAt(0, 0);
  assert.ok(outside(full, 0, 0) > 0, 'through the bottleneck the corner output sees the whole image');
  g.encoder[1].kernel.assign(tf.zerosLike(g.encoder[1].kernel));
  g.encoder[1].bias?.assign(tf.zerosLike(g.encoder[1].bias));
  for (const [py, px] of [
    [0, 0],
    [5, 2],
    [7, 7],
  ]) {
    const v = gradAt(py, px);
    assert.ok(
      v.some((e) => e !== 0),
      `output (${py}, ${px}) still depends on the input: the skip`,
    );
    assert.equal(outside(v, py, px), 0, `output (${py}, ${px}) depends only on its skip-path window`);
  }
  assert.equal(g.decoder.at(-1)?.kernel.shape[3], 2 * 4, 'the output layer reads the concatenation [enc1, dec1]');
  x.dispose();
  g.dispose();
});

test('dropout: seeded masks of the decoder blocks next to the bottleneck, half the units, kept values doubled', () => {
  const g = new UnetGenerator({}, new SeededRng(0));
  assert.deepEqual(g.dropoutShapes([1, 32, 32, 1]), [
    [1, 2, 2, 512],
    [1, 4, 4, 256],
  ]);
  const masks = g.sampleDropout(new SeededRng(9), [1, 32, 32, 1]);
  const m = masks[1].dataSync();
  assert.ok(m.every((v) => v === 0 || v === 2));
  const kept = m.filter((v) => v === 2).length / m.length;
  assert.ok(Math.abs(kept - 0.5) < 0.05, `kept fraction ${kept}`);
  const x = noise(1, [1, 32, 32, 1]);
  const [a, b, c] = [g.apply(x), g.apply(x), g.apply(x, masks)];
  assert.deepEqual(a.dataSync(), b.dataSync(), 'no masks: deterministic');
  assert.notDeepEqual(a.dataSync(), c.dataSync(), 'masks change the output');
  assert.throws(() => g.apply(x, masks.slice(1)), /dropout masks/);
  tf.dispose([...masks, x, a, b, c]);
  g.dispose();
});

test('losses: hand-computed BCE-with-logits and L1 values on tiny tensors', () => {
  const sp = (z: number): number => Math.log1p(Math.exp(z)); // softplus: BCE(x, 1) = sp(−x), BCE(x, 0) = sp(x)
  tf.tidy(() => {
    const real = tf.tensor4d([2, -1, 0, 0.5], [1, 2, 2, 1]);
    const fake = tf.tensor4d([0.3, -2, 1, 0], [1, 2, 2, 1]);
    const d = discriminatorLoss(real, fake).dataSync()[0];
    const expectedD = 0.5 * ((sp(-2) + sp(1) + sp(0) + sp(-0.5)) / 4 + (sp(0.3) + sp(-2) + sp(1) + sp(0)) / 4);
    assert.ok(Math.abs(d - expectedD) < 1e-6, `D loss ${d} vs ${expectedD}`);
    const img = tf.tensor4d([0.5, -0.5, 1, -1], [1, 2, 2, 1]);
    const target = tf.tensor4d([0, 0, 0, -1], [1, 2, 2, 1]);
    assert.ok(Math.abs(l1Loss(img, target).dataSync()[0] - 0.5) < 1e-7);
    const g = generatorLoss(fake, img, target, 100);
    const gan = (sp(-0.3) + sp(2) + sp(-1) + sp(0)) / 4;
    assert.ok(Math.abs(g.gan.dataSync()[0] - gan) < 1e-6);
    assert.ok(Math.abs(g.total.dataSync()[0] - (gan + 50)) < 1e-4);
    assert.throws(() => l1Loss(img, tf.zeros([1, 2, 1, 1])), /shapes differ/);
  });
});

/** Gradients of D's and G's losses for TINY's parameters on one pair. */
function lossGradients(model: pix2pix.Pix2Pix, x: tf.Tensor4D, y: tf.Tensor4D, masks: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const fake = model.generator.apply(x, masks);
    const d = tf.variableGrads(() => discriminatorLoss(model.discriminator.apply(x, y), model.discriminator.apply(x, fake)), model.discriminator.variables());
    const g = tf.variableGrads(() => {
      const f = model.generator.apply(x, masks);
      return generatorLoss(model.discriminator.apply(x, f), f, y).total;
    }, model.generator.variables());
    return [...model.discriminator.variables().map((v) => d.grads[v.name]), ...model.generator.variables().map((v) => g.grads[v.name])].map((t) =>
      Float32Array.from(t.dataSync()),
    );
  });
}

test("gradients of a tiny Pix2Pix: the native backend agrees with tfjs's cpu backend, parameter by parameter", async () => {
  const run = (backend: string): Promise<{ names: string[]; grads: Float32Array[] }> =>
    onBackend(backend, () => {
      const model = new Pix2Pix(TINY, 11);
      const x = noise(12, [2, 16, 16, 1]);
      const y = noise(13, [2, 16, 16, 1]);
      const masks = model.generator.sampleDropout(new SeededRng(14), x.shape);
      const grads = lossGradients(model, x, y, masks);
      const names = [...model.discriminator.variableNames(), ...model.generator.variableNames()];
      tf.dispose([x, y, ...masks]);
      model.dispose();
      return { names, grads };
    });
  const native = await run(NATIVE_BACKEND_NAME);
  const cpu = await run('cpu');
  native.grads.forEach((g, i) => {
    assert.ok(
      g.some((v) => v !== 0),
      `${native.names[i]} has a gradient`,
    );
    assertClose({ shape: [g.length], values: g }, { shape: [cpu.grads[i].length], values: cpu.grads[i] }, 1e-4, native.names[i]);
  });
});

test('gradients of a tiny Pix2Pix agree with finite differences, variable by variable (cpu, float32)', async () => {
  // For each variable, the directional derivative along a random direction scaled to the
  // variable's own size (BatchNorm makes the loss scale-invariant in a conv kernel, so a
  // fixed step would be large for kernels of std 0.02 and tiny for scales near 1), estimated
  // by the least-squares slope of the loss at 21 symmetric steps (averaging float32 noise).
  // Batch 2 and a 2x2 bottleneck: BatchNorm over 4 values (a 1x1 bottleneck's neighbours at
  // batch 1) bends the loss too sharply for finite differences to see its slope.
  await onBackend('cpu', () => {
    const model = new Pix2Pix({ generator: { downsamplings: 3, filters: 4 }, discriminator: { layers: 2, filters: 4 } }, 21);
    const x = noise(22, [2, 16, 16, 1]);
    const y = noise(23, [2, 16, 16, 1]);
    const fake = tf.tidy(() => model.generator.apply(x));
    const dLoss = (): tf.Scalar => discriminatorLoss(model.discriminator.apply(x, y), model.discriminator.apply(x, fake));
    const gLoss = (): tf.Scalar => {
      const f = model.generator.apply(x);
      return generatorLoss(model.discriminator.apply(x, f), f, y, 1).total;
    };
    const rng = new SeededRng(24);
    for (const [net, loss, vars, names] of [
      ['D', dLoss, model.discriminator.variables(), model.discriminator.variableNames()],
      ['G', gLoss, model.generator.variables(), model.generator.variableNames()],
    ] as const) {
      const { grads } = tf.variableGrads(loss, vars);
      const results = vars.map((v) => {
        const w = Float32Array.from(v.dataSync());
        const rms = Math.max(Math.sqrt(w.reduce((a, b) => a + b * b, 0) / w.length), 0.02);
        const dir = Float32Array.from(w, () => (rng.next() * 2 - 1) * rms);
        const g = grads[v.name].dataSync();
        let analytic = 0;
        for (let k = 0; k < g.length; k++) analytic += g[k] * dir[k];
        let num = 0,
          den = 0;
        for (let k = -10; k <= 10; k++) {
          const e = k * 5e-4;
          v.assign(
            tf.tensor(
              w.map((wk, i) => wk + e * dir[i]),
              v.shape,
            ),
          );
          num += e * tf.tidy(() => loss().dataSync()[0]);
          den += e * e;
        }
        v.assign(tf.tensor(w, v.shape));
        return { analytic, numeric: num / den };
      });
      tf.dispose(Object.values(grads));
      const scale = Math.max(...results.map((r) => Math.abs(r.analytic)));
      results.forEach((r, i) =>
        assert.ok(
          Math.abs(r.numeric - r.analytic) <= 0.05 * Math.abs(r.analytic) + 5e-3 * scale,
          `${net} ${names[i]}: finite differences ${r.numeric} vs gradient ${r.analytic}`,
        ),
      );
    }
    tf.dispose([x, y, fake]);
    model.dispose();
  });
});

test('one training step (then a second) gives the same losses and weights on the native and the cpu backend', async () => {
  const run = (backend: string) =>
    onBackend(backend, () => {
      const model = new Pix2Pix(TINY, 31);
      const opt = pix2pixOptimizers(model);
      const x = noise(32, [1, 16, 16, 1]);
      const y = noise(33, [1, 16, 16, 1]);
      const rng = new SeededRng(34);
      const losses = [pix2pixTrainStep(model, opt, x, y, rng), pix2pixTrainStep(model, opt, x, y, rng)];
      const weights = model.variables().map((v) => Float32Array.from(v.dataSync()));
      tf.dispose([x, y]);
      opt.generator.dispose();
      opt.discriminator.dispose();
      model.dispose();
      return { losses, weights };
    });
  const before = tf.memory().numTensors;
  const native = await run(NATIVE_BACKEND_NAME);
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked by the steps');
  const cpu = await run('cpu');
  native.losses.forEach((l, s) => {
    for (const k of ['d', 'gGan', 'gL1'] as const) {
      assert.ok(Math.abs(l[k] - cpu.losses[s][k]) <= 1e-4 * (1 + Math.abs(cpu.losses[s][k])), `step ${s + 1} ${k}: native ${l[k]} vs cpu ${cpu.losses[s][k]}`);
    }
  });
  // Adam's first steps move each weight by about lr·sign(g): a gradient within rounding of 0
  // may take either sign on the two backends, so weights agree to 2·lr, not better.
  native.weights.forEach((w, i) => assertClose({ shape: [w.length], values: w }, { shape: [w.length], values: cpu.weights[i] }, 4.1e-4, `weights ${i}`));
});

test('training trains: a few steps on one Fashion-MNIST edges→image pair reduce the L1 loss (32x32 model)', () => {
  const { edges, images } = fashionEdgePairs('train', { count: 1 });
  const model = new Pix2Pix({}, 41);
  const opt = pix2pixOptimizers(model);
  const rng = new SeededRng(42);
  const l1: number[] = [];
  for (let i = 0; i < 10; i++) l1.push(pix2pixTrainStep(model, opt, edges, images, rng).gL1);
  const trace = l1.map((v) => v.toFixed(3)).join(' → ');
  assert.ok(l1.every(Number.isFinite));
  assert.ok(
    l1.every((v, i) => i === 0 || v < l1[i - 1]),
    `L1 falls at every step: ${trace}`,
  );
  assert.ok(l1[9] < 0.7 * l1[0], `L1 ${trace}`);
  const same = new Pix2Pix({}, 41);
  const sameOpt = pix2pixOptimizers(same);
  const rng2 = new SeededRng(42);
  assert.equal(pix2pixTrainStep(same, sameOpt, edges, images, rng2).gL1, l1[0], 'same seed, same first step');
  tf.dispose([edges, images]);
  for (const o of [opt, sameOpt]) {
    o.generator.dispose();
    o.discriminator.dispose();
  }
  model.dispose();
  same.dispose();
});

test('the training step rejects a target that does not fit the condition', () => {
  const model = new Pix2Pix(TINY, 0);
  const opt = pix2pixOptimizers(model);
  tf.tidy(() => {
    assert.throws(
      () => pix2pixTrainStep(model, opt, tf.zeros([1, 16, 16, 1]) as tf.Tensor4D, tf.zeros([2, 16, 16, 1]) as tf.Tensor4D, new SeededRng(0)),
      /target must be/,
    );
  });
  opt.generator.dispose();
  opt.discriminator.dispose();
  model.dispose();
});
