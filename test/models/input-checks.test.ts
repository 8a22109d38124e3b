/**
 * Small contracts of src/models, each against an expectation worked out by hand, in this process:
 *
 *   - SgdClient.decryptWeights rounds a phase to the nearest multiple of the read scale, half-way
 *     phases away from zero: trivial ciphertexts (mask 0, body = the phase) built here at
 *     ±0.5 and ±2.5 scales, and one torus unit short of half;
 *   - nBits 'auto' with the PBS readout tries fewer bits first among equally agreeing widths
 *     (the documented order): a one-feature classifier whose every width agrees with the float
 *     model, refused at every width (a read-error target no parameter set offered meets), lists
 *     the 49 widths it tried in the error;
 *   - CART with maxFeatures: a feature that is constant in a node is not one of the features
 *     tried, so the best split of the varying ones is found (gini gains worked out by hand);
 *   - planHummingbird names its circuit "trees" when given no name, and its GEMM layers give a
 *     hand-built stump's outputs at every input level;
 *   - quantizeTrees (forests, two classes) stores each tree with the sign that puts more leaves
 *     at 0, as the module documents, and the client's score is the leaf's level either way;
 *   - a boosted stump's probabilities after quantization equal the sigmoid of the margin reached
 *     by walking the tree by hand (base margin + leaf), leaf values chosen on the integer grid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression, planHummingbird, quantizeTrees, SgdClient, planSgd, XGBClassifier, QuantizedTrees, Tree } from '../../src/models';
import { growTree, sortColumns } from '../../src/models/trees/cart';
import { hummingbirdAccumulators, treeSums } from '../../src/models/trees/hummingbird';
import { CompileError } from '../../src/fhe/tfhe/compile/options';
import { SeededRng } from '../../src/util/rng';

// ---------------------------------------------------------------- encrypted SGD: rounding of decrypted weights

test('SgdClient.decryptWeights: a phase half-way between multiples of the read scale rounds away from zero', () => {
  const plan = planSgd({ features: 5, batchSize: 1, learningRate: 1, weightRange: 1 });
  const client = SgdClient.create(plan);
  try {
    const scale = plan.readScale;
    assert.equal(scale % 2n, 0n, 'the read scale is even, so half of it is a torus value');
    const half = scale / 2n;
    // phases in torus units (mod 2^64) and the levels they stand for
    const phases = [half, -half, 5n * half, -5n * half, half - 1n, -(half - 1n)];
    const expected = [1, -1, 3, -3, 0, 0];
    const size = client.lweSize;
    const cts = new BigUint64Array(plan.width * size); // masks 0: the phase is the body
    phases.forEach((p, j) => (cts[j * size + size - 1] = BigInt.asUintN(64, p)));
    assert.deepEqual(Array.from(client.decryptWeights(cts)), expected);
  } finally {
    client.dispose();
  }
});

// ---------------------------------------------------------------- linear models: the order nBits 'auto' tries

test("compile(nBits 'auto', readout 'pbs'): widths that agree alike are tried fewest total bits first, each of the 49 once", () => {
  // w = 1, b = 0 on x = ±1, ±2: any quantizer of [-2, 2] on ≥ 2 bits keeps each x's sign (its step is at
  // most 4/3, so ±1 cannot round across 0), so every width predicts as the float model: all agree alike.
  const x = [[-2], [-1], [1], [2]];
  const m = LogisticRegression.fromWeights([[1]], [0], [0, 1]);
  // with the default parameter sets the first width tried, 2/2 (4 bits, the fewest), compiles
  const ok = m.compile(x, { readout: 'pbs' });
  assert.deepEqual(ok.nBits, { inputs: 2, weights: 2 });
  assert.equal(ok.calibrationAgreement, 1);
  assert.deepEqual(ok.rejected, []);
  // a read-error target of 1e-300 that the one parameter set offered (N = 256) cannot meet at any
  // width: the error lists every width in the order tried
  let message = '';
  assert.throws(
    () => m.compile(x, { readout: 'pbs', pError: 1e-300, candidates: ['V1_6_PARAM_MESSAGE_1_CARRY_0_KS_PBS_GAUSSIAN_2M128'] }),
    (e: unknown) => {
      assert.ok(e instanceof CompileError, String(e));
      message = e.message;
      return true;
    },
  );
  assert.ok(message.startsWith('no bit-widths from 2 to 8 fit: '), message.slice(0, 80));
  const tried = [...message.matchAll(/(?:: |; )(\d)\/(\d) bits: /g)].map((t) => [Number(t[1]), Number(t[2])]);
  const all = Array.from({ length: 49 }, (_, k) => `${2 + Math.floor(k / 7)}/${2 + (k % 7)}`);
  assert.deepEqual(tried.map(([i, w]) => `${i}/${w}`).sort(), all.sort(), 'each pair from 2/2 to 8/8 once');
  const totals = tried.map(([i, w]) => i + w);
  totals.forEach((t, k) => assert.ok(k === 0 || t >= totals[k - 1], `total bits go down at try ${k}: ${tried[k - 1]} then ${tried[k]}`));
});

// ---------------------------------------------------------------- CART: constant features and maxFeatures

test('CART with maxFeatures 2: a constant feature is not one of the features tried; the best of the varying ones is split', () => {
  // columns A, B (constant), C; classes 0, 0, 1, 1. Root cost n·gini = 4 − (2² + 2²)/4 = 2.
  //   A ≤ 0.5: left {0, 0, 1} costs 3 − (4 + 1)/3 = 4/3, right {1} 0: gain 2/3
  //   C ≤ 1.5: both sides pure: gain 2, the best split
  const x = [
    [0, 5, 0],
    [0, 5, 1],
    [0, 5, 2],
    [1, 5, 3],
  ];
  const y = [0, 0, 1, 1];
  const stats = new Float64Array(8);
  y.forEach((c, i) => (stats[2 * i + c] = 1));
  // features drawn in the order A, B, C at every node
  const inOrder = { permutation: (n: number) => Uint32Array.from({ length: n }, (_, i) => i) } as unknown as SeededRng;
  const tree = growTree(
    sortColumns(x),
    { width: 2, stats, weight: new Float64Array(4).fill(1) },
    { criterion: { kind: 'gini', classes: 2 }, maxDepth: Infinity, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: 2, rng: inOrder },
  );
  assert.deepEqual(tree, {
    feature: [2, -1, -1],
    threshold: [1.5, 0, 0],
    left: [1, -1, -1],
    right: [2, -1, -1],
    value: [
      [0.5, 0.5],
      [1, 0],
      [0, 1],
    ],
  });
});

// ---------------------------------------------------------------- Hummingbird plan of a hand-built stump

/** Two-class trees on one feature quantized on `bits` bits with scale 1, zero point 0 (levels are the values). */
function handQuantized(trees: QuantizedTrees['trees'], bits: number, leafBits: number): QuantizedTrees {
  const qmax = 2 ** leafBits - 1;
  return {
    inputBits: bits,
    leafBits,
    inputQuant: [{ scale: 1, zeroPoint: 0, qmin: 0, qmax: 2 ** bits - 1, bits, signed: false }],
    trees,
    outputs: 1,
    aggregation: 'mean',
    denominator: qmax * trees.length,
    leafScale: 1,
    baseMargin: 0,
  };
}

