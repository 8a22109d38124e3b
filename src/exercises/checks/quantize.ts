/**
 * Exercise 01 (quantize a weight tensor, compute a layer's accumulator bit-width): the checks.
 *
 * quantize-weights compares the student's symmetric b-bit quantizer with the library's
 * (src/quant/quantizer.ts: symmetric, narrow range, scale = max|w| / (2^(b−1) − 1)) on seeded
 * tensors, and names the usual slips: a scale off by the sign bit, rounding down or toward zero.
 * accumulator-bits compares the student's worst-case accumulator width with a brute force over
 * every input vector of a tiny layer and with the FHE compiler's report on a larger one.
 */
import { SeededRng } from '../../util/rng';
import { paramsFromRange, quantize } from '../../quant/quantizer';
import { QuantizedModel } from '../../quant/quantized-model';
import { compileCircuit } from '../../fhe/tfhe/compile/compile';
import { CheckResult, failed, passed, runCheck } from '../check-result';

/** Symmetric b-bit quantization of a tensor: integers q and the scale with w ≈ q · scale. */
export type QuantizeWeightsFn = (w: readonly number[], bits: number) => { q: number[]; scale: number };

/** Signed bits of a dense layer's accumulators over every input in [0, 2^inputBits − 1]; weights [outputs × inputs] row-major. */
export type AccumulatorBitsFn = (weights: readonly number[], outputs: number, inputs: number, inputBits: number) => number;

/** Seeded Gaussian-ish weights (sum of uniforms), the kind a trained dense layer has. */
export function exampleWeights(count: number, seed: number): number[] {
  const rng = new SeededRng(seed);
  return Array.from({ length: count }, () => (rng.next() + rng.next() + rng.next() - 1.5) * 0.4);
}

const maxAbs = (w: readonly number[]): number => w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

