/**
 * The one-call notebook cells (kernel-ext/cells): each shows a table and returns its data.
 * Checked against brute force (pruning), against the clear integer model and tfhe's own
 * decryption (FHE), and by what an untrained generator must score (FID).
 */
import { test, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import * as lab from '../../kernel-ext/index';
import { Gan, Mlp } from '../../src/nn';
import { SeededRng } from '../../src/util/rng';
import { selectBackend } from '../../src/backend';
import { defaultParameterSetName } from '../../src/fhe/tfhe/shortint';
import { runQuantized, quantizeInputs } from '../../src/quant';

let shown: string[] = [];
const prevSink = lab.setDisplaySink((bundle) => shown.push(String(bundle['text/html'] ?? bundle['text/plain'] ?? '')));
after(() => lab.setDisplaySink(prevSink));
beforeEach(() => {
  shown = [];
});

function randomInputs(rng: SeededRng, count: number, features: number): Float32Array {
  return Float32Array.from({ length: count * features }, () => rng.next());
}

test('lab.prune: the smallest weights go, exactly the fraction per layer, fan-in capped, table shown', () => {
  const mlp = new Mlp({ sizes: [12, 8, 5], hiddenActivation: 'relu' }, new SeededRng(3));
  const before = mlp.layers.map((l) => Array.from(l.kernel.dataSync()));
  const masks = lab.prune(mlp, { fraction: 0.5, maxFanIn: 4 });
  mlp.layers.forEach((l, k) => {
    const [inputs, outputs] = l.kernel.shape;
    const after = l.kernel.dataSync();
    const kept = before[k].filter((_, i) => after[i] !== 0).map(Math.abs);
    const dropped = before[k].filter((_, i) => after[i] === 0).map(Math.abs);
    assert.ok(dropped.length >= before[k].length / 2, `layer ${k}: at least half pruned`);
    for (let i = 0; i < after.length; i++) assert.ok(after[i] === 0 || after[i] === before[k][i], 'kept weights unchanged');
    for (let o = 0; o < outputs; o++) {
      let active = 0;
      for (let i = 0; i < inputs; i++) active += after[i * outputs + o] !== 0 ? 1 : 0;
      assert.ok(active <= 4, `neuron ${o} of layer ${k} keeps ${active} > 4 inputs`);
    }
    // per neuron, every kept weight outweighs every dropped one of the same neuron
    for (let o = 0; o < outputs; o++) {
      const col = (keep: boolean) =>
        Array.from({ length: inputs }, (_, i) => i)
          .filter((i) => (after[i * outputs + o] !== 0) === keep)
          .map((i) => Math.abs(before[k][i * outputs + o]));
      if (col(true).length && col(false).length)
        assert.ok(Math.min(...col(true)) >= Math.max(...col(false)), `layer ${k} neuron ${o}: a dropped weight outweighs a kept one`);
    }
    assert.equal(
      masks[k].reduce((s, m) => s + m, 0),
      kept.length,
      'mask matches the weights',
    );
  });
  assert.equal(shown.length, 1);
  assert.match(shown[0], /max fan-in/);
  mlp.dispose();
});

test('lab.quantize → lab.fhe.compile → simulate → execute: the encrypted outputs equal the simulation and the clear model', async () => {
  const rng = new SeededRng(5);
  const mlp = new Mlp({ sizes: [6, 5, 3], hiddenActivation: 'relu', outputActivation: 'linear' }, rng);
  const calib = randomInputs(rng, 100, 6);
  const model = lab.quantize(mlp, calib, { weightBits: 2, activationBits: 3, inputBits: 2, inputRange: { min: 0, max: 1 } });
  assert.equal(model.layers.length, 2);
  assert.match(shown[0], /accumulator bits/);
  const m = lab.fhe.compile(model, calib, { parameterSet: defaultParameterSetName(3) });
  assert.ok(m.report.predictedReadError < 1e-6);
  const x = calib.subarray(0, 3 * 6);
  const clear = runQuantized(model, quantizeInputs(model, x), 3).outputs;
  const sim = await lab.fhe.simulate(m, x);
  assert.deepEqual(Array.from(sim.levels), Array.from(clear), 'a circuit without read errors simulates the clear model exactly');
  const exec = await lab.fhe.execute(m, x);
  assert.deepEqual(Array.from(exec.levels), Array.from(clear), 'decrypted by tfhe: the clear model');
  assert.ok(exec.times!.server_s > 0);
  assert.ok(
    shown.some((h) => /execute vs simulate/.test(h)),
    'the execute table',
  );
  m.dispose();
  mlp.dispose();
});

test('lab.fid: an untrained generator scores far above the real-data floor', async () => {
  await selectBackend({ quiet: true });
  const gan = new Gan({}, 1);
  const r = await lab.fid(gan, { count: 300, seed: 2, label: 'untrained' });
  assert.ok(r.realFloor > 0 && r.realFloor < 5, `floor ${r.realFloor}`);
  assert.ok(r.fid > 20 * r.realFloor, `FID ${r.fid} vs floor ${r.realFloor}`);
  assert.match(shown[shown.length - 1], /untrained/);
  assert.equal(r.classShares.length, 10);
  assert.ok(Math.abs(r.classShares.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'shares of all samples');
  assert.equal(r.classesCovered, r.classShares.filter((x) => x >= 0.05).length);
  assert.match(shown[shown.length - 1], /classes ≥ 5 %/);
  gan.dispose();
});
