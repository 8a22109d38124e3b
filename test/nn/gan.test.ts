import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { Adam, bceWithLogits, Gan, ganOptimizers, ganTrainStep, REFERENCE_GAN } from '../../src/nn';
import { SeededRng } from '../../src/util/rng';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

/** A real-looking batch: seeded noise in [-1, 1]. */
function batch(seed: number, n: number, size = 784): tf.Tensor2D {
  const rng = new SeededRng(seed);
  return tf.tensor2d(
    Float32Array.from({ length: n * size }, () => rng.next() * 2 - 1),
    [n, size],
  );
}

function runSteps(seed: number, steps: number, config: Partial<typeof REFERENCE_GAN> = {}): { d: number[]; g: number[] } {
  const gan = new Gan(config, seed);
  const opt = ganOptimizers(gan);
  const rng = new SeededRng(seed + 100);
  const real = batch(seed, 64, gan.config.imageSize);
  const out = { d: [] as number[], g: [] as number[] };
  for (let i = 0; i < steps; i++) {
    const l = ganTrainStep(gan, opt, real, rng, gan.conditional ? Array.from({ length: 64 }, (_, k) => k % 10) : undefined);
    out.d.push(l.d);
    out.g.push(l.g);
  }
  tf.dispose(real);
  gan.dispose();
  opt.discriminator.dispose();
  opt.generator.dispose();
  return out;
}

test('the reference GAN has the source architecture', () => {
  const gan = new Gan({}, 0);
  assert.deepEqual(gan.generator.config.sizes, [100, 256, 512, 1024, 784]);
  assert.deepEqual(gan.discriminator.config.sizes, [784, 1024, 512, 256, 1]);
  assert.equal(gan.generator.layers.at(-1)?.activation, 'tanh');
  assert.equal(gan.discriminator.layers.at(-1)?.activation, 'linear');
  assert.ok(gan.generator.layers.slice(0, -1).every((l) => l.activation === 'leakyrelu'));
  assert.equal(gan.generator.parameterCount(), 100 * 256 + 256 + 256 * 512 + 512 + 512 * 1024 + 1024 + 1024 * 784 + 784);
  const img = tf.tidy(() => gan.generate(gan.sampleLatent(new SeededRng(1), 3)));
  const v = img.dataSync();
  assert.deepEqual(img.shape, [3, 784]);
  assert.ok(
    v.every((x) => x >= -1 && x <= 1),
    'tanh output is in [-1, 1]',
  );
  img.dispose();
  gan.dispose();
});

test('a seeded reference GAN run: losses finite, changing, identical for the same seed, different for another', () => {
  const a = runSteps(7, 12);
  const b = runSteps(7, 12);
  const c = runSteps(8, 12);
  for (const l of [...a.d, ...a.g]) assert.ok(Number.isFinite(l), `finite loss ${l}`);
  assert.notEqual(a.d[0], a.d[11], 'D loss changes');
  assert.notEqual(a.g[0], a.g[11], 'G loss changes');
  // D learns to tell this fixed "real" batch from G's output: its loss falls from about 2·ln 2.
  assert.ok(Math.abs(a.d[0] - 2 * Math.LN2) < 0.3, `initial D loss ${a.d[0]} ≈ 2 ln 2`);
  assert.ok(a.d[11] < a.d[0], `D loss falls: ${a.d[0]} → ${a.d[11]}`);
  assert.deepEqual(a, b, 'same seed, same losses');
  assert.notDeepEqual(a.d, c.d, 'another seed, other losses');
});

test('training steps leak no tensors', () => {
  const gan = new Gan({ generatorHidden: [32], discriminatorHidden: [32], latentDim: 8 }, 1);
  const opt = ganOptimizers(gan);
  const rng = new SeededRng(2);
  const real = batch(3, 16);
  ganTrainStep(gan, opt, real, rng);
  const n = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) ganTrainStep(gan, opt, real, rng);
  assert.equal(tf.memory().numTensors, n);
  tf.dispose(real);
  gan.dispose();
});

