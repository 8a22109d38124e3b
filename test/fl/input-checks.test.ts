/**
 * Input checks and small contracts of src/fl, all run in this process (no child processes):
 *   - FedAvg's option checks throw the documented messages, word for word;
 *   - prepareShards refuses a non-integer or too small testExamples with the documented
 *     message, and deals exactly a valid testExamples over the sites (counted in the shard files);
 *   - a task message whose "sites" field is not an array of id strings is refused when decoded
 *     (the frame built by hand with encodeFrame), with the documented WireFormatError;
 *   - a site's reported cpu_seconds is in seconds: positive and no more than the CPU time this
 *     test measured itself around runSite;
 *   - pix2pix-fashion refuses images that are not 28x28 (message naming the size) and models it
 *     did not make; one local round of pix2pix-fashion-small changes the weights and reports the
 *     losses of a replay this test runs itself with pix2pixTrainStep (same seed, order and pairs),
 *     ending at the replay's weights;
 *   - the small task's model has the parameter count of 16-filter networks, worked out by hand
 *     from the layer list (and equal to a Pix2Pix built directly with 16 filters);
 *   - the HTTP server's JSON answers carry Content-Type application/json and a Content-Length
 *     equal to the body's UTF-8 byte length;
 *   - saveCheckpoint fsyncs (the file and its folder), and the checkpoint loads back as saved;
 *   - runFederated, interrupted while it waits for its server, rejects with an InterruptedError
 *     naming "federated job in DIR" and the reason, word for word (the server it started is the
 *     one child process: runFederated starts it before its first wait, and ends it); the job
 *     folder removed at once does not crash the process (its log file may still be opening).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset, loadSiteShard, makeDataset } from '../../src/data';
import { edgePairs } from '../../src/data/pix2pix-pairs';
import { Pix2Pix, pix2pixOptimizers, pix2pixTrainStep } from '../../src/nn/pix2pix';
import { SeededRng } from '../../src/util/rng';
import {
  API_PREFIX,
  FedAvg,
  HttpServerTransport,
  IDENTITY_POLICY,
  ServerState,
  TaskMessage,
  Weights,
  WireFormatError,
  asPix2Pix,
  decodeTask,
  encodeFrame,
  encodeTask,
  initialWeights,
  loadCheckpoint,
  mlpMnist,
  newTokens,
  pix2pixFashionSmall,
  prepareShards,
  runFederated,
  runSite,
  saveCheckpoint,
  siteDir,
  sitePairs,
  weightsFromVariables,
} from '../../src/fl';
import { InterruptedError, openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';
import { mnistSlice } from '../support/mnist';
import { tmpDir } from '../support/tmp';
import { scriptedSiteTransport } from '../support/fl-sites';

// Required so that the fsync spy below replaces the function every module of the project calls.
const nodeFs = require('node:fs') as typeof import('node:fs');

test('FedAvg: minFitSites and fractionFit refused with the documented messages', () => {
  for (const [v, shown] of [
    [0, '0'],
    [-1, '-1'],
    [1.5, '1.5'],
  ] as const) {
    assert.throws(
      () => new FedAvg({ fit: {}, minFitSites: v }),
      (e: Error) => e instanceof RangeError && e.message === `minFitSites must be a positive integer, got ${shown}`,
      `minFitSites ${v}`,
    );
  }
  for (const [v, shown] of [
    [0, '0'],
    [1.5, '1.5'],
  ] as const) {
    assert.throws(
      () => new FedAvg({ fit: {}, fractionFit: v }),
      (e: Error) => e instanceof RangeError && e.message === `fractionFit must be in (0, 1], got ${shown}`,
      `fractionFit ${v}`,
    );
  }
  assert.equal(new FedAvg({ fit: {}, minFitSites: 2, fractionFit: 0.5 }).minFitSites, 2);
});

test('prepareShards: testExamples must be an integer ≥ the sites; a valid one is dealt exactly', () => {
  const o = { sites: 2, dataset: 'mnist-small', trainExamples: 4, seed: 1 };
  const refused = (v: number) => (e: Error) => e instanceof RangeError && e.message === `testExamples must be an integer ≥ the number of sites, got ${v}`;
  assert.throws(() => prepareShards(tmpDir('privlab-shards-'), { ...o, testExamples: 2.5 }), refused(2.5), 'not an integer (though ≥ 2)');
  assert.throws(() => prepareShards(tmpDir('privlab-shards-'), { ...o, testExamples: 1 }), refused(1), 'an integer below the 2 sites');
  const dir = tmpDir('privlab-shards-');
  const ids = prepareShards(dir, { ...o, testExamples: 5 });
  assert.deepEqual(ids, ['site-1', 'site-2']);
  const shards = ids.map((id) => loadSiteShard(siteDir(dir, id)));
  assert.equal(
    shards.reduce((n, s) => n + (s.test?.count ?? 0), 0),
    5,
    'the 5 held-out images over the sites',
  );
  assert.equal(
    shards.reduce((n, s) => n + s.train.count, 0),
    4,
  );
});

test('decodeTask: a "sites" field that is not an array of id strings is refused', () => {
  const weights: Weights = { specs: [{ name: 'w', shape: [2] }], values: [Float32Array.from([1, 2])] };
  const good: TaskMessage = { job: 'j', round: 1, mode: 'fit', sites: ['a', 'site-2'], task: 'mlp-mnist', config: {}, policy: IDENTITY_POLICY, weights };
  const max = 1 << 20;
  assert.deepEqual(decodeTask(encodeTask(good), max).sites, ['a', 'site-2']);
  assert.equal(decodeTask(encodeTask({ ...good, sites: Array(100_000).fill('a') }), max).sites.length, 100_000);
  const meta = { job: good.job, round: good.round, mode: good.mode, task: good.task, config: good.config, policy: good.policy };
  const expected = String.raw`task field "sites" must be an array of strings matching ^[\w.:-]{1,128}$, got `;
  for (const [sites, shown] of [
    ['a', '"a"'],
    [{ 0: 'a' }, '{"0":"a"}'],
    [['a', 5], '["a",5]'],
    [['a', 'b c'], '["a","b c"]'],
    [['a', ''], '["a",""]'],
    [['x'.repeat(129)], JSON.stringify(['x'.repeat(129)]).slice(0, 80)],
    // the list's length is bounded too: 100,000 ids at most
    [Array(100_001).fill('a'), JSON.stringify(Array(100_001).fill('a')).slice(0, 80)],
  ] as const) {
    const bytes = encodeFrame('task', { ...meta, sites }, weights);
    assert.throws(
      () => decodeTask(bytes, max),
      (e: Error) => e instanceof WireFormatError && e.message.endsWith(expected + shown),
      `sites ${JSON.stringify(sites).slice(0, 40)}`,
    );
  }
});

test('a site reports cpu_seconds in seconds: > 0 and ≤ the CPU time measured around runSite', async () => {
  const train = mnistSlice(0, 64);
  const global = initialWeights(mlpMnist, 3);
  const script: TaskMessage[] = [
    {
      job: 'j',
      round: 1,
      mode: 'fit',
      sites: ['a'],
      task: 'mlp-mnist',
      config: { localSteps: 3, batchSize: 16, optimizer: 'adam', learningRate: 1e-3, seed: 1, evaluateGlobal: false },
      policy: IDENTITY_POLICY,
      weights: global,
    },
  ];
  const { transport, pushed } = scriptedSiteTransport(script);
  const c0 = process.cpuUsage();
  const summary = await runSite({ site: 'a', task: mlpMnist, shard: { train }, transport });
  const d = process.cpuUsage(c0);
  const measured = (d.user + d.system) / 1e6;
  assert.deepEqual(summary, { answered: 1, accepted: 1 });
  const cpu = pushed[0].metrics.cpu_seconds;
  assert.ok(cpu > 0, `cpu_seconds ${cpu}`);
  assert.ok(cpu <= measured + 0.05, `cpu_seconds ${cpu} > the ${measured} s this test measured around runSite`);
});

/** A dataset of `count` blank-ish images of h × w (a pixel set per image). */
function blankDataset(h: number, w: number, count: number): ImageDataset {
  const images = new Uint8Array(count * h * w);
  for (let i = 0; i < count; i++) images[i * h * w + ((h * w) >> 1)] = 255;
  return makeDataset({ name: `blank${h}x${w}`, images, labels: new Uint8Array(count), count, height: h, width: w, classNames: ['x'] });
}

