import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBreastCancer } from '../../src/data/breast-cancer';
import { loadDigits } from '../../src/data';
import { splitRows, standardize } from '../../src/data/tabular';
import {
  DecisionTreeClassifier,
  RandomForestClassifier,
  XGBClassifier,
  treeModelFromJson,
  treeModelToJson,
  planHummingbird,
  quantizeTrees,
  treeOutputs,
} from '../../src/models';
import { hummingbirdAccumulators, treeSums } from '../../src/models/trees/hummingbird';
import { gridThreshold, quantizeFeatureRows, inputQuantizers } from '../../src/models/trees/tree-quantization';
import { dequantize } from '../../src/quant/quantizer';
import { runSklearnTrees } from '../../bench/sklearn-yardstick';
import { SeededRng } from '../../src/util/rng';

const split = standardize(splitRows(loadBreastCancer(), 0.2, 0));

test("fit: our CART and XGBoost-style boosting equal scikit-learn's / XGBoost's on breast cancer; their exported trees import and predict identically", async () => {
  const sk = runSklearnTrees(split, [
    { kind: 'decision-tree', maxDepth: 3, nEstimators: 1 },
    { kind: 'xgboost', maxDepth: 3, nEstimators: 10 },
    { kind: 'random-forest', maxDepth: 4, nEstimators: 5 },
  ]);
  const dt = new DecisionTreeClassifier({ maxDepth: 3 }).fit(split.xTrain, split.yTrain);
  const pd = await dt.predict(split.xTest);
  assert.deepEqual(pd, sk.models['decision-tree']!.predictions);
  // exact greedy on the same gradients: the same trees, probabilities to float32 precision
  const xgb = new XGBClassifier({ maxDepth: 3, nEstimators: 10 }).fit(split.xTrain, split.yTrain);
  const px = (await xgb.predictProba(split.xTest)).map((p) => p[1]);
  const ref = sk.models.xgboost!.proba;
  assert.ok(Math.max(...px.map((p, i) => Math.abs(p - ref[i]))) < 1e-6, 'XGBoost probabilities');
  for (const kind of ['decision-tree', 'xgboost', 'random-forest'] as const) {
    const run = sk.models[kind]!;
    const m = treeModelFromJson(JSON.stringify(run.model));
    assert.deepEqual(await m.predict(split.xTest), run.predictions, `${kind}: imported predictions`);
    const pp = (await m.predictProba(split.xTest)).map((p) => p[1]);
    assert.ok(Math.max(...pp.map((p, i) => Math.abs(p - run.proba[i]))) < 1e-6, `${kind}: imported probabilities`);
    // privlab's own JSON round trip
    assert.deepEqual(await treeModelFromJson(treeModelToJson(m)).predict(split.xTest), run.predictions);
  }
});

test('random forest: seeded (same seed, same trees), bootstrap and sqrt features give different trees, accuracy close to one tree or better', async () => {
  const a = new RandomForestClassifier({ nEstimators: 8, maxDepth: 4, seed: 3 }).fit(split.xTrain, split.yTrain);
  const b = new RandomForestClassifier({ nEstimators: 8, maxDepth: 4, seed: 3 }).fit(split.xTrain, split.yTrain);
  assert.deepEqual(a.trees, b.trees);
  assert.notDeepEqual(a.trees[0], a.trees[1]);
  assert.ok((await a.score(split.xTest, split.yTest)) > 0.9);
});

test('thresholds on the integer grid: on inputs at the levels themselves the quantized trees go exactly where the float trees go', () => {
  const m = new RandomForestClassifier({ nEstimators: 5, maxDepth: 5, seed: 1 }).fit(split.xTrain, split.yTrain);
  const iq = inputQuantizers(split.xTrain, 6);
  for (const t of m.trees) {
    t.feature.forEach((f, n) => {
      if (f < 0) return;
      const T = gridThreshold(t.threshold[n], iq[f]);
      for (let q = 0; q < 64; q++) assert.equal(Math.fround(dequantize(q, iq[f])) <= t.threshold[n], q <= T, `level ${q} vs threshold ${t.threshold[n]}`);
    });
  }
});

test('Hummingbird GEMM plan: layer-2 sums reach their path length exactly at the traversed leaf, for random and extreme levels', () => {
  const m = new XGBClassifier({ maxDepth: 4, nEstimators: 6 }).fit(split.xTrain, split.yTrain);
  const q = quantizeTrees(m.trees, split.xTrain, { aggregation: 'logit', classes: 2, baseMargin: m.baseMargin }, { inputBits: 6, leafBits: 6 });
  const rng = new SeededRng(5);
  const f = split.xTrain[0].length;
  const rows = 300;
  const levels = Int32Array.from({ length: rows * f }, (_, i) => (i < f ? 0 : i < 2 * f ? 63 : rng.nextInt(64)));
  const neurons: number[] = [];
  for (const pairLeaves of [false, true]) {
    const plan = planHummingbird(q, 'xgb', { pairLeaves });
    neurons.push(plan.leaves.length);
    const acc = hummingbirdAccumulators(plan, levels, rows);
    assert.deepEqual(treeSums(plan, acc.values, rows), treeOutputs(q, levels, rows), `pairLeaves ${pairLeaves}`);
    // every sum stays in its exact window
    const L = plan.leaves.length;
    for (let i = 0; i < acc.layer2.length; i++) assert.ok(acc.layer2[i] >= plan.lo[1][i % L] && acc.layer2[i] <= plan.hi[1][i % L]);
  }
  // at most one neuron per non-zero leaf (unreachable ones behind constant comparisons have none), fewer with sibling pairs
  const nonZeroLeaves = q.trees.reduce((s, t) => s + t.value.filter((v, n) => t.feature[n] < 0 && v > 0).length, 0);
  assert.ok(neurons[0] <= nonZeroLeaves && neurons[0] > nonZeroLeaves - 5, `${neurons[0]} of ${nonZeroLeaves}`);
  assert.ok(neurons[1] < neurons[0]);
});