test('conditional GAN: label-conditioned G and D train; labels are checked', () => {
  const l = runSteps(5, 4, { numClasses: 10, generatorHidden: [64], discriminatorHidden: [64] });
  assert.ok([...l.d, ...l.g].every(Number.isFinite));
  const gan = new Gan({ numClasses: 10, generatorHidden: [16], discriminatorHidden: [16] }, 1);
  assert.equal(gan.generator.inputSize, 110);
  assert.equal(gan.discriminator.inputSize, 794);
  const opt = ganOptimizers(gan);
  const real = batch(1, 4);
  assert.throws(() => ganTrainStep(gan, opt, real, new SeededRng(1)), /needs 4 labels/);
  assert.throws(() => gan.oneHot([3, 10]), /label 10 is outside the 10 classes/);
  assert.throws(() => gan.generate(tf.zeros([2, 100]) as tf.Tensor2D), /needs one-hot labels/);
  // Different labels, different images from the same latent vectors.
  const z = gan.sampleLatent(new SeededRng(4), 2);
  const a = tf.tidy(() => gan.generate(z, gan.oneHot([0, 0])).dataSync());
  const b = tf.tidy(() => gan.generate(z, gan.oneHot([1, 1])).dataSync());
  assert.notDeepEqual(Array.from(a), Array.from(b));
  tf.dispose([real, z]);
  gan.dispose();
});

test('bceWithLogits matches the textbook formula for 0/1 and soft targets', () => {
  const logits = tf.tensor2d([[-3], [-0.5], [0], [2], [40]]);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const xs = [-3, -0.5, 0, 2, 40];
  const expected = (ts: number[]) => xs.reduce((s, x, i) => s - (ts[i] * Math.log(sig(x)) + (1 - ts[i]) * Math.log(1 - sig(x) || 1e-300)), 0) / xs.length;
  assert.ok(Math.abs(bceWithLogits(logits, 1).dataSync()[0] - expected([1, 1, 1, 1, 1])) < 1e-5);
  const t = [1, 0, 1, 0, 1];
  assert.ok(Math.abs(bceWithLogits(logits, t).dataSync()[0] - expected(t)) < 1e-5);
  const soft = [0.9, 0.9, 0.1, 0.5, 0.9];
  // 40 with target 0.9: log(1 − σ(40)) underflows in the textbook form; compare the others.
  const x4 = tf.tensor2d([[-3], [-0.5], [0], [2]]);
  const e4 = [-3, -0.5, 0, 2].reduce((s, x, i) => s - (soft[i] * Math.log(sig(x)) + (1 - soft[i]) * Math.log(1 - sig(x))), 0) / 4;
  assert.ok(Math.abs(bceWithLogits(x4, soft.slice(0, 4)).dataSync()[0] - e4) < 1e-5);
  assert.throws(() => bceWithLogits(logits, [1, 0]), /2 targets for 5 rows/);
  tf.dispose([logits, x4]);
});

test('Adam: checks its settings and that every variable has a gradient', () => {
  const v = tf.variable(tf.zeros([2]));
  assert.throws(() => new Adam([v], { learningRate: 0 }), /learning rate must be positive/);
  assert.throws(() => new Adam([v], { beta1: 1 }), /betas must be in \[0, 1\)/);
  const opt = new Adam([v]);
  assert.throws(() => opt.apply({}), /no gradient for variable/);
  opt.dispose();
  v.dispose();
});

/**
 * The direction of each update, against expectations that do not come from ganTrainStep:
 * a tiny GAN, one step with the other network frozen (its Adam's learning rate 1e-30
 * leaves every float32 weight exactly as it was).
 */
const TINY = { latentDim: 8, imageHeight: 4, imageWidth: 4, generatorHidden: [32], discriminatorHidden: [32] };

function snapshot(vars: tf.Variable[]): Float32Array[] {
  return vars.map((v) => Float32Array.from(v.dataSync()));
}

function meanLogit(gan: Gan, images: tf.Tensor2D): number {
  return tf.tidy(() => tf.mean(gan.discriminate(images)).dataSync()[0]);
}

