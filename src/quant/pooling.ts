/**
 * Pooling in the quantized model (NHWC feature maps, square k×k windows, stride k, valid):
 * what it costs in FHE, where the compiler sees only chains of dense layers with one
 * table lookup (PBS) per neuron.
 *
 * - Average pooling is linear: folded into the dense layer that follows it, that layer reads
 *   the unpooled map with each pooled cell's weight repeated over the cell and its weight
 *   scales divided by k². Exact (no rounding of the mean) and free: 0 PBS. Its accumulators
 *   are wider (k² times as many terms), which the compile report shows.
 * - Max pooling compares: max(a, b) = a + relu(b − a), one PBS on the difference. A layer only
 *   passes its own outputs on, so `a` goes along through an identity table (one PBS as well).
 *   A 2×2 window takes three layers: [a, relu(b−a), c, relu(d−c)] (4 PBS), then
 *   [m1 = a + relu(b−a), relu(m2 − m1)] with m2 = c + relu(d−c) (2 PBS), then m1 + relu(m2 − m1)
 *   (1 PBS): 7 PBS per pooled output. maxPoolPbs states it; the compile report counts them
 *   per layer, each marked with its role ('max-pool 1/3' …).
 *   Every value stays on the input's quantizer, so the result is exact; that needs an
 *   unsigned quantizer (zero point = qmin), as after a ReLU, so relu(b − a) fits its range.
 */
import { ConvShape, poolOutputShape } from '../nn/cnn';
import { QuantizedDense } from './quantized-model';
import { QuantParams } from './quantizer';

/** Input indices (NHWC) of pooled cell (py, px, c), row by row. */
function windowOf(input: ConvShape, k: number, py: number, px: number, c: number): number[] {
  const out: number[] = [];
  for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) out.push(((py * k + dy) * input.width + (px * k + dx)) * input.channels + c);
  return out;
}

/** The dense layer `next` (reading the pooled map) rewritten to read the unpooled map through a k×k average pool. */
export function foldAveragePool(input: ConvShape, k: number, next: QuantizedDense): { layer: QuantizedDense; pooled: ConvShape } {
  const pooled = poolOutputShape(input, k);
  const pooledSize = pooled.height * pooled.width * pooled.channels;
  if (next.inputs !== pooledSize) throw new RangeError(`the next layer takes ${next.inputs} inputs, the ${k}x${k}-pooled map has ${pooledSize}`);
  const inputs = input.height * input.width * input.channels;
  const weights = new Array<number>(next.outputs * inputs).fill(0);
  for (let py = 0; py < pooled.height; py++) {
    for (let px = 0; px < pooled.width; px++) {
      for (let c = 0; c < pooled.channels; c++) {
        const j = (py * pooled.width + px) * pooled.channels + c;
        const cells = windowOf(input, k, py, px, c);
        for (let o = 0; o < next.outputs; o++) for (const i of cells) weights[o * inputs + i] = next.weights[o * next.inputs + j];
      }
    }
  }
  return { layer: { ...next, inputs, weights, weightScales: next.weightScales.map((s) => s / (k * k)) }, pooled };
}

/** PBS a k×k max pool costs per pooled output with maxPoolLayers (k = 2: 7). */
export function maxPoolPbs(k: number): number {
  if (k !== 2) throw new RangeError(`only 2x2 max pooling is built, got ${k}x${k}`);
  return 7;
}

/** A ReLU layer of ±1 weights on the quantizer q: rows of [input, weight]. */
function reluLayer(inputs: number, rows: Array<Array<[number, number]>>, q: QuantParams, role: string): QuantizedDense {
  const weights = new Array<number>(rows.length * inputs).fill(0);
  rows.forEach((row, o) => row.forEach(([i, w]) => (weights[o * inputs + i] = w)));
  return {
    kind: 'dense',
    inputs,
    outputs: rows.length,
    weights,
    weightBits: 2,
    weightScales: rows.map(() => 1),
    bias: rows.map(() => 0),
    activation: 'relu',
    output: { ...q },
    role,
  };
}

/**
 * A 2×2 max pool as three dense layers on the input's quantizer `q` (see the file comment).
 * All are ReLU layers: a pass-through carries a value whose real value is ≥ 0 (zero point =
 * qmin), which ReLU keeps; weight scale 1 and bias 0 keep every value on q's levels.
 */
export function maxPoolLayers(input: ConvShape, k: number, q: QuantParams): { layers: QuantizedDense[]; pooled: ConvShape } {
  maxPoolPbs(k);
  const pooled = poolOutputShape(input, k);
  if (q.zeroPoint !== q.qmin) throw new RangeError(`max pooling by comparisons needs an unsigned quantizer (zero point ${q.zeroPoint} ≠ qmin ${q.qmin})`);
  const inputs = input.height * input.width * input.channels;
  const first: Array<Array<[number, number]>> = [];
  const second: Array<Array<[number, number]>> = [];
  const third: Array<Array<[number, number]>> = [];
  for (let py = 0; py < pooled.height; py++) {
    for (let px = 0; px < pooled.width; px++) {
      for (let c = 0; c < pooled.channels; c++) {
        const [a, b, cc, d] = windowOf(input, k, py, px, c);
        const base = first.length;
        first.push(
          [[a, 1]],
          [
            [b, 1],
            [a, -1],
          ],
          [[cc, 1]],
          [
            [d, 1],
            [cc, -1],
          ],
        );
        const m = second.length;
        second.push(
          [
            [base, 1],
            [base + 1, 1],
          ],
          [
            [base + 2, 1],
            [base + 3, 1],
            [base, -1],
            [base + 1, -1],
          ],
        );
        third.push([
          [m, 1],
          [m + 1, 1],
        ]);
      }
    }
  }
  const layers = [
    reluLayer(inputs, first, q, 'max-pool 1/3'),
    reluLayer(first.length, second, q, 'max-pool 2/3'),
    reluLayer(second.length, third, q, 'max-pool 3/3'),
  ];
  return { layers, pooled };
}
