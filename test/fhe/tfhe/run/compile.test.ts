/**
 * The FHE compiler and simulation, in the clear (no keys): noise-free simulation equals
 * the clear integer model; the report's fields follow from the circuit; simulated noise
 * produces the predicted read-error rate; circuit files round-trip and malformed ones are
 * refused; models that cannot fit get an error naming the layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuantizedModel, quantizeInputs, runQuantized } from '../../../../src/quant';
import { signedBits } from '../../../../src/prune/accumulator';
import { defaultParameterSetName } from '../../../../src/fhe/tfhe/shortint';
import { bootstrapKeySize, keyswitchKeySize } from '../../../../src/fhe/tfhe/core';
import {
  CircuitFormatError,
  CompileError,
  circuitToJson,
  clientSpec,
  compileCircuit,
  levelAt,
  parseCircuit,
  parseClientSpec,
  readErrorProbability,
  FheCircuit,
} from '../../../../src/fhe/tfhe/compile';
import { normalTail } from '../../../../src/fhe/tfhe/core';
import { SeededRng } from '../../../../src/util/rng';
import { decodeDigits, encodeDigits, simulateCircuit } from '../../../../src/fhe/tfhe/run';
import { freshInputs, noisyTotals, smallModel } from './fixtures';

const SET_N1024 = defaultParameterSetName(3); // message 8, N = 1024, k = 2
const SET_N512 = defaultParameterSetName(2); // message 4, N = 512, k = 3

function assertSimulationMatchesClear(model: QuantizedModel, c: FheCircuit, x: Float32Array, what: string): void {
  const count = x.length / model.layers[0].inputs;
  const xq = quantizeInputs(model, x);
  const ref = runQuantized(model, xq, count);
  const sim = simulateCircuit(c, xq, count);
  assert.deepEqual(Array.from(sim.outputs), Array.from(ref.outputs), what);
}

test('noise-free simulation equals the clear integer model (calibration and fresh inputs)', () => {
  const cases = [
    { seed: 1, sizes: [16, 12, 8, 4], acts: ['relu', 'relu', 'linear'] as const, bits: { weight: 3, activation: 3 }, set: SET_N1024 },
    // (a 4-bit model on N = 512: only a 10 % margin fits)
    { seed: 2, sizes: [10, 6, 5], acts: ['leakyrelu', 'tanh'] as const, bits: { weight: 4, activation: 4 }, set: SET_N512, margin: 0.1 },
    { seed: 3, sizes: [12, 8, 3], acts: ['sigmoid', 'linear'] as const, bits: { weight: 2, activation: 2, input: 2 }, set: SET_N1024 },
  ];
  for (const k of cases) {
    const m = smallModel(k.seed, k.sizes, [...k.acts], k.bits);
    const c = compileCircuit(m.model, m.inputs, { parameterSet: k.set, margin: 'margin' in k ? k.margin : undefined });
    assert.ok(
      c.report.layers.every((l) => l.lossless),
      `case ${k.seed} should compile losslessly`,
    );
    assertSimulationMatchesClear(m.model, c, m.inputs, `case ${k.seed}, calibration set`);
    assertSimulationMatchesClear(m.model, c, freshInputs(100 + k.seed, 300, k.sizes[0]), `case ${k.seed}, fresh inputs`);
  }
});

test('digits: 4-bit inputs and outputs on a 2-bit message set travel as two digits each', () => {
  const m = smallModel(2, [10, 6, 5], ['leakyrelu', 'tanh'], { weight: 4, activation: 4 });
  const c = compileCircuit(m.model, m.inputs, { parameterSet: SET_N512, margin: 0.1 });
  assert.equal(c.params.messageModulus, 4);
  assert.equal(c.report.inputDigits, 2);
  assert.equal(c.report.outputDigits, 2);
  assert.equal(c.report.pbsCount, 6 + 5 * 2);
  assert.equal(c.report.reads, 6 + 5);
  assert.equal(c.layers[0].inputs, 20);
  // codec round trip over the whole range, including tfhe's modular reading of a wrapped digit
  const levels = Int32Array.from({ length: 16 }, (_, i) => c.input.quant.qmin + i);
  const digits = encodeDigits(levels, c.input, 4);
  assert.ok(digits.every((d) => d >= 0 && d < 4));
  assert.deepEqual(Array.from(decodeDigits(digits, c.input, 4)), Array.from(levels));
  assert.deepEqual(Array.from(decodeDigits([-1, 0], c.input, 4)), [c.input.quant.qmin + 3]);
});

test('compile report: PBS count, accumulator bits, resolution, predicted errors, key sizes', () => {
  const m = smallModel(1, [16, 12, 8, 4], ['relu', 'relu', 'linear'], { weight: 3, activation: 3 });
  const c = compileCircuit(m.model, m.inputs, { parameterSet: SET_N1024 });
  const r = c.report;
  assert.equal(r.parameterSet, SET_N1024);
  assert.equal(r.pbsCount, 12 + 8 + 4);
  assert.equal(r.polynomialSize, 1024);
  assert.equal(r.plaintextModulus, c.params.messageModulus * c.params.carryModulus);
  const xq = quantizeInputs(m.model, m.inputs);
  const run = runQuantized(m.model, xq, m.count);
  r.layers.forEach((l, k) => {
    const accs = run.accumulators[k];
    assert.equal(l.accumulatorBits, signedBits(Math.min(...accs), Math.max(...accs)), `layer ${k} accumulator bits`);
    assert.deepEqual(l.accumulatorRange, [Math.min(...accs), Math.max(...accs)]);
    assert.ok(l.accumulatorBitsWorstCase >= l.accumulatorBits);
    assert.ok(Number.isInteger(l.positionsPerValue) && l.positionsPerValue >= 1);
    // the widest window fits the N positions
    assert.ok(l.windowValues * l.positionsPerValue <= 1024, `layer ${k}: ${l.windowValues} values × ${l.positionsPerValue} positions`);
    assert.ok(Math.abs(l.tableResolutionBits - Math.log2(1024 / l.positionsPerValue)) < 1e-9);
    assert.ok(l.readNoiseStd > 1 && l.readNoiseStd < 20, `layer ${k} read noise ${l.readNoiseStd}`);
    assert.ok(l.predictedReadError >= 0 && l.predictedReadError < 0.2);
  });
  assert.ok(r.predictedInferenceError >= r.predictedReadError && r.predictedInferenceError <= 1);
  assert.ok(Math.abs(r.predictedErrorsPerInference - r.layers.reduce((s, l) => s + l.predictedReadError * l.neurons, 0)) < 1e-9);
  assert.equal(r.keys.bootstrapKeyBytes, 8 * bootstrapKeySize(c.params));
  assert.equal(r.keys.keyswitchKeyBytes, 8 * keyswitchKeySize(c.params));
  assert.equal(r.keys.uploadBytesPerSample, 16 * r.keys.ciphertextBytes);
  assert.ok(r.outputDecryptError < 1e-9);
});

test('automatic parameter choice: cheapest candidate within the error target; too strict a target is an error', () => {
  const m = smallModel(1, [16, 12, 8, 4], ['relu', 'relu', 'linear'], { weight: 3, activation: 3 });
  const c = compileCircuit(m.model, m.inputs, { pError: 0.02 });
  const tried = c.report.candidates;
  assert.equal(tried[tried.length - 1].parameterSet, c.parameterSet);
  for (let i = 1; i < tried.length; i++) assert.ok(tried[i].cost >= tried[i - 1].cost, 'candidates are tried cheapest first');
  for (const t of tried.slice(0, -1)) assert.ok(!t.fits || (t.predictedReadError ?? 0) > 0.02, `${t.parameterSet} was skipped for a reason`);
  assert.ok(c.report.predictedReadError <= 0.02);
  assert.throws(
    () => compileCircuit(m.model, m.inputs, { pError: 1e-12, candidates: [SET_N512, SET_N1024] }),
    (e: Error) => e instanceof CompileError && /no parameter set meets the error target \(pError 1e-12/.test(e.message),
  );
});

test('read-error model: the run-based sum equals a position-by-position sum, wrap included', () => {
  const rng = new SeededRng(9);
  const n = 256;
  // step tables with a few random steps, one or two per neuron (digits)
  const table = (): Int32Array => {
    const t = new Int32Array(n);
    let v = rng.nextInt(5) - 2;
    for (let i = 0; i < n; i++) {
      if (rng.nextInt(40) === 0) v = rng.nextInt(5) - 2;
      t[i] = v;
    }
    return t;
  };
  for (let k = 0; k < 40; k++) {
    const tables = k % 3 === 0 ? [table(), table()] : [table()];
    const x = rng.next() * 2 * n;
    const sigma = 0.3 + rng.next() * 12;
    const base = tables.map((tb) => levelAt(tb, Math.floor(x + 0.5) % (2 * n)));
    let brute = 0;
    for (let t = Math.floor(x) - 200; t <= Math.floor(x) + 200; t++) {
      const tt = ((t % (2 * n)) + 2 * n) % (2 * n);
      if (tables.some((tb, i) => levelAt(tb, tt) !== base[i])) brute += normalTail((t - 0.5 - x) / sigma) - normalTail((t + 0.5 - x) / sigma);
    }
    assert.ok(Math.abs(readErrorProbability(tables, x, sigma) - brute) < 1e-9, `case ${k}: ${readErrorProbability(tables, x, sigma)} vs ${brute}`);
  }
  assert.equal(readErrorProbability([new Int32Array(n).fill(3)], 10, 0), 0);
});

test('simulated read noise gives the predicted read-error rate', () => {
  const m = smallModel(1, [16, 12, 8, 4], ['relu', 'relu', 'linear'], { weight: 3, activation: 3 });
  const c = compileCircuit(m.model, m.inputs, { parameterSet: SET_N1024 });
  const xq = quantizeInputs(m.model, m.inputs);
  const { wrong, reads } = noisyTotals(c, xq, m.count, 10);
  const p = c.report.predictedReadError;
  const measured = wrong / reads;
  const sd = Math.sqrt((p * (1 - p)) / reads);
  // Reads after the first layer see inputs that noise already changed, so the prediction
  // (made on noise-free inputs) is approximate: allow 15 % plus 4 standard deviations.
  assert.ok(Math.abs(measured - p) <= 4 * sd + 0.15 * p, `measured ${measured} vs predicted ${p} over ${reads} reads`);
  assert.ok(wrong > 0, 'the noise model is not a no-op');
});

test('circuit files round-trip; malformed ones are refused with the reason', () => {
  const m = smallModel(3, [12, 8, 3], ['sigmoid', 'linear'], { weight: 2, activation: 2, input: 2 });
  const c = compileCircuit(m.model, m.inputs, { parameterSet: SET_N1024, name: 'roundtrip' });
  const text = circuitToJson(c);
  const back = parseCircuit(text);
  assert.equal(circuitToJson(back), text);
  const xq = quantizeInputs(m.model, m.inputs);
  assert.deepEqual(Array.from(simulateCircuit(back, xq, m.count).outputs), Array.from(simulateCircuit(c, xq, m.count).outputs));
  const spec = parseClientSpec(JSON.stringify(clientSpec(c)));
  assert.equal(spec.circuitId.length, 16);
  assert.equal(JSON.stringify(spec).includes('tables'), false, 'the client spec carries no tables or weights');

  const mutate = (f: (o: Record<string, any>) => void): string => {
    const o = JSON.parse(text);
    f(o);
    return JSON.stringify(o);
  };
  const bad: Array<[string, RegExp]> = [
    ['{', /not JSON/],
    [mutate((o) => (o.format = 'x')), /format/],
    [mutate((o) => (o.layers[0].weights = o.layers[0].weights.slice(1))), /layer 0 needs \d+ 32-bit integer weights/],
    [mutate((o) => (o.layers[1].inputs = 7)), /layer 1 takes 7 ciphertexts/],
    [mutate((o) => (o.layers[0].bias[0] = '-5')), /decimal torus value/],
    [mutate((o) => (o.layers[1].tables[0] = [[3, 1]])), /table 0: run 0 starts at 3/],
    [mutate((o) => (o.layers[0].pbsNeuron[0] = 99)), /reads neuron 99/],
    [mutate((o) => (o.params.polynomialSize = 1000)), /parameters/],
    [mutate((o) => (o.name = '../x')), /name/],
  ];
  for (const [t, re] of bad)
    assert.throws(
      () => parseCircuit(t),
      (e: Error) => e instanceof CircuitFormatError && re.test(e.message),
      re.source,
    );
});

/** A model whose second layer has 8-bit weights on 8-bit activations: accumulators far wider than N. */
function wideSecondLayer(): { model: QuantizedModel; inputs: Float32Array } {
  const m = smallModel(5, [4, 32, 2], ['relu', 'linear'], { weight: 2, activation: 2, input: 2 });
  const l0 = m.model.layers[0];
  const l1 = m.model.layers[1];
  const model: QuantizedModel = {
    ...m.model,
    layers: [
      { ...l0, output: { ...l0.output, qmax: 255, bits: 8, scale: l0.output.scale / 85 } },
      { ...l1, weightBits: 8, weights: l1.weights.map((w, i) => (w === 0 ? 0 : w * (60 + (i % 60)))) },
    ],
  };
  return { model, inputs: m.inputs };
}

