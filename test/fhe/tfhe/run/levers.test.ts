/**
 * The compiler's speed levers: the error target per lookup (pError) or per circuit
 * (globalPError), and rounding accumulators to their top bits (roundingThresholdBits).
 * Predictions are checked against a Monte-Carlo of the noise model (seeded simulation),
 * the choice against the candidates' own predictions, and rounding against a brute-force
 * integer forward pass written here (own accumulation, own rounding, own bit widths).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuantizedModel, neuronFunction, quantizeInputs } from '../../../../src/quant';
import { defaultParameterSetName } from '../../../../src/fhe/tfhe/shortint';
import { CompileError, compileCircuit, pbsCost, readParameterSet } from '../../../../src/fhe/tfhe/compile';
import { compile, simulateCircuit } from '../../../../src/fhe/tfhe/run';
import { freshInputs, noisyTotals, smallModel } from './fixtures';

const SET_N1024 = defaultParameterSetName(3);

/** Binomial bound: 4 standard deviations plus a relative allowance for the model's own approximations. */
function within(measured: number, predicted: number, trials: number, relative: number): boolean {
  const sd = Math.sqrt((predicted * (1 - predicted)) / trials);
  return Math.abs(measured - predicted) <= 4 * sd + relative * predicted;
}

test('one layer: simulated noise gives the predicted per-read error and the predicted P(any wrong read per inference)', () => {
  // One layer: every read sees noise-free inputs, so both predictions are exact under the noise model.
  const m = smallModel(11, [24, 16], ['relu'], { weight: 3, activation: 3 }, 300);
  const c = compileCircuit(m.model, m.inputs, { parameterSet: SET_N1024 });
  const xq = quantizeInputs(m.model, m.inputs);
  const { wrong, reads, wrongSamples, samples: trials } = noisyTotals(c, xq, m.count, 20);
  const pRead = c.report.predictedReadError;
  const pInference = c.report.predictedInferenceError;
  assert.ok(pRead > 1e-3 && pInference > 0.02, `the set is noisy enough to measure: ${pRead}, ${pInference}`);
  assert.ok(within(wrong / reads, pRead, reads, 0.02), `per read: measured ${wrong / reads} vs predicted ${pRead} over ${reads} reads`);
  assert.ok(
    within(wrongSamples / trials, pInference, trials, 0.02),
    `per inference: measured ${wrongSamples / trials} vs predicted ${pInference} over ${trials}`,
  );
});

