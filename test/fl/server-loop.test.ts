/**
 * The server's round loop in this process (FlServer.run), against a scripted transport that
 * plays the sites: it decodes each published task with the project's decodeTask, answers with
 * UpdateMessages encoded by encodeUpdate (or faults and garbage), in an order the test picks,
 * and records every verdict the server gives.
 *
 * What is checked against what:
 *   - the constructor's guards: RangeError with the documented messages, written out here;
 *   - the new global weights: bit for bit against global + weightedMean of the updates taken in
 *     site order, computed here from the updates the script sent (with values chosen so that the
 *     order of summation shows in the float32 result — asserted), and against a second run whose
 *     sites answer in site order;
 *   - round records, evaluation and the checkpoint: against what the script did (who answered,
 *     with how many examples and which metrics; means worked out by hand);
 *   - verdicts: stale / rejected with the reasons spelled out here (a site outside the sample, a
 *     second answer, a transport fault, malformed bytes, a wrong job, a forged site id).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  FedAvg,
  FlServer,
  ResultHandler,
  ServerState,
  ServerTransport,
  TaskMessage,
  TaskRef,
  TensorSpec,
  TransportFault,
  UpdateMessage,
  Verdict,
  Weights,
  decodeTask,
  decodeUpdate,
  encodeUpdate,
  frameLimit,
  initialWeights,
  loadCheckpoint,
  logregMnist,
  weightedMean,
} from '../../src/fl';
import { tmpDir } from '../support/tmp';
import { throwsExactly } from '../support/throws';

/** The cheapest task: 784 → 10 logistic regression (7,850 weights). */
const TASK = logregMnist;
const SEED = 5;
const SPECS: readonly TensorSpec[] = initialWeights(TASK, SEED).specs;

interface Send {
  site: string;
  payload: Uint8Array | TransportFault;
}

interface Heard {
  job: string;
  round: number;
  mode: string;
  site: string;
  verdict: Verdict;
}

/** The sites, scripted: `play` says who sends what for each published task (in that order). */
class ScriptedSites implements ServerTransport {
  readonly address = 'scripted:';
  readonly connected: ReadonlySet<string>;
  /** Every task published, decoded. */
  readonly tasks: TaskMessage[] = [];
  /** Every result sent, with the server's verdict, in sending order. */
  readonly heard: Heard[] = [];
  finishedWith: string[] | null = null;
  private handler: ResultHandler | null = null;

  constructor(
    readonly sites: readonly string[],
    private readonly play: (task: TaskMessage, index: number) => Send[],
  ) {
    this.connected = new Set(sites);
  }

  publish(ref: TaskRef, bytes: Uint8Array): void {
    const task = decodeTask(bytes, frameLimit(SPECS));
    assert.deepEqual({ job: task.job, round: task.round }, ref, 'the task message is the published ref');
    assert.equal(this.finishedWith, null, 'no task after finish');
    this.tasks.push(task);
    const sends = this.play(task, this.tasks.length - 1);
    // Answer later, as a network would: the server is waiting by then.
    setImmediate(() => {
      for (const s of sends) {
        const verdict = this.handler!(s.site, s.payload);
        this.heard.push({ job: task.job, round: task.round, mode: task.mode, site: s.site, verdict });
      }
    });
  }

  async finish(waitFor: readonly string[]): Promise<void> {
    this.finishedWith = [...waitFor];
  }