test('compile: simulate equals the direct traversal on every test row (DT, RF, XGB), quantized accuracy within 3 of 113 rows of float; ten classes (digits) as per-class trees', async () => {
  const models = [
    new DecisionTreeClassifier({ maxDepth: 5 }),
    new RandomForestClassifier({ nEstimators: 10, maxDepth: 4, seed: 0 }),
    new XGBClassifier({ maxDepth: 3, nEstimators: 10 }),
  ];
  for (const m of models) {
    m.fit(split.xTrain, split.yTrain);
    const info = m.compile(split.xTrain, { pairLeaves: m.kind !== 'xgboost' });
    assert.equal(info.pbsPerPrediction, info.comparisons + info.leaves, m.kind);
    assert.equal(info.accumulatorBits[0], 7); // 6-bit levels, signed
    const clear = await m.outputs(split.xTest, { fhe: 'disable' });
    const sim = await m.outputs(split.xTest, { fhe: 'simulate' });
    assert.deepEqual(sim.treeOutputs, clear.treeOutputs, `${m.kind}: simulate vs traversal`);
    const fl = await m.score(split.xTest, split.yTest);
    const qa = await m.score(split.xTest, split.yTest, { fhe: 'disable' });
    assert.ok(Math.abs(fl - qa) <= 0.0266, `${m.kind}: float ${fl} vs quantized ${qa}`); // 3 of 113 rows
  }
  // ten classes: one quantized tree per (tree, class), argmax of the per-class scores
  const d = splitRows(loadDigits(), 0.2, 0);
  const mc = new RandomForestClassifier({ nEstimators: 3, maxDepth: 4, seed: 0 }).fit(d.xTrain, d.yTrain);
  mc.compile(d.xTrain);
  assert.equal(mc.quantized?.trees.length, 30);
  const clear = await mc.outputs(d.xTest, { fhe: 'disable' });
  const sim = await mc.outputs(d.xTest, { fhe: 'simulate' });
  assert.deepEqual(sim.treeOutputs, clear.treeOutputs);
  const fl = await mc.score(d.xTest, d.yTest);
  const qa = await mc.score(d.xTest, d.yTest, { fhe: 'disable' });
  assert.ok(Math.abs(fl - qa) < 0.03, `digits: float ${fl} vs quantized ${qa}`);
  // boosting with ten classes (softmax): test/models/trees-softmax.test.ts
});

test('execute with real tfhe keys: 2 rows of a depth-4 tree and a 3-tree boosting model equal the direct traversal', async () => {
  for (const m of [new DecisionTreeClassifier({ maxDepth: 4 }), new XGBClassifier({ maxDepth: 2, nEstimators: 3 })]) {
    m.fit(split.xTrain, split.yTrain);
    m.compile(split.xTrain);
    const x = split.xTest.slice(0, 2);
    const clear = await m.outputs(x, { fhe: 'disable' });
    const exec = await m.outputs(x, { fhe: 'execute' });
    assert.deepEqual(exec.treeOutputs, clear.treeOutputs, m.kind);
    assert.deepEqual(exec.labels, clear.labels);
    m.dispose();
  }
});

test('bad input: options, JSON and predict before compile name the problem', async () => {
  assert.throws(() => new DecisionTreeClassifier({ maxDepth: 0 }), /maxDepth/);
  assert.throws(() => new XGBClassifier({ learningRate: 2 }), /learningRate/);
  assert.throws(() => treeModelFromJson({ format: 'x' }), /privlab.tree-model/);
  const m = new DecisionTreeClassifier({ maxDepth: 2 }).fit(split.xTrain, split.yTrain);
  const j = treeModelToJson(m);
  assert.throws(() => treeModelFromJson({ ...j, trees: [{ ...j.trees[0], left: j.trees[0].left.map(() => 0) }] }), /child/);
  assert.throws(() => treeModelFromJson({ ...j, features: 3 }), /feature/);
  await assert.rejects(m.predict(split.xTest, { fhe: 'simulate' }), /compile/);
  assert.throws(() => m.compile(split.xTrain, { leafBits: 9 }), /leafBits/);
  assert.throws(() => quantizeFeatureRows([[1]], inputQuantizers([[0], [1]], 9)), /bit-width/);
});