test('planHummingbird: without a name the circuit is "trees"; its layers give the stump\'s output at every level', () => {
  // level ≤ 1: leaf 1 (output 0); level > 1: leaf 2 (output 2). One comparison; one neuron (the leaf at 0 has none).
  const stump = { feature: [0, -1, -1], threshold: [1, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 0, 2], sign: 1 as const, offset: 0, output: 0 };
  const q = handQuantized([stump], 2, 2);
  const plan = planHummingbird(q);
  assert.deepEqual(plan.model.meta, { name: 'trees', method: 'hummingbird-gemm', comparisons: 1, leaves: 1 });
  assert.equal(planHummingbird(q, 'stump').model.meta?.name, 'stump');
  const levels = Int32Array.from([0, 1, 2, 3]);
  assert.deepEqual(Array.from(treeSums(plan, hummingbirdAccumulators(plan, levels, 4).values, 4)), [0, 0, 2, 2]);
});

// ---------------------------------------------------------------- quantizeTrees: the sign that puts more leaves at 0

/** Depth-2 tree on feature 0: leaf 1 (x ≤ 0.5), else leaf 3 (x ≤ 0.75) or leaf 4; leaves give the second class `p1`. */
function threeLeaves(p1: [number, number, number]): Tree {
  const leaf = (p: number): number[] => [1 - p, p];
  return {
    feature: [0, -1, 0, -1, -1],
    threshold: [0.5, 0, 0.75, 0, 0],
    left: [1, -1, 3, -1, -1],
    right: [2, -1, 4, -1, -1],
    value: [leaf(0.5), leaf(p1[0]), leaf(0.5), leaf(p1[1]), leaf(p1[2])],
  };
}