  onResult(handler: ResultHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {}
}

function update(task: TaskMessage, site: string, numExamples: number, metrics: Record<string, number>, values: Float32Array[]): Uint8Array {
  const specs = task.mode === 'fit' ? task.weights.specs : [];
  const m: UpdateMessage = { job: task.job, round: task.round, site, numExamples, metrics, update: { specs, values } };
  return encodeUpdate(m);
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function assertSameWeights(actual: Weights, expected: Weights, what: string): void {
  assert.deepEqual(actual.specs, expected.specs, `${what}: tensors`);
  actual.values.forEach((v, i) => assert.ok(sameBits(v, expected.values[i]), `${what}: ${actual.specs[i].name} differs bit for bit`));
}

/** FedAvg by definition: global + Σ n_k·u_k / Σ n_k, the sum taken in the order given, rounded to float32. */
function fedAvg(global: Weights, results: readonly { n: number; u: Float32Array[] }[]): Weights {
  const mean = weightedMean(
    results.map((r) => r.u),
    results.map((r) => r.n),
  );
  return { specs: global.specs, values: global.values.map((g, i) => g.map((v, j) => v + mean[i][j])) };
}

function options(transport: ServerTransport, dir: string, strategy: FedAvg, rounds: number, extra: { evaluate?: boolean; log?: (l: string) => void } = {}) {
  return { task: TASK, strategy, rounds, transport, checkpoint: path.join(dir, 'server.ckpt'), roundTimeoutSeconds: 20, seed: SEED, ...extra };
}

test('the constructor refuses bad rounds, timeouts and a strategy needing more sites than registered', () => {
  const dir = tmpDir();
  const transport = new ScriptedSites(['s1', 's2', 's3'], () => []);
  const make = (o: { rounds?: number; roundTimeoutSeconds?: number; minFitSites?: number }) => () =>
    new FlServer({
      ...options(transport, dir, new FedAvg({ fit: {}, minFitSites: o.minFitSites ?? 1 }), o.rounds ?? 1),
      roundTimeoutSeconds: o.roundTimeoutSeconds ?? 10,
    });
  throwsExactly(make({ roundTimeoutSeconds: 0 }), RangeError, 'the round timeout must be positive, got 0');
  throwsExactly(make({ roundTimeoutSeconds: -1 }), RangeError, 'the round timeout must be positive, got -1');
  throwsExactly(make({ roundTimeoutSeconds: NaN }), RangeError, 'the round timeout must be positive, got NaN');
  throwsExactly(make({ rounds: 0 }), RangeError, 'rounds must be a positive integer, got 0');
  throwsExactly(make({ rounds: 1.5 }), RangeError, 'rounds must be a positive integer, got 1.5');
  throwsExactly(make({ minFitSites: 4 }), RangeError, 'the strategy needs 4 sites per round, only 3 are registered');
  // the limits themselves are fine
  assert.ok(make({ rounds: 1, roundTimeoutSeconds: 0.001, minFitSites: 3 })() instanceof FlServer);
});

// Three sites whose example counts are in ratios of 2, so that B·n_a, −(B/2)·n_b, −(B/4)·n_c cancel
// exactly in the weighted sum. At index class `small` one site sends a small value and two others
// a big pair that cancels: the small value survives only when it is summed last. So the float32
// aggregate tells which site was summed last, and site order (a, b, c) has c last.
const SITES = ['site-a', 'site-b', 'site-c'];
const COUNTS: Record<string, number> = { 'site-a': 100, 'site-b': 200, 'site-c': 400 };
const LOSS: Record<string, number> = { 'site-a': 1, 'site-b': 2, 'site-c': 4 };
const B = 2 ** 60;

function orderedUpdate(round: number, site: string): Float32Array[] {
  const k = SITES.indexOf(site);
  const small = 0.5 + 0.25 * round;
  // For j % 4 = p (p < 3): the site with the small value, and the big pair.
  const big: Record<string, number>[] = [
    { 'site-a': B, 'site-c': -B / 4 }, // small at b
    { 'site-b': B, 'site-c': -B / 2 }, // small at a
    { 'site-a': B, 'site-b': -B / 2 }, // small at c
  ];
  return SPECS.map((s, t) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const u = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const p = j % 4;
      u[j] = p < 3 ? (big[p][site] ?? small) : (((j * 31 + k * 17 + round * 7 + t) % 19) - 9) / 128;
    }
    return u;
  });
}

/** Runs two rounds and an evaluation with the sites answering each round in `orders[round - 1]`. */
async function runOrdered(orders: string[][]): Promise<{ state: ServerState; sites: ScriptedSites; dir: string }> {
  const dir = tmpDir();
  const sites = new ScriptedSites(SITES, (task) => {
    if (task.mode === 'evaluate')
      return ['site-c', 'site-a', 'site-b'].map((s, i) => ({ site: s, payload: update(task, s, [100, 50, 50][i], { accuracy: [1, 0.5, 0.25][i] }, []) }));
    return orders[task.round - 1].map((s) => ({ site: s, payload: update(task, s, COUNTS[s], { train_loss: LOSS[s] }, orderedUpdate(task.round, s)) }));
  });
  const state = await new FlServer(options(sites, dir, new FedAvg({ fit: { localSteps: 1 }, minFitSites: 3 }), 2)).run();
  return { state, sites, dir };
}