test('pix2pix-fashion: images other than 28x28 and models of other tasks are refused', async () => {
  for (const [h, w] of [
    [30, 30],
    [28, 30],
    [30, 28],
  ]) {
    const ds = blankDataset(h, w, 2);
    const message = `pix2pix-fashion takes 28x28 images (padded to 32x32), got ${h}x${w} (blank${h}x${w})`;
    assert.throws(
      () => sitePairs(ds),
      (e: Error) => e instanceof RangeError && e.message === message,
      `${h}x${w}`,
    );
    const model = pix2pixFashionSmall.createModel(0);
    try {
      await assert.rejects(pix2pixFashionSmall.trainLocal(model, ds, { localSteps: 1 }, 0), (e: Error) => e instanceof RangeError && e.message === message);
    } finally {
      model.dispose();
    }
  }
  const mlp = mlpMnist.createModel(0);
  try {
    const notMine = (e: Error) => e instanceof TypeError && e.message === 'pix2pix-fashion: the model was not made by this task';
    assert.throws(() => asPix2Pix(mlp), notMine);
    assert.throws(() => asPix2Pix({ ...mlp, pix2pix: {} } as never), notMine);
    await assert.rejects(pix2pixFashionSmall.trainLocal(mlp, mnistSlice(0, 2), { localSteps: 1 }, 0), notMine);
  } finally {
    mlp.dispose();
  }
});