test('quantizeTrees (forest, two classes): each tree keeps the sign with more leaves at 0; the score is the leaf level either way', () => {
  // leafBits 2: qmax 3. Tree a: levels round(3p) = 0, 0, 2: two leaves at 0 as they are (sign +1).
  // Tree b: levels 3, 3, 1: two at 0 as 3 − level (sign −1, offset 3), none as they are.
  const trees = [threeLeaves([0, 0, 2 / 3]), threeLeaves([1, 1, 1 / 3])];
  const q = quantizeTrees(trees, [[0], [1]], { aggregation: 'mean', classes: 2, baseMargin: 0 }, { inputBits: 4, leafBits: 2 });
  const [a, b] = q.trees;
  assert.deepEqual([a.sign, a.offset, a.value], [1, 0, [0, 0, 0, 0, 2]]);
  assert.deepEqual([b.sign, b.offset, b.value], [-1, 3, [0, 0, 0, 0, 2]]); // 3 − (3, 3, 1) at nodes 1, 3, 4; internal nodes 0
  // sign·value + offset at each leaf is the leaf's level round(3·p1)
  for (const [t, levels] of [
    [a, [0, 0, 2]],
    [b, [3, 3, 1]],
  ] as const)
    assert.deepEqual(
      [1, 3, 4].map((n) => t.sign * t.value[n] + t.offset),
      levels,
    );
});

// ---------------------------------------------------------------- boosting: the margin's sign in the probabilities

test('XGBoost stump, quantized: probabilities are the sigmoid of base margin + the leaf reached, walked by hand', async () => {
  // x < 0.5 → leaf margin −1.5, else +0.5; base margin 0.25. leafBits 3: scale 1.5 / 3 = 0.5, so both leaves are on the grid.
  const stump: Tree = { feature: [0, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [[0], [-1.5], [0.5]] };
  const m = new XGBClassifier().setTrees([stump], [0, 1], 1, '<', 0.25);
  m.compile([[0], [1]], { leafBits: 3 });
  try {
    const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
    const expected = [0.25 - 1.5, 0.25 + 0.5].map((z) => [1 - sigmoid(z), sigmoid(z)]);
    const x = [[0], [1]];
    for (const fhe of [undefined, 'disable'] as const) {
      const p = await m.predictProba(x, { fhe });
      p.forEach((row, i) =>
        row.forEach((v, k) => assert.ok(Math.abs(v - expected[i][k]) < 1e-12, `fhe ${fhe}: row ${i} class ${k}: ${v} vs ${expected[i][k]}`)),
      );
    }
    assert.deepEqual(await m.predict(x, { fhe: 'disable' }), [0, 1]);
  } finally {
    m.dispose();
  }
});
