import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBreastCancer } from '../../src/data/breast-cancer';
import { splitRows, standardize } from '../../src/data/tabular';
import { loadDigits } from '../../src/data';
import { LinearRegression, LinearSVC, LogisticRegression, LinearModel, linearModelFromJson, linearModelToJson } from '../../src/models';
import { runSklearnLinear } from '../../bench/sklearn-yardstick';
import { prepareDataset } from '../../src/experiments/fhe-sklearn';

const split = standardize(splitRows(loadBreastCancer(), 0.2, 0));

function maxDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i][j]))));
}

test("fit: coefficients equal scikit-learn's (tight tolerances) for LogisticRegression, LinearSVC and LinearRegression on breast cancer", async () => {
  const sk = runSklearnLinear(split, ['logistic-regression', 'linear-svc', 'linear-regression'], true);
  const models: [LinearModel, 'logistic-regression' | 'linear-svc' | 'linear-regression', number][] = [
    [new LogisticRegression(), 'logistic-regression', 2e-4], // lbfgs stops ~1e-5 short of the optimum,
    [new LinearSVC(), 'linear-svc', 1e-5],
    [new LinearRegression(), 'linear-regression', 1e-6],
  ];
  for (const [m, kind, tol] of models) {
    m.fit(split.xTrain, split.yTrain);
    const ref = sk.models[kind]!;
    const d = maxDiff([...(m.coef as number[][]), m.intercept as number[]], [...ref.model.coef, ref.model.intercept]);
    assert.ok(d < tol, `${kind}: coefficients differ by ${d}`);
    assert.ok(Math.abs((await m.score(split.xTest, split.yTest)) - ref.score) < 1e-9, `${kind} score`);
  }
});

test("multi-class one-vs-rest on digits: predictions equal scikit-learn's (ovr) on every test row", async () => {
  const d = splitRows(loadDigits(), 0.2, 1);
  const sp = { ...d, xTrain: d.xTrain.map((r) => r.map((v) => v / 16)), xTest: d.xTest.map((r) => r.map((v) => v / 16)) };
  const sk = runSklearnLinear(sp, ['logistic-regression'], true);
  const m = new LogisticRegression().fit(sp.xTrain, sp.yTrain);
  const p = await m.predict(sp.xTest);
  const same = p.filter((v, i) => v === sk.models['logistic-regression']!.predictions[i]).length;
  assert.equal(same, sp.xTest.length);
  const proba = await m.predictProba(sp.xTest.slice(0, 5));
  proba.forEach((r) => assert.ok(Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-12));
});

test("a scikit-learn export imports: same predictions as scikit-learn; privlab's own JSON round-trips", async () => {
  const sk = runSklearnLinear(split, ['linear-svc', 'logistic-regression']);
  for (const kind of ['linear-svc', 'logistic-regression'] as const) {
    const m = linearModelFromJson(sk.models[kind]!.model);
    assert.deepEqual(await m.predict(split.xTest), sk.models[kind]!.predictions);
    const again = linearModelFromJson(JSON.stringify(linearModelToJson(m)));
    assert.deepEqual(await again.predict(split.xTest), sk.models[kind]!.predictions);
  }
  assert.throws(
    () => linearModelFromJson({ format: 'privlab.linear-model', version: 1, kind: 'linear-svc', coef: [[1, 2]], intercept: [0], classes: [0] }),
    /classes must be ≥ 2/,
  );
  assert.throws(
    () => linearModelFromJson({ format: 'privlab.linear-model', version: 1, kind: 'tree', coef: [[1]], intercept: [0] }),
    /unknown linear-model kind/,
  );
  assert.throws(
    () => linearModelFromJson({ format: 'privlab.linear-model', version: 1, kind: 'linear-regression', coef: [[1, NaN]], intercept: [0] }),
    /coef\[0\]\[1\] is NaN/,
  );
});

test('bad input names the problem', async () => {
  const m = new LinearSVC();
  assert.throws(() => m.fit([[1, 2], [3]], [0, 1]), /X row 1 has 1 values, expected 2/);
  assert.throws(() => m.fit([[1], [2]], [0, 0]), /at least two classes/);
  assert.throws(() => new LogisticRegression({ C: -1 }), /C must be a positive number, got -1/);
  m.fit(split.xTrain, split.yTrain);
  await assert.rejects(m.predict(split.xTest, { fhe: 'simulate' }), /needs compile\(Xcal\) first/);
  assert.throws(() => m.compile(split.xTrain, { nBits: 9 }), /bit-width must be an integer from 2 to 8, got 9/);
});