/** Parameters of the 32x32 U-Net (5 downsamplings) and 70x70 PatchGAN with first-layer width f, from their layer lists. */
function pix2pixParameters(f: number): number {
  const k = 16; // 4x4 kernels
  const bn = (c: number): number => 2 * c; // γ and β
  // channels [f, 2f, 4f, 8f, 8f]; enc1 and enc5 have a bias, enc2-4 batch norm
  const encoder = k * 1 * f + f + (k * f * 2 * f + bn(2 * f)) + (k * 2 * f * 4 * f + bn(4 * f)) + (k * 4 * f * 8 * f + bn(8 * f)) + (k * 8 * f * 8 * f + 8 * f);
  // dec1 8f→8f, dec2 16f→4f, dec3 8f→2f, dec4 4f→f (batch norm, no bias), out 2f→1 with bias
  const decoder =
    k * 8 * f * 8 * f + bn(8 * f) + (k * 16 * f * 4 * f + bn(4 * f)) + (k * 8 * f * 2 * f + bn(2 * f)) + (k * 4 * f * f + bn(f)) + (k * 2 * f + 1);
  // conv1 2→f (bias), conv2 f→2f, conv3 2f→4f, conv4 4f→8f (batch norm), out 8f→1 (bias)
  const discriminator = k * 2 * f + f + (k * f * 2 * f + bn(2 * f)) + (k * 2 * f * 4 * f + bn(4 * f)) + (k * 4 * f * 8 * f + bn(8 * f)) + (k * 8 * f + 1);
  return encoder + decoder + discriminator;
}

test('pix2pix-fashion-small: the parameter count of 16-filter networks', () => {
  assert.equal(pix2pixParameters(16), 1_042_225 + 175_057);
  assert.equal(pix2pixParameters(64), 16_653_505 + 2_764_609, "the original's 16.7M + 2.8M");
  const m = pix2pixFashionSmall.createModel(0);
  const count = m.variables.reduce((n, v) => n + v.size, 0);
  m.dispose();
  assert.equal(count, pix2pixParameters(16));
  const direct = new Pix2Pix({ generator: { filters: 16 }, discriminator: { filters: 16 } }, 0);
  assert.equal(direct.parameterCount(), pix2pixParameters(16));
  direct.dispose();
});

test('pix2pix-fashion-small: one local round equals a replay with pix2pixTrainStep', async () => {
  const data = mnistSlice(10, 2);
  const steps = 3; // over 2 pairs: the order is drawn again at step 3
  const seed = 5;
  const modelSeed = 11;
  // The replay's networks: 16 filters, from the same seed. Checked to be the task's model before
  // the task trains it (spec by spec first, so that a model of another size fails at once).
  const p = new Pix2Pix({ generator: { filters: 16 }, discriminator: { filters: 16 } }, modelSeed);
  const start = weightsFromVariables(p.variables(), p.variableNames());
  const model = pix2pixFashionSmall.createModel(modelSeed);
  const before = weightsFromVariables(model.variables, model.names);
  try {
    assert.deepEqual(before.specs, start.specs, 'the task model has the 16-filter networks');
    assert.ok(
      before.values.every((v, k) => v.every((x, j) => x === start.values[k][j])),
      'the task model is the 16-filter Pix2Pix of the seed',
    );
  } catch (e) {
    model.dispose();
    p.dispose();
    throw e;
  }
  const metrics = await pix2pixFashionSmall.trainLocal(model, data, { localSteps: steps }, seed);
  const after = weightsFromVariables(model.variables, model.names);
  model.dispose();

  // The replay: Adam lr 2e-4, batch 1, pairs taken in the seeded order, a fresh order after
  // each pass over the data.
  const pairs = edgePairs(data);
  const opt = pix2pixOptimizers(p, { learningRate: 2e-4 });
  const rng = new SeededRng(seed);
  const losses: { d: number; gGan: number; gL1: number }[] = [];
  let order = rng.permutation(data.count);
  for (let s = 0; s < steps; s++) {
    if (s > 0 && s % data.count === 0) order = rng.permutation(data.count);
    const i = order[s % data.count];
    const x = pairs.edges.slice([i, 0, 0, 0], [1, -1, -1, -1]);
    const y = pairs.images.slice([i, 0, 0, 0], [1, -1, -1, -1]);
    losses.push(pix2pixTrainStep(p, opt, x, y, rng, { lambda: 100 }));
    tf.dispose([x, y]);
  }
  const replayed = weightsFromVariables(p.variables(), p.variableNames());
  opt.generator.dispose();
  opt.discriminator.dispose();
  tf.dispose([pairs.edges, pairs.images]);
  p.dispose();

  const mean = (f: (l: (typeof losses)[number]) => number): number => losses.reduce((a, l) => a + f(l), 0) / steps;
  const { train_seconds, ...rest } = metrics;
  assert.ok(train_seconds >= 0);
  // quarter = max(1, floor(3 / 4)) = 1 step
  assert.deepEqual(rest, {
    d_loss: mean((l) => l.d),
    g_gan: mean((l) => l.gGan),
    l1: mean((l) => l.gL1),
    l1_first_quarter: losses[0].gL1,
    l1_last_quarter: losses[steps - 1].gL1,
    train_loss: mean((l) => l.gL1),
    steps,
  });
  for (const v of Object.values(rest)) assert.ok(Number.isFinite(v) && v > 0);
  assert.deepEqual(after.specs, replayed.specs);
  const differing = after.values.flatMap((v, k) => (v.every((x, j) => x === replayed.values[k][j]) ? [] : [after.specs[k].name]));
  assert.deepEqual(differing, [], "the round ends at the replay's weights");
  assert.ok(
    after.values.some((v, k) => v.some((x, j) => x !== before.values[k][j])),
    'the weights changed',
  );
});