test('models that cannot fit: the error names the layer and why; rounding is opt-in', () => {
  const wide = wideSecondLayer();
  assert.throws(
    () => compileCircuit(wide.model, wide.inputs, { parameterSet: SET_N1024 }),
    (e: Error) =>
      e instanceof CompileError && e.layer === 1 && /^layer 1: neuron \d+'s accumulator window .* positions per value is below the minimum 1/.test(e.message),
  );
  const rounded = compileCircuit(wide.model, wide.inputs, { parameterSet: SET_N1024, minPositionsPerValue: 0.001 });
  assert.equal(rounded.report.layers[1].lossless, false);
  assert.ok(rounded.report.layers[1].positionsPerValue < 1);

  // 8-bit inputs on 8-bit weights over 64 features: the first layer's window alone exceeds N
  const big = smallModel(6, [64, 4], ['linear'], { weight: 8, activation: 8, input: 8 });
  assert.throws(
    () => compileCircuit(big.model, big.inputs, { parameterSet: SET_N1024 }),
    (e: Error) => e instanceof CompileError && e.layer === 0 && /^layer 0: .*fewer than one position per value/.test(e.message),
  );
  // with automatic choice, the error comes from the largest set tried and still names the layer
  assert.throws(
    () => compileCircuit(big.model, big.inputs, { candidates: [SET_N512, SET_N1024] }),
    (e: Error) => e instanceof CompileError && /^layer 0:/.test(e.message),
  );
});