test('PBS readout: simulate equals the quantized clear model on every test row; execute with real tfhe keys equals it on 4 rows', async () => {
  for (const m of [new LinearSVC(), new LogisticRegression()]) {
    m.fit(split.xTrain, split.yTrain);
    const info = m.compile(split.xTrain, { readout: 'pbs' });
    assert.equal(info.pbsPerPrediction, 1);
    assert.equal(info.head, 'sign');
    const clear = await m.outputs(split.xTest, { fhe: 'disable' });
    const sim = await m.outputs(split.xTest, { fhe: 'simulate' });
    assert.deepEqual(sim.levels, clear.levels);
    // the quantized model (3-6 bits) differs from the float one on a few rows only (≤ 5 %)
    const fl = await m.predict(split.xTest);
    const q = await m.predict(split.xTest, { fhe: 'disable' });
    assert.ok(q.filter((v, i) => v !== fl[i]).length <= 6, `${m.kind}: quantized and float disagree on ${q.filter((v, i) => v !== fl[i]).length} rows`);
    // A read near the sign's step can land on the other side (the compiler's predicted read
    // error, about 0.3 %): execute rows that the noise model never moves in 8 seeded runs, of both classes.
    const stable = split.xTest.map((_, i) => i);
    for (let seed = 0; seed < 8; seed++) {
      const noisy = await m.outputs(split.xTest, { fhe: 'simulate', noise: true, seed });
      for (let k = stable.length - 1; k >= 0; k--) if (noisy.levels?.[stable[k]][0] !== clear.levels?.[stable[k]][0]) stable.splice(k, 1);
    }
    const pick = [0, 1].flatMap((c) => stable.filter((i) => clear.levels?.[i][0] === c).slice(0, 2));
    assert.equal(pick.length, 4);
    const ex = await m.outputs(
      pick.map((i) => split.xTest[i]),
      { fhe: 'execute' },
    );
    assert.deepEqual(
      ex.levels,
      pick.map((i) => clear.levels?.[i]),
    );
    m.dispose();
  }
});

test('PBS readout: a sigmoid head (outputBits 4) and a regression head compile; simulate equals the quantized clear model', async () => {
  const lr = new LogisticRegression().fit(split.xTrain, split.yTrain);
  const info = lr.compile(split.xTrain, { outputBits: 4, nBits: 3, readout: 'pbs' });
  assert.equal(info.head, 'sigmoid');
  const a = await lr.outputs(split.xTest, { fhe: 'disable' });
  assert.deepEqual((await lr.outputs(split.xTest, { fhe: 'simulate' })).levels, a.levels);
  const p = await lr.predictProba(split.xTest, { fhe: 'disable' });
  // 15 levels: every probability is a multiple of 1/15
  p.forEach((r) => assert.ok(Math.abs(r[1] * 15 - Math.round(r[1] * 15)) < 1e-5));
  const reg = new LinearRegression().fit(split.xTrain, split.yTrain);
  const ri = reg.compile(split.xTrain, { readout: 'pbs' });
  assert.equal(ri.outputBits, 8);
  const r1 = await reg.outputs(split.xTest, { fhe: 'disable' });
  assert.deepEqual((await reg.outputs(split.xTest, { fhe: 'simulate' })).levels, r1.levels);
  const r2 = await reg.score(split.xTest, split.yTest, { fhe: 'disable' });
  const rf = await reg.score(split.xTest, split.yTest);
  assert.ok(r2 > rf - 0.15 && r2 < rf + 0.05, `R² quantized ${r2} float ${rf} at ${ri.nBits.inputs} bits`);
});

test('levelled readout (default): 8-bit, no PBS; encrypted accumulators decode to the quantized clear model exactly (Spambase 24 rows, digits 12 rows of 10 outputs)', async () => {
  const spam = prepareDataset('spambase');
  const digits = prepareDataset('digits');
  for (const [m, sp, rows] of [
    [new LogisticRegression(), spam, 24],
    [new LinearSVC(), digits, 12],
  ] as const) {
    m.fit(sp.xTrain, sp.yTrain);
    const info = m.compile(sp.xTrain);
    assert.deepEqual([info.readout, info.nBits, info.pbsPerPrediction], ['levelled', { inputs: 8, weights: 8 }, 0]);
    assert.ok(info.predictedReadError < 1e-12, `decode error bound ${info.predictedReadError}`);
    const clear = await m.outputs(sp.xTest, { fhe: 'disable' });
    assert.deepEqual((await m.outputs(sp.xTest, { fhe: 'simulate', noise: true, seed: 1 })).levels, clear.levels);
    const ex = await m.outputs(sp.xTest.slice(0, rows), { fhe: 'execute' });
    assert.deepEqual(ex.levels, clear.levels?.slice(0, rows));
    // 8 bits: the quantized model keeps the float model's accuracy within a point
    const fl = await m.score(sp.xTest, sp.yTest);
    const q = await m.score(sp.xTest, sp.yTest, { fhe: 'disable' });
    assert.ok(Math.abs(fl - q) <= 0.01, `${m.kind}: float ${fl}, quantized ${q}`);
    m.dispose();
  }
  assert.throws(
    () => new LinearSVC().fit(split.xTrain, split.yTrain).compile(split.xTrain, { readout: 'magic' as 'pbs' }),
    /readout must be 'pbs' or 'levelled', got "magic"/,
  );
});
