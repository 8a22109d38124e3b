// %% [markdown]
// # Exercise 1: quantize a weight tensor and size a layer's accumulator
//
// TFHE computes on small integers, so a model's float weights become integers first. With
// **symmetric** b-bit quantization a weight w becomes q = round(w / scale), clamped to
// [−(2^(b−1) − 1), 2^(b−1) − 1], where scale = max|w| / (2^(b−1) − 1): zero stays exactly zero and the
// range is the same on both sides (the most negative integer, −2^(b−1), is left out).
//
// The weighted sum of a dense layer, Σ_i W[o,i]·x_i, is computed on encrypted integers and then read
// by a table lookup. It must fit the plaintext space, so the compiler needs its **bit-width**: the
// signed bits that hold every value the sum can take, over every input the layer may receive.
//
// Write the two functions between the markers, then run the check cell under each.

// %%
import * as lab from "privlab/kernel-ext";
const { NotImplementedError, checkAccumulatorBits, checkQuantizeWeights, compilerAccumulatorBits, exampleWeights } = lab.exercises;

const weights = exampleWeights(64, 1); // 64 weights of a 16 → 4 dense layer, [outputs × inputs] row-major
console.log(`max |w| = ${Math.max(...weights.map(Math.abs)).toFixed(4)}; first weights: ${weights.slice(0, 6).map((w) => w.toFixed(3)).join(", ")}`);

// %% [markdown]
// ## Task 1: symmetric b-bit quantization
// Return the integers `q` (one per weight, in order) and the `scale`, so that `q[i] · scale ≈ w[i]`.

// %%
function quantizeWeights(w: readonly number[], bits: number): { q: number[]; scale: number } {
  // BEGIN SOLUTION
  const qmax = 2 ** (bits - 1) - 1;
  const maxAbs = Math.max(...w.map((v) => Math.abs(v)));
  const scale = maxAbs > 0 ? maxAbs / qmax : 1;
  const q = w.map((v) => Math.min(qmax, Math.max(-qmax, Math.round(v / scale))));
  return { q, scale };
  // END SOLUTION
}

// %%
await lab.check(checkQuantizeWeights(quantizeWeights));

// %% [markdown]
// What 4 bits do to these weights: each weight, its integer, and the value the integer stands for.

// %%
const quantized = quantizeWeights(weights, 4);
lab.table(
  weights.slice(0, 8).map((w, i) => ({ w: w.toFixed(4), q: quantized.q[i], "q · scale": (quantized.q[i] * quantized.scale).toFixed(4) })),
  { digits: 4 },
);

// %% [markdown]
// ## Task 2: the accumulator's bit-width
// The layer's inputs are unsigned `inputBits`-bit integers, 0 … 2^inputBits − 1 (e.g. the output of a
// ReLU). Return the number of **signed** bits that hold every accumulator Σ_i W[o,i]·x_i of every
// neuron o, for the worst-case inputs. Use the actual weights, not only their bit-width.

// %%
function accumulatorBits(weights: readonly number[], outputs: number, inputs: number, inputBits: number): number {
  // BEGIN SOLUTION
  const xmax = 2 ** inputBits - 1;
  let lo = 0;
  let hi = 0;
  for (let o = 0; o < outputs; o++) {
    let min = 0;
    let max = 0;
    for (let i = 0; i < inputs; i++) {
      const w = weights[o * inputs + i];
      if (w > 0) max += w * xmax;
      else min += w * xmax;
    }
    lo = Math.min(lo, min);
    hi = Math.max(hi, max);
  }
  let bits = 1;
  while (lo < -(2 ** (bits - 1)) || hi > 2 ** (bits - 1) - 1) bits++;
  return bits;
  // END SOLUTION
}

// %%
await lab.check(checkAccumulatorBits(accumulatorBits));

// %% [markdown]
// The 16 → 4 layer above, with 4-bit weights and 3-bit inputs: your count beside the FHE compiler's
// report (`accumulatorBitsWorstCase`), and the bound from the bit-widths alone, which ignores the
// actual weights and so asks for a larger plaintext space than needed.

// %%
const mine = accumulatorBits(quantized.q, 4, 16, 3);
const compiler = compilerAccumulatorBits(quantized.q, 4, 16, 3, 4);
const bound = Math.ceil(Math.log2(16 * 7 * 7 + 1)) + 1;
console.log(`accumulator bits: yours ${mine}, the compiler's ${compiler}, bit-width bound ${bound}`);
