import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as tfhe from 'node-tfhe';
import { loadBreastCancer } from '../../src/data/breast-cancer';
import { splitRows } from '../../src/data/tabular';
import { SGDClassifier } from '../../src/models';
import { SgdPlan, planSgd } from '../../src/models/encrypted-sgd/plan';
import { SgdBatch, integerStep } from '../../src/models/encrypted-sgd/integer-step';
import { SgdClient } from '../../src/models/encrypted-sgd/client';
import { SgdServer } from '../../src/models/encrypted-sgd/server';
import { EvaluationKeyFormatError } from '../../src/fhe/tfhe/core/evaluation_key_file';
import { tfheParameters } from '../../src/fhe/tfhe/shortint/parameters';
import { SeededRng } from '../../src/util/rng';

/** Small bit-widths: every coarse read gives an integer ≥ 40 positions (exact as the exact reads). */
const tinyPlan = (features: number, batchSize: number): SgdPlan =>
  planSgd({ features, batchSize, learningRate: 1.5, weightRange: 2, bits: { data: 2, weights: 3, error: 2 } });

function randomBatch(plan: SgdPlan, rng: SeededRng): SgdBatch {
  const { width: d, batchSize: b, xMax } = plan;
  const x = new Int32Array(b * d);
  for (let i = 0; i < b; i++) for (let j = 0; j < d; j++) x[i * d + j] = j === d - 1 ? xMax : Math.floor(rng.next() * (xMax + 1));
  return {
    x,
    y: Int32Array.from({ length: b }, () => (rng.next() < 0.5 ? 1 : 0)),
    dither: Int32Array.from({ length: d }, () => Math.floor(rng.next() * plan.k)),
  };
}

function randomWeights(plan: SgdPlan, rng: SeededRng): Int32Array {
  return Int32Array.from({ length: plan.width }, () => plan.wMin + Math.floor(rng.next() * (plan.wMax - plan.wMin + 1)));
}

/**
 * The reference, written plainly in Python with its own integers: in the exact regime the
 * step is A = Σ w·x, p = ⌊P·σ(A·sW/X) + ½⌋, e = p − P·y, G = Σ x·e, w' = clip(⌊(K·w − G + u)/K⌋);
 * in the coarse regime A and V are first read at the native modulus switch's position.
 */
const PY = String.raw`
import json, math, sys
cases = json.load(sys.stdin)
out = []
def pos(v, delta, plan):
    n = plan['N']; phase = (v * delta + (n // 2) * plan['unit']) % 2**64
    logm = int(math.log2(n)) + 1
    return (((phase >> (64 - logm - 1)) + 1) >> 1) % (2 * n)
def nearest(t, delta, plan):  # the integer nearest to where position t lies
    rel = (t - plan['N'] // 2) * plan['unit']
    return (2 * rel + delta) // (2 * delta)
for c in cases:
    plan = c['plan']; d = plan['width']; b = plan['batch']; P = plan['P']; K = plan['K']
    dA = int(plan['deltaA']); dV = int(plan['deltaV'])
    w = c['w']; x = c['x']; y = c['y']; u = c['dither']
    a = [sum(w[j] * x[i * d + j] for j in range(d)) for i in range(b)]
    aa = [nearest(pos(v, dA, plan), dA, plan) for v in a] if plan['coarse'] else a
    p = [math.floor(P / (1 + math.exp(-(v * (plan['sW'] / plan['X'])))) + 0.5) for v in aa]
    e = [p[i] - P * y[i] for i in range(b)]
    g = [sum(x[i * d + j] * e[i] for i in range(b)) for j in range(d)]
    v = [K * w[j] - g[j] + u[j] for j in range(d)]
    vv = [nearest(pos(t, dV, plan), dV, plan) for t in v] if plan['coarse'] else v
    wn = [min(plan['wMax'], max(plan['wMin'], t // K)) for t in vv]
    out.append({'a': a, 'p': p, 'g': g, 'w': wn})
print(json.dumps(out))
`;