test("a generator step (D frozen) follows −∇ BCE(D(G(z)), 1): Adam's first step is −lr·sign(g), and D(G(z)) rises", () => {
  const gan = new Gan(TINY, 21);
  const gVars = gan.generator.variables();
  const dVars = gan.discriminator.variables();
  const opt = { generator: new Adam(gVars, { learningRate: 2e-4 }), discriminator: new Adam(dVars, { learningRate: 1e-30 }) };
  const real = batch(22, 32, 16);
  // The step draws D's generated batch, then G's latent batch, from its rng: replay both.
  const replay = new SeededRng(23);
  const zD = gan.sampleLatent(replay, 32);
  const zG = gan.sampleLatent(replay, 32);
  const zHeld = gan.sampleLatent(new SeededRng(24), 512); // latents the step never saw
  // The textbook generator loss, −mean log σ(D(G(z))), and its gradient by autodiff.
  const loss = (): tf.Scalar => tf.neg(tf.mean(tf.log(tf.sigmoid(gan.discriminate(gan.generate(zG)))))) as tf.Scalar;
  const { grads } = tf.variableGrads(loss, gVars);
  const g = gVars.map((v) => Float32Array.from(grads[v.name].dataSync()));
  tf.dispose(grads);
  const g0 = snapshot(gVars);
  const d0 = snapshot(dVars);
  const onBatch0 = meanLogit(
    gan,
    tf.tidy(() => gan.generate(zG)),
  );
  const held0 = meanLogit(
    gan,
    tf.tidy(() => gan.generate(zHeld)),
  );

  ganTrainStep(gan, opt, real, new SeededRng(23));

  assert.deepEqual(snapshot(dVars), d0, 'the discriminator is frozen');
  let agree = 0;
  let counted = 0;
  snapshot(gVars).forEach((after, k) => {
    for (let i = 0; i < after.length; i++) {
      if (Math.abs(g[k][i]) < 1e-6) continue; // Adam's ε (1e-8) and float rounding blur tiny gradients
      counted++;
      const step = after[i] - g0[k][i];
      if (Math.sign(step) === -Math.sign(g[k][i]) && Math.abs(Math.abs(step) - 2e-4) < 2e-5) agree++;
    }
  });
  assert.ok(counted > 500, `${counted} weights with a gradient`);
  assert.ok(agree / counted > 0.99, `${agree}/${counted} generator weights moved by −lr·sign(∂BCE(D(G(z)),1)/∂w)`);
  const onBatch1 = meanLogit(
    gan,
    tf.tidy(() => gan.generate(zG)),
  );
  const held1 = meanLogit(
    gan,
    tf.tidy(() => gan.generate(zHeld)),
  );
  assert.ok(onBatch1 > onBatch0, `D(G(z)) on the step's batch: ${onBatch0} → ${onBatch1}`);
  assert.ok(held1 > held0, `D(G(z)) on 512 other latents: ${held0} → ${held1}`);
  tf.dispose([real, zD, zG, zHeld]);
  gan.dispose();
  opt.generator.dispose();
  opt.discriminator.dispose();
});

test('a discriminator step (G frozen) raises D(real) and lowers D(G(z)) on its batch', () => {
  const gan = new Gan(TINY, 31);
  const gVars = gan.generator.variables();
  const opt = { generator: new Adam(gVars, { learningRate: 1e-30 }), discriminator: new Adam(gan.discriminator.variables(), { learningRate: 1e-3 }) };
  const real = batch(32, 32, 16);
  const zD = gan.sampleLatent(new SeededRng(33), 32);
  const fake = tf.tidy(() => gan.generate(zD));
  const g0 = snapshot(gVars);
  const [r0, f0] = [meanLogit(gan, real), meanLogit(gan, fake)];
  ganTrainStep(gan, opt, real, new SeededRng(33));
  assert.deepEqual(snapshot(gVars), g0, 'the generator is frozen');
  const [r1, f1] = [meanLogit(gan, real), meanLogit(gan, fake)];
  assert.ok(r1 > r0, `D(real): ${r0} → ${r1}`);
  assert.ok(f1 < f0, `D(G(z)): ${f0} → ${f1}`);
  tf.dispose([real, zD, fake]);
  gan.dispose();
  opt.generator.dispose();
  opt.discriminator.dispose();
});