test('HTTP server: JSON answers carry their type and byte length', async () => {
  const tokens = newTokens(['a']);
  const server = await HttpServerTransport.start({ tokens, maxResultBytes: 64, lingerSeconds: 1 });
  try {
    const check = async (r: Response, status: number, body: string): Promise<void> => {
      assert.equal(r.status, status);
      assert.equal(r.headers.get('content-type'), 'application/json');
      assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(body, 'utf8')));
      assert.equal(await r.text(), body);
    };
    await check(
      await fetch(`${server.address}${API_PREFIX}/status`, { headers: { Authorization: 'Bearer not-a-token-of-any-site' } }),
      401,
      '{"error":"missing or unknown site token"}',
    );
    server.publish({ job: 'jé', round: 3 }, new Uint8Array(4));
    const body = '{"job":"jé","round":3,"done":false}';
    assert.equal(Buffer.byteLength(body, 'utf8'), body.length + 1, 'é takes two bytes');
    await check(await fetch(`${server.address}${API_PREFIX}/status`, { headers: { Authorization: `Bearer ${tokens.get('a')}` } }), 200, body);
  } finally {
    await server.close();
  }
});

test('saveCheckpoint fsyncs the file and its folder, and loads back as saved', () => {
  const file = path.join(tmpDir('privlab-ckpt-'), 'server.ckpt');
  const state: ServerState = {
    task: 'mlp-mnist',
    round: 0,
    history: [],
    weights: { specs: [{ name: 'w', shape: [2, 2] }], values: [Float32Array.from([1, -2, 0.5, 3])] },
  };
  const real = nodeFs.fsyncSync;
  let calls = 0;
  nodeFs.fsyncSync = (fd: number) => {
    calls++;
    real(fd);
  };
  try {
    saveCheckpoint(file, state);
  } finally {
    nodeFs.fsyncSync = real;
  }
  assert.ok(calls >= 2, `${calls} fsync calls`);
  assert.deepEqual(loadCheckpoint(file, 'mlp-mnist', state.weights.specs), { ...state, evaluation: undefined });
});

test('runFederated interrupted while waiting for its server: InterruptedError "federated job in DIR interrupted (reason)"', async () => {
  const dir = path.join(tmpDir('privlab-fl-job-'), 'job');
  // runFederated runs synchronously up to its first wait (shards dealt, server started, the interrupt
  // scope open); an interrupt requested right then stops that wait, and the server is ended.
  const job = runFederated({ sites: 1, rounds: 1, dataset: 'mnist-small', trainExamples: 2, testExamples: 1, fit: { localSteps: 1, batchSize: 2 }, dir });
  assert.equal(requestInterrupt('test interrupt'), 1, 'the job holds the one open scope');
  await assert.rejects(job, (e: Error) => e instanceof InterruptedError && e.message === `federated job in ${dir} interrupted (test interrupt)`);
  assert.equal(openInterruptScopes(), 0, 'the job closed its scope');
  // The server's log file may still be opening: the folder removed under it must not crash this process.
  nodeFs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  await new Promise((r) => setTimeout(r, 300));
});