test('FedAvg in site order: the new global weights do not depend on who answered first', async () => {
  const shuffled = [
    ['site-b', 'site-c', 'site-a'],
    ['site-a', 'site-c', 'site-b'],
  ];
  const g0 = initialWeights(TASK, SEED);
  // Independently: FedAvg of the updates in site order, round after round.
  const expected: Weights[] = [];
  let g = g0;
  for (let round = 1; round <= 2; round++) {
    const inSiteOrder = SITES.map((s) => ({ n: COUNTS[s], u: orderedUpdate(round, s) }));
    const next = fedAvg(g, inSiteOrder);
    // The values make the summation order visible: in arrival order, or its reverse, the result differs.
    for (const order of [shuffled[round - 1], [...shuffled[round - 1]].reverse(), [...SITES].reverse()]) {
      const other = fedAvg(
        g,
        order.map((s) => ({ n: COUNTS[s], u: orderedUpdate(round, s) })),
      );
      assert.ok(!other.values.every((v, i) => sameBits(v, next.values[i])), `round ${round}: order ${order} must change the float32 aggregate`);
    }
    expected.push(next);
    g = next;
  }

  const run = await runOrdered(shuffled);
  const { state, sites } = run;
  assert.equal(state.round, 2);
  assertSameWeights(sites.tasks[0].weights, g0, 'round 1 task carries the initial weights');
  assertSameWeights(sites.tasks[1].weights, expected[0], 'round 2 task carries round 1 aggregate');
  assertSameWeights(state.weights, expected[1], 'final weights');
  assertSameWeights(loadCheckpoint(path.join(run.dir, 'server.ckpt'), TASK.name, SPECS)!.weights, expected[1], 'checkpointed weights');
  assert.deepEqual(
    sites.tasks.map((t) => [t.round, t.mode, t.sites]),
    [
      [1, 'fit', SITES],
      [2, 'fit', SITES],
      [2, 'evaluate', SITES],
    ],
  );
  assert.ok(
    sites.heard.every((h) => h.verdict.accepted),
    'every answer accepted',
  );
  assert.deepEqual(
    sites.heard.filter((h) => h.mode === 'fit').map((h) => [h.round, h.site]),
    shuffled.flatMap((o, r) => o.map((s) => [r + 1, s])),
  );

  assert.equal(state.history.length, 2);
  state.history.forEach((rec, i) => {
    assert.equal(rec.round, i + 1);
    assert.equal(rec.attempts, 1);
    assert.deepEqual(rec.sampled, SITES);
    assert.deepEqual(
      rec.accepted,
      SITES.map((s) => ({ site: s, numExamples: COUNTS[s], metrics: { train_loss: LOSS[s] } })),
      'accepted, in site order',
    );
    assert.deepEqual(rec.rejected, []);
    assert.deepEqual(rec.missing, []);
    // (100·1 + 200·2 + 400·4) / 700 = 3
    assert.deepEqual(rec.metrics, { num_examples: 700, train_loss: 3 });
  });
  // evaluation: (100·1 + 50·0.5 + 50·0.25) / 200 = 0.6875
  assert.equal(state.evaluation?.round, 2);
  assert.deepEqual(state.evaluation?.metrics, { num_examples: 200, accuracy: 0.6875 });
  assert.deepEqual([...(state.evaluation?.sites ?? [])].map((a) => a.site).sort(), SITES);
  assert.deepEqual([...(sites.finishedWith ?? [])].sort(), SITES, 'finish waits for the sites that evaluated');

  const inOrder = await runOrdered([SITES, SITES]);
  assertSameWeights(inOrder.state.weights, state.weights, 'answers in site order, the same weights');
  assertSameWeights(inOrder.state.weights, expected[1], 'answers in site order, final weights');
});