function firstDifference(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** What a slip would have produced, to recognise it. */
function diagnoseScale(scale: number, w: readonly number[], bits: number): { message: string; hint: string } | undefined {
  const m = maxAbs(w);
  if (close(scale, m / 2 ** (bits - 1)))
    return {
      message: `your scale is max|w| / 2^(b−1) = ${scale.toPrecision(4)}: one level too many, so the largest weight would need ${2 ** (bits - 1)}, which a signed ${bits}-bit integer holds only on the negative side`,
      hint: 'The symmetric range is [−(2^(b−1) − 1), 2^(b−1) − 1]: divide max|w| by the largest positive integer.',
    };
  if (close(scale, m / (2 ** bits - 1)) || close(scale, m / 2 ** bits))
    return {
      message: `your scale ${scale.toPrecision(4)} spreads max|w| over all 2^b = ${2 ** bits} levels: the sign bit is forgotten, so integers reach ${2 ** bits - 1}, outside ${bits}-bit signed`,
      hint: 'One of the b bits is the sign: the positive side has only b − 1 bits.',
    };
  return undefined;
}

/** quantize-weights: the student's quantizer against the library's on seeded tensors at 3, 4 and 6 bits. */
export function checkQuantizeWeights(fn: QuantizeWeightsFn): Promise<CheckResult> {
  const id = 'quantize-weights';
  return runCheck(id, () => {
    if (typeof fn !== 'function') return failed(id, `expected your quantizer function, got ${typeof fn}`);
    const cases = [
      { bits: 4, w: exampleWeights(64, 1) },
      { bits: 3, w: exampleWeights(32, 2) },
      { bits: 6, w: [0.5, -1.27, 0.0049, 0.635, -0.3175, 1.0] },
    ];
    for (const { bits, w } of cases) {
      const ref = paramsFromRange(Math.min(...w), Math.max(...w), { bits, signed: true, narrow: true, symmetric: true });
      const want = w.map((v) => quantize(v, ref));
      const got = fn(w.slice(), bits);
      if (!got || !Array.isArray(got.q) || typeof got.scale !== 'number')
        return failed(id, `return { q: number[], scale: number }; got ${JSON.stringify(got)?.slice(0, 80)}`);
      if (got.q.length !== w.length) return failed(id, `${w.length} weights in, ${got.q.length} integers out`, 'Return one integer per weight, in order.');
      if (!close(got.scale, ref.scale)) {
        const d = diagnoseScale(got.scale, w, bits);
        if (d) return failed(id, `${bits} bits: ${d.message}.`, d.hint);
        return failed(
          id,
          `${bits} bits, max|w| = ${maxAbs(w).toPrecision(4)}: your scale is ${got.scale.toPrecision(4)}, expected ${ref.scale.toPrecision(4)}`,
          'The scale maps max|w| onto the largest positive b-bit integer.',
        );
      }
      const bad = firstDifference(got.q, want);
      if (bad < 0) continue;
      const x = w[bad] / ref.scale;
      if (got.q.every((q, i) => q === Math.floor(w[i] / ref.scale)))
        return failed(
          id,
          `${bits} bits: you rounded down: w = ${w[bad].toPrecision(4)} is ${x.toFixed(3)} steps, you gave ${got.q[bad]}, the nearest integer is ${want[bad]}`,
          'Math.floor rounds toward −∞; use Math.round.',
        );
      if (got.q.every((q, i) => q === Math.trunc(w[i] / ref.scale)))
        return failed(
          id,
          `${bits} bits: you truncated toward zero: w = ${w[bad].toPrecision(4)} is ${x.toFixed(3)} steps, you gave ${got.q[bad]}, the nearest integer is ${want[bad]}`,
          'Truncation biases every weight toward 0; round to the nearest integer.',
        );
      const limit = 2 ** (bits - 1) - 1;
      if (got.q.some((q) => !Number.isInteger(q) || Math.abs(q) > limit))
        return failed(
          id,
          `${bits} bits: your integers leave [−${limit}, ${limit}] or are not integers (e.g. ${got.q.find((q) => !Number.isInteger(q) || Math.abs(q) > limit)})`,
          'Clamp to the symmetric range after rounding.',
        );
      return failed(
        id,
        `${bits} bits: weight ${bad} (${w[bad].toPrecision(4)}) quantizes to ${want[bad]}, you gave ${got.q[bad]}`,
        'q = round(w / scale), then clamp to the range.',
      );
    }
    return passed(id, `your quantizer matches the library's (symmetric, narrow range) on ${cases.length} tensors at 4, 3 and 6 bits, scale and every integer.`);
  });
}

/** Every input vector of a layer with `inputs` inputs of `inputBits` bits: the accumulator range by enumeration. */
function bruteForceRange(weights: readonly number[], outputs: number, inputs: number, inputBits: number): { lo: number; hi: number } {
  const levels = 2 ** inputBits;
  let lo = 0;
  let hi = 0;
  const x = new Array<number>(inputs).fill(0);
  for (let k = 0; k < levels ** inputs; k++) {
    let r = k;
    for (let i = 0; i < inputs; i++) {
      x[i] = r % levels;
      r = Math.floor(r / levels);
    }
    for (let o = 0; o < outputs; o++) {
      let acc = 0;
      for (let i = 0; i < inputs; i++) acc += weights[o * inputs + i] * x[i];
      lo = Math.min(lo, acc);
      hi = Math.max(hi, acc);
    }
  }
  return { lo, hi };
}

/** Smallest b with [lo, hi] ⊆ [−2^(b−1), 2^(b−1) − 1]. */
function bitsFor(lo: number, hi: number): number {
  let b = 1;
  while (lo < -(2 ** (b - 1)) || hi > 2 ** (b - 1) - 1) b++;
  return b;
}

/** The compiler's worst-case accumulator bits of a one-layer model with these integer weights (the library's other path). */
export function compilerAccumulatorBits(weights: readonly number[], outputs: number, inputs: number, inputBits: number, weightBits: number): number {
  const qmax = 2 ** inputBits - 1;
  const model: QuantizedModel = {
    format: 'privlab.quantized-model',
    version: 1,
    input: { scale: 1 / qmax, zeroPoint: 0, qmin: 0, qmax, bits: inputBits, signed: false },
    layers: [
      {
        kind: 'dense',
        inputs,
        outputs,
        weights: weights.slice(),
        weightBits,
        weightScales: new Array<number>(outputs).fill(0.05),
        bias: new Array<number>(outputs).fill(0),
        activation: 'relu',
        output: { scale: 0.1, zeroPoint: 0, qmin: 0, qmax: 15, bits: 4, signed: false },
      },
    ],
  };
  const rng = new SeededRng(7);
  const inputset = Float32Array.from({ length: 64 * inputs }, () => rng.next());
  return compileCircuit(model, inputset, { pError: 0.01 }).report.layers[0].accumulatorBitsWorstCase;
}

/** accumulator-bits: against a brute force on tiny layers and the compiler's report on a larger one. */
export function checkAccumulatorBits(fn: AccumulatorBitsFn): Promise<CheckResult> {
  const id = 'accumulator-bits';
  return runCheck(id, () => {
    if (typeof fn !== 'function') return failed(id, `expected your accumulator function, got ${typeof fn}`);
    const tiny = [
      { weights: [3, -2, 1, -4, 0, 2], outputs: 2, inputs: 3, inputBits: 2, weightBits: 4 },
      { weights: [7, 7, 7, 7], outputs: 1, inputs: 4, inputBits: 3, weightBits: 4 },
      { weights: [-7, -5, -6], outputs: 1, inputs: 3, inputBits: 2, weightBits: 4 },
    ];
    const rng = new SeededRng(11);
    const large = { weights: Array.from({ length: 8 * 24 }, () => rng.nextInt(15) - 7), outputs: 8, inputs: 24, inputBits: 3, weightBits: 4 };
    const cases = [
      ...tiny.map((c) => ({
        ...c,
        expected: bitsFor(...(Object.values(bruteForceRange(c.weights, c.outputs, c.inputs, c.inputBits)) as [number, number])),
        by: 'every input vector',
      })),
      {
        ...large,
        expected: compilerAccumulatorBits(large.weights, large.outputs, large.inputs, large.inputBits, large.weightBits),
        by: "the FHE compiler's report",
      },
    ];
    for (const c of cases) {
      const got = fn(c.weights.slice(), c.outputs, c.inputs, c.inputBits);
      const what = `${c.outputs}×${c.inputs} layer, ${c.inputBits}-bit inputs, weights [${c.weights.slice(0, 6).join(', ')}${c.weights.length > 6 ? ', …' : ''}]`;
      if (got === c.expected) continue;
      if (typeof got !== 'number' || !Number.isInteger(got)) return failed(id, `${what}: expected an integer number of bits, got ${String(got)}`);
      const bound = bitsFor(
        -c.inputs * (2 ** c.inputBits - 1) * (2 ** (c.weightBits - 1) - 1),
        c.inputs * (2 ** c.inputBits - 1) * (2 ** (c.weightBits - 1) - 1),
      );
      if (got === c.expected - 1)
        return failed(
          id,
          `${what}: ${got} bits is one short (${c.expected} by ${c.by}): the sign bit is missing`,
          'Accumulators can be negative: a signed b-bit integer holds [−2^(b−1), 2^(b−1) − 1].',
        );
      if (got === bound && bound !== c.expected)
        return failed(
          id,
          `${what}: ${got} bits is the bound from the bit-widths alone; these weights need ${c.expected} (${c.by})`,
          'Use the actual weights: per neuron, the largest sum takes the positive weights at the largest input, and the smallest sum the negative ones.',
        );
      if (got === c.expected + 1)
        return failed(
          id,
          `${what}: ${got} bits is one too many (${c.expected} by ${c.by})`,
          'Count the sign bit once; check the case where the largest |value| is exactly a power of two.',
        );
      return failed(
        id,
        `${what}: you gave ${got} bits, ${c.by} gives ${c.expected}`,
        'Find the smallest and largest accumulator over all inputs in [0, 2^inputBits − 1], then the signed bits that hold both.',
      );
    }
    return passed(
      id,
      `your bit-widths match a brute force over every input vector of ${tiny.length} tiny layers and the FHE compiler's report on a 8×24 layer (${cases[cases.length - 1].expected} bits).`,
    );
  });
}