test('globalPError: the cheapest set whose predicted P(any wrong read) meets it; pError then has no default', () => {
  const m = smallModel(1, [16, 12, 8, 4], ['relu', 'relu', 'linear'], { weight: 3, activation: 3 });
  const target = 0.05;
  const c = compileCircuit(m.model, m.inputs, { globalPError: target });
  const r = c.report;
  assert.equal(r.pErrorTarget, null);
  assert.equal(r.globalPErrorTarget, target);
  assert.ok(r.predictedInferenceError <= target);
  for (const t of r.candidates.slice(0, -1)) {
    assert.ok(!t.fits || (t.predictedInferenceError ?? 0) > target || /misdecrypt/.test(t.reason ?? ''), `${t.parameterSet} skipped: ${t.reason}`);
  }
  // both targets given: both are met
  const both = compileCircuit(m.model, m.inputs, { globalPError: 0.5, pError: 1e-5 }).report;
  assert.ok(both.predictedReadError <= 1e-5 && both.predictedInferenceError <= 0.5);
  assert.throws(
    () => compileCircuit(m.model, m.inputs, { globalPError: 1e-15, candidates: [SET_N1024] }),
    (e: Error) => e instanceof CompileError && /no parameter set meets the error target \(globalPError 1e-15/.test(e.message),
  );
  for (const bad of [0, 1, -0.1, Number.NaN]) {
    assert.throws(() => compileCircuit(m.model, m.inputs, { globalPError: bad }), RangeError);
    assert.throws(() => compileCircuit(m.model, m.inputs, { pError: bad }), RangeError);
  }
});

test('a looser target never picks a slower set (per read and per inference)', () => {
  const m = smallModel(4, [20, 16, 6], ['relu', 'linear'], { weight: 3, activation: 3 });
  const targets = [1e-9, 1e-6, 1e-4, 1e-2, 0.1, 0.5];
  for (const key of ['pError', 'globalPError'] as const) {
    const costs = targets.map((t) => {
      const c = compileCircuit(m.model, m.inputs, { [key]: t });
      return pbsCost(readParameterSet(c.parameterSet));
    });
    for (let i = 1; i < costs.length; i++)
      assert.ok(costs[i] <= costs[i - 1], `${key}: target ${targets[i]} costs ${costs[i]} > ${costs[i - 1]} at ${targets[i - 1]}`);
    assert.ok(costs[0] > costs[costs.length - 1], `${key}: the targets span more than one set`);
  }
});

/** Brute force, independent of the compiler: integer layers, accumulators rounded off by `shift` low bits, ties up. */
function bruteForce(model: QuantizedModel, xq: Int32Array, count: number, shifts: number[]): Int32Array {
  let x = xq;
  let inQ = model.input;
  model.layers.forEach((layer, l) => {
    const next = new Int32Array(count * layer.outputs);
    const step = 2 ** shifts[l];
    for (let o = 0; o < layer.outputs; o++) {
      const f = neuronFunction(layer, o, inQ);
      for (let s = 0; s < count; s++) {
        let acc = 0;
        for (let i = 0; i < layer.inputs; i++) acc += layer.weights[o * layer.inputs + i] * x[s * layer.inputs + i];
        // nearest multiple of step, a tie going up: subtract the remainder of acc + step/2
        const up = acc + step / 2;
        const rounded = step === 1 ? acc : up - (((up % step) + step) % step);
        next[s * layer.outputs + o] = f(rounded);
      }
    }
    x = next;
    inQ = layer.output;
  });
  return x;
}

/** Signed bits of each layer's accumulators over the inputs (brute force). */
function accumulatorBits(model: QuantizedModel, xq: Int32Array, count: number): number[] {
  const bits: number[] = [];
  let x = xq;
  let inQ = model.input;
  for (const layer of model.layers) {
    let lo = 0;
    let hi = 0;
    const next = new Int32Array(count * layer.outputs);
    for (let o = 0; o < layer.outputs; o++) {
      const f = neuronFunction(layer, o, inQ);
      for (let s = 0; s < count; s++) {
        let acc = 0;
        for (let i = 0; i < layer.inputs; i++) acc += layer.weights[o * layer.inputs + i] * x[s * layer.inputs + i];
        lo = Math.min(lo, acc);
        hi = Math.max(hi, acc);
        next[s * layer.outputs + o] = f(acc);
      }
    }
    let b = 1;
    while (lo < -(2 ** (b - 1)) || hi > 2 ** (b - 1) - 1) b++;
    bits.push(b);
    x = next;
    inQ = layer.output;
  }
  return bits;
}

test('roundingThresholdBits: noise-free simulation equals a brute-force rounding of every accumulator', async () => {
  const m = smallModel(7, [24, 16, 12, 5], ['relu', 'leakyrelu', 'linear'], { weight: 4, activation: 4 });
  const xq = quantizeInputs(m.model, m.inputs);
  const bits = accumulatorBits(m.model, xq, m.count);
  const fresh = freshInputs(70, 300, 24);
  const fq = quantizeInputs(m.model, fresh);
  let changed = 0;
  for (const b of [7, 5, 3]) {
    const fhe = compile(m.model, m.inputs, { parameterSet: SET_N1024, roundingThresholdBits: b });
    const shifts = bits.map((w) => Math.max(0, w - b));
    assert.deepEqual(
      fhe.report.layers.map((l) => l.roundingShift),
      shifts,
      `B = ${b}: low bits rounded off per layer (accumulator bits ${bits})`,
    );
    assert.equal(fhe.report.roundingThresholdBits, b);
    for (const [x, q, what] of [
      [m.inputs, xq, 'calibration'],
      [fresh, fq, 'fresh'],
    ] as const) {
      const count = q.length / 24;
      const want = bruteForce(m.model, q, count, shifts);
      assert.deepEqual(Array.from(simulateCircuit(fhe.circuit, q, count).outputs), Array.from(want), `B = ${b}, ${what} inputs: simulate`);
      // fhe: 'disable' is the same rounded integer program
      assert.deepEqual(Array.from((await fhe.predict(x, { fhe: 'disable' })).levels), Array.from(want), `B = ${b}, ${what} inputs: disable`);
      const unrounded = bruteForce(m.model, q, count, [0, 0, 0]);
      changed += want.reduce((s, v, i) => s + (v !== unrounded[i] ? 1 : 0), 0);
    }
  }
  assert.ok(changed > 0, 'rounding changed some outputs (else the test proves nothing)');
});

test('rounded layers: reads sit inside their buckets (no tie on an edge), so the error stays that of the unrounded table', () => {
  // 2-bit model, N = 1024: later layers read at about 80 positions per value, far above the noise
  const m = smallModel(8, [24, 16, 12, 5], ['relu', 'relu', 'linear'], { weight: 2, activation: 2 });
  const plain = compileCircuit(m.model, m.inputs, { parameterSet: SET_N1024 });
  const c = compileCircuit(m.model, m.inputs, { parameterSet: SET_N1024, roundingThresholdBits: 3 });
  assert.ok(c.report.layers.slice(1).every((l) => l.roundingShift === 1));
  c.report.layers.forEach((l, k) => {
    // a tie on a bucket edge would be read wrong half the time (predicted 0.16 and 0.07 here without the half-value offset)
    assert.ok(
      l.predictedReadError < 1e-6 + 2 * plain.report.layers[k].predictedReadError,
      `layer ${k}: ${l.predictedReadError} vs unrounded ${plain.report.layers[k].predictedReadError}`,
    );
  });
  const xq = quantizeInputs(m.model, m.inputs);
  const { wrong, reads } = noisyTotals(c, xq, m.count, 10);
  const p = c.report.predictedReadError;
  assert.ok(within(wrong / reads, p, reads, 0.15), `measured ${wrong / reads} vs predicted ${p} over ${reads} reads`);
});

test('rounding lets a wide later layer fit fewer positions; bad values are refused', () => {
  // the second layer's accumulators span far more values than N = 1024 has positions
  const m = smallModel(5, [4, 32, 2], ['relu', 'linear'], { weight: 2, activation: 2, input: 2 });
  const [l0, l1] = m.model.layers;
  const model: QuantizedModel = {
    ...m.model,
    layers: [
      { ...l0, output: { ...l0.output, qmax: 255, bits: 8, scale: l0.output.scale / 85 } },
      { ...l1, weightBits: 8, weights: l1.weights.map((w, i) => w * (50 + (i % 70))) },
    ],
  };
  assert.throws(
    () => compileCircuit(model, m.inputs, { parameterSet: SET_N1024 }),
    (e: Error) => e instanceof CompileError && e.layer === 1,
  );
  const c = compileCircuit(model, m.inputs, { parameterSet: SET_N1024, roundingThresholdBits: 8 });
  const l = c.report.layers[1];
  assert.ok(l.roundingShift > 0 && l.positionsPerValue < 1, `layer 1: ${l.roundingShift} bits off, ${l.positionsPerValue} positions per value`);
  // one rounded value per (odd) run of positions: the window's rounded values fit N
  assert.ok((l.windowValues * l.positionsPerValue) / 1 <= 1024);
  const xq = quantizeInputs(model, m.inputs);
  assert.deepEqual(Array.from(simulateCircuit(c, xq, m.count).outputs), Array.from(bruteForce(model, xq, m.count, [0, l.roundingShift])));
  for (const bad of [0, 2.5, 25, -1]) assert.throws(() => compileCircuit(model, m.inputs, { roundingThresholdBits: bad }), RangeError);
});

test('execute runs a rounded circuit: encrypted outputs equal the rounded integer program', async (t) => {
  const m = smallModel(8, [24, 16, 12, 5], ['relu', 'relu', 'linear'], { weight: 2, activation: 2 });
  const fhe = compile(m.model, m.inputs, { parameterSet: SET_N1024, roundingThresholdBits: 3, name: 'rounded-exec' });
  const samples = 12;
  const x = m.inputs.subarray(0, samples * 24);
  try {
    const executed = await fhe.predict(x, { fhe: 'execute', threads: 1 });
    const want = bruteForce(m.model, quantizeInputs(m.model, x), samples, fhe.roundingShifts);
    let differing = 0;
    for (let s = 0; s < samples; s++) if (executed.levels.subarray(s * 5, (s + 1) * 5).some((v, j) => v !== want[s * 5 + j])) differing++;
    const report = `${differing} of ${samples} encrypted samples differ from the brute-force rounded program; predicted P(any wrong read) ${fhe.report.predictedInferenceError.toExponential(2)}`;
    t.diagnostic(report);
    // predicted about 1e-3 per sample: more than one differing sample has probability below 1e-4
    assert.ok(differing <= 1, report);
  } finally {
    fhe.dispose();
  }
});