test('the integer SGD step equals a plain Python reference (exact regime, and the coarse reads of the default 5/6/5-bit plan)', () => {
  const rng = new SeededRng(7);
  const cases: object[] = [];
  const ours: object[] = [];
  const plans: [SgdPlan, boolean][] = [
    [tinyPlan(3, 2), false],
    [planSgd({ features: 10, batchSize: 8, learningRate: 1, weightRange: 4 }), true],
  ];
  for (const [plan, coarse] of plans) {
    if (!coarse) {
      // the exact regime: at least 40 positions per value of A and of V
      assert.ok(Number(plan.deltaA) / 2 ** 51 >= 40 && Number(plan.deltaV) / 2 ** 51 >= 40);
    }
    for (let c = 0; c < 30; c++) {
      const w = randomWeights(plan, rng);
      const batch = randomBatch(plan, rng);
      const r = integerStep(plan, w, batch);
      ours.push({ a: Array.from(r.a), p: Array.from(r.p), g: Array.from(r.g), w: Array.from(r.weights) });
      cases.push({
        plan: {
          width: plan.width,
          batch: plan.batchSize,
          P: plan.pMax,
          K: plan.k,
          X: plan.xMax,
          sW: plan.weightScale,
          wMin: plan.wMin,
          wMax: plan.wMax,
          N: plan.polynomialSize,
          unit: Number(2n ** 64n / BigInt(2 * plan.polynomialSize)),
          deltaA: plan.deltaA.toString(),
          deltaV: plan.deltaV.toString(),
          coarse,
        },
        w: Array.from(w),
        x: Array.from(batch.x),
        y: Array.from(batch.y),
        dither: Array.from(batch.dither),
      });
    }
  }
  const ref = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify(cases) }).toString());
  assert.deepEqual(ours, ref);
  // the steps moved weights (not a vacuous comparison)
  assert.ok(ref.some((r: { w: number[] }, i: number) => r.w.some((v, j) => v !== (cases[i] as { w: number[] }).w[j])));
});

test('execute equals simulate with real keys (2 features, batch 2, 2 iterations); the server loads only an evaluation-key file', async () => {
  const plan = tinyPlan(2, 2);
  const rng = new SeededRng(3);
  const batches = [randomBatch(plan, rng), randomBatch(plan, rng)];
  let w: Int32Array = new Int32Array(plan.width);
  const simulated: number[][] = [];
  for (const b of batches) {
    w = integerStep(plan, w, b).weights;
    simulated.push(Array.from(w));
  }
  assert.notDeepEqual(simulated[0], [0, 0, 0], 'the first step moves the weights');
  const client = SgdClient.create(plan);
  try {
    const keyFile = await client.evaluationKeyFile();
    const server = SgdServer.fromKeyFile(plan, keyFile);
    let wc = await client.encryptWeights(new Int32Array(plan.width));
    for (const [it, b] of batches.entries()) {
      wc = (await server.step(wc, await client.encryptBatch(b))).weights;
      assert.deepEqual(Array.from(client.decryptWeights(wc)), simulated[it], `iteration ${it + 1}`);
    }
    // a tfhe client key (the secret) is not an evaluation-key file: the server refuses it
    const ck = tfhe.Shortint.new_client_key(tfheParameters(plan.parameterSet));
    const clientKeyBytes = tfhe.Shortint.serialize_client_key(ck);
    ck.free();
    assert.throws(() => SgdServer.fromKeyFile(plan, clientKeyBytes), EvaluationKeyFormatError);
    assert.throws(() => SgdServer.fromKeyFile(plan, keyFile.subarray(0, keyFile.length - 1)), EvaluationKeyFormatError);
  } finally {
    client.dispose();
  }
});

test('SGDClassifier on breast cancer: float and integer training within 3 points, the same decision function as a LogisticRegression; bad input is refused', async () => {
  const s = splitRows(loadBreastCancer(), 0.2, 0);
  const float = await new SGDClassifier({ maxIter: 100 }).fit(s.xTrain, s.yTrain);
  const quantized = await new SGDClassifier({ maxIter: 100 }).fit(s.xTrain, s.yTrain, { fheTraining: 'disable' });
  const noisy = await new SGDClassifier({ maxIter: 100 }).fit(s.xTrain, s.yTrain, { fheTraining: 'simulate', noise: true });
  const [a, b, c] = [float, quantized, noisy].map((m) => m.score(s.xTest, s.yTest));
  assert.ok(a > 0.85, `float SGD ${a}`);
  assert.ok(Math.abs(a - b) <= 0.03 && Math.abs(a - c) <= 0.03, `float ${a}, integer ${b}, simulate with noise ${c}`);
  const width = s.xTrain[0].length + 1;
  assert.equal(quantized.trainingReport?.levels?.length, width);
  assert.equal(quantized.trainingReport?.pbsPerIteration, 2 * 8 * width + 3 * width + 2 * 8);
  const lr = quantized.toLogisticRegression();
  assert.deepEqual(await lr.predict(s.xTest), quantized.predict(s.xTest));
  assert.throws(() => new SGDClassifier({ maxIter: 0 }), RangeError);
  await assert.rejects(() => new SGDClassifier().fit([[1], [2], [3]], [0, 1, 2]), RangeError);
  await assert.rejects(() => new SGDClassifier().fit(s.xTrain, s.yTrain, { fheTraining: 'fast' as never }), RangeError);
  await assert.rejects(() => new SGDClassifier().fit(s.xTrain, s.yTrain, { noise: true }), RangeError);
  assert.throws(() => planSgd({ features: 4, batchSize: 8, learningRate: 1, weightRange: 4, bits: { data: 6, weights: 7 } }), RangeError);
});