test('verdicts: outside the sample and second answers are stale; faults, garbage, wrong jobs and forged ids are rejected', async () => {
  const dir = tmpDir();
  const all = ['site-1', 'site-2', 'site-3', 'site-4'];
  const strategy = new FedAvg({ fit: { localSteps: 1 }, fractionFit: 0.5, minFitSites: 1, seed: 11 });
  const garbage = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const values = (x: number): Float32Array[] => SPECS.map((s) => new Float32Array(s.shape.reduce((a, b) => a * b, 1)).fill(x));
  const fault: TransportFault = { fault: 'result of 123456789 bytes exceeds the limit of 40000' };
  const expectedSends: { round: number; site: string; verdict: Verdict }[] = [];
  const accepted: { round: number; site: string; u: Float32Array[] }[] = [];
  let firstJobOfRound2 = '';
  let wrongJob = '';
  const sites = new ScriptedSites(all, (task, index) => {
    const [s1, s2] = task.sites;
    const outsider = all.find((s) => !task.sites.includes(s))!;
    const expect = (site: string, verdict: Verdict): void => void expectedSends.push({ round: task.round, site, verdict });
    const ok = (site: string, x: number, n = 10): Send => {
      accepted.push({ round: task.round, site, u: values(x) });
      expect(site, { accepted: true });
      return { site, payload: update(task, site, n, { train_loss: x }, values(x)) };
    };
    if (index === 0) {
      // round 1: an outsider, an answer, the same site again, a fault; after the round closed, the outsider again
      expect(outsider, { accepted: false, kind: 'stale', reason: `${outsider} is not in the sample of round 1` });
      const first: Send = { site: outsider, payload: update(task, outsider, 10, {}, values(1)) };
      const answer = ok(s1, 0.5);
      expect(s1, { accepted: false, kind: 'stale', reason: `${s1} already answered round 1` });
      expect(s2, { accepted: false, kind: 'rejected', reason: fault.fault });
      expect(outsider, { accepted: false, kind: 'stale', reason: 'round 1 is closed' });
      return [first, answer, { site: s1, payload: update(task, s1, 10, {}, values(2)) }, { site: s2, payload: fault }, first];
    }
    if (index === 1) {
      // round 2, attempt 1: garbage and a forged site id — nothing accepted, so the round runs again
      firstJobOfRound2 = task.job;
      let why = '';
      try {
        decodeUpdate(garbage, frameLimit(SPECS), SPECS);
      } catch (e) {
        why = `${(e as Error).name}: ${(e as Error).message}`;
      }
      assert.match(why, /^WireFormatError: /);
      expect(s1, { accepted: false, kind: 'rejected', reason: why });
      expect(s1, { accepted: false, kind: 'stale', reason: `${s1} already answered round 2` });
      expect(s2, { accepted: false, kind: 'rejected', reason: `the message claims to come from "${s1}" but carries ${s2}'s token` });
      return [
        { site: s1, payload: garbage },
        { site: s1, payload: update(task, s1, 10, {}, values(3)) },
        { site: s2, payload: update(task, s1, 10, {}, values(3)) },
      ];
    }
    // round 2, attempt 2: s1 answers the previous attempt's job, s2 answers well
    assert.equal(index, 2);
    assert.notEqual(task.job, firstJobOfRound2, 'a new attempt is a new job');
    wrongJob = `the message is for job ${firstJobOfRound2} round 2, sent as an answer to job ${task.job} round 2`;
    expect(s1, { accepted: false, kind: 'rejected', reason: wrongJob });
    return [{ site: s1, payload: update({ ...task, job: firstJobOfRound2 }, s1, 10, {}, values(4)) }, ok(s2, 0.25, 30)];
  });
  const logged: string[] = [];
  const state = await new FlServer(options(sites, dir, strategy, 2, { evaluate: false, log: (l) => logged.push(l) })).run();

  assert.deepEqual(
    sites.heard.map((h) => ({ round: h.round, site: h.site, verdict: h.verdict })),
    expectedSends,
  );
  const samples = sites.tasks.map((t) => t.sites);
  assert.equal(sites.tasks.length, 3, 'round 1, round 2 twice, no evaluation');
  assert.deepEqual(samples[1], samples[2], 'a repeated round asks the same sites');
  for (const s of samples) assert.equal(s.length, 2, 'half of 4 sites');

  // weights: each round one accepted update, so global + that update
  const g0 = initialWeights(TASK, SEED);
  const g1 = fedAvg(g0, [{ n: 10, u: accepted[0].u }]);
  const g2 = fedAvg(g1, [{ n: 30, u: accepted[1].u }]);
  assertSameWeights(sites.tasks[1].weights, g1, 'round 2 starts from round 1 aggregate');
  assertSameWeights(state.weights, g2, 'final weights');

  assert.equal(state.round, 2);
  // what each round did (its timings and privacy record left out)
  assert.deepEqual(
    state.history.map(({ round, attempts, sampled, accepted, rejected, missing, metrics }) => ({
      round,
      attempts,
      sampled,
      accepted,
      rejected,
      missing,
      metrics,
    })),
    [
      {
        round: 1,
        attempts: 1,
        sampled: samples[0],
        accepted: [{ site: samples[0][0], numExamples: 10, metrics: { train_loss: 0.5 } }],
        rejected: [{ site: samples[0][1], reason: fault.fault }],
        missing: [],
        metrics: { num_examples: 10, train_loss: 0.5 },
      },
      {
        round: 2,
        attempts: 2,
        sampled: samples[1],
        accepted: [{ site: samples[1][1], numExamples: 30, metrics: { train_loss: 0.25 } }],
        rejected: [{ site: samples[1][0], reason: wrongJob }],
        missing: [],
        metrics: { num_examples: 30, train_loss: 0.25 },
      },
    ],
  );
  assert.equal(state.evaluation, undefined, 'evaluate: false');
  assert.deepEqual(sites.finishedWith, [samples[1][1]], 'finish waits for the last round accepted site');
  assert.ok(
    logged.some((l) => l.startsWith(`round 2 attempt 1: 0 accepted updates, at least 1 needed (rejected: ${samples[1][0]}, ${samples[1][1]}; missing: none)`)),
    `the repeated attempt is logged: ${logged.join('\n')}`,
  );
});
