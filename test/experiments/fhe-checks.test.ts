/**
 * The FHE-side experiments of src/experiments run in this process on their smallest settings
 * (elsewhere they only run inside the CLI and the benchmarks' child processes). Checked against
 * expectations made outside the experiment code:
 *
 * - numbers chosen here and the formulas the experiments document (ms per PBS = 1000 · server
 *   seconds / samples / PBS; ms per prediction = PBS × ms per KS + PBS; one PBS per output of a
 *   linear model read by PBS), worked out by hand;
 * - a hand-built MNIST classifier (each class counts three binarized pixels) whose accumulators,
 *   circuit bits and accuracies are brute-forced here from the raw pixels;
 * - digits read straight from scikit-learn's CSV, and option checks' messages as written;
 * - for what depends on the compiler's or the CKKS library's own numbers (a compile error's text,
 *   the simulated circuit outside its calibrated windows, the plain logistic-regression model),
 *   the library's public calls made here on the same inputs;
 * - the documented defaults and relations: the README's LeNet-8 row (the options runZamaTable hands
 *   to runMnistFcnn, recorded by replacing that export), fhe-train's "mean over 20 noise seeds",
 *   the README's "same init" of the CKKS transfer setups (the heads the data party encrypts first),
 *   and the phase times per executed row (1000 · seconds / rows) from times chosen exact in binary.
 *
 * The encrypted TFHE runs (linear models, trees, SGD training) are replaced by the noise-free
 * simulation, or the integer program, with phase times chosen here (their keys take seconds): the
 * experiments' own code around them is what is under test.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { selectBackend } from '../../src/backend';
import { mnistSplit } from '../../src/data/mnist-canonical';
import { separableGaussian, splitRows, standardize, type TabularSplit } from '../../src/data/tabular';
import { digitsFile } from '../../src/data/digits';
import { CompileError } from '../../src/fhe/tfhe/compile/options';
import { FheModel, agreement, compile, type PhaseTimes, type PredictOptions, type Prediction } from '../../src/fhe/tfhe/run/model';
import {
  LogisticDataParty,
  ParallelLogisticTrainer,
  accuracy as logregAccuracy,
  initialModel,
  trainPlain,
  type LogisticModel,
} from '../../src/fhe/ckks/logistic-regression';
import { saveQuantizedModel, type QuantizedModel } from '../../src/quant/quantized-model';
import type { QuantParams } from '../../src/quant/quantizer';
import { pixels01 } from '../../src/quant/classifiers/fcnn';
import { subset, type ImageDataset } from '../../src/data/dataset';
import { SGDClassifier, type SgdFitOptions } from '../../src/models/sgd-classifier';
import { TreeFheModel } from '../../src/models/trees';
import type { TreeExecuteTimes } from '../../src/models/trees/hummingbird';
import { DataFileError } from '../../src/data/errors';
import { sampleTiming } from '../../src/experiments/sample-timing';
import { runCkksLogreg } from '../../src/experiments/ckks-logreg';
import { runCkksTransfer } from '../../src/experiments/ckks-transfer';
import { row, INPUT_SIZE, type TaskRows } from '../../src/experiments/ckks-transfer/inputs';
import { runGanFhe } from '../../src/experiments/fhe-gan';
import * as fheMnist from '../../src/experiments/fhe-mnist';
import { runMnistFcnn, type MnistFcnnOptions } from '../../src/experiments/fhe-mnist';
import { runFheLevers } from '../../src/experiments/fhe-levers';
import { runPErrorSweep } from '../../src/experiments/fhe-p-error-sweep';
import { prepareDataset, runLinearFhe, type SklearnDataset } from '../../src/experiments/fhe-sklearn';
import { runEncryptedTraining } from '../../src/experiments/fhe-train';
import { runTreeFhe } from '../../src/experiments/fhe-trees';
import { loadZamaLevers, parseZamaRows, runZamaTable } from '../../src/experiments/zama-table';
import { smallModel } from '../fhe/tfhe/run/fixtures';
import { rejectsExactly, throwsExactly } from '../support/throws';
import { withReplaced } from '../support/replace';
import { tmpDir } from '../support/tmp';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** Thrown from a log callback to end a run once the lines under test are written. */
class Stop extends Error {}

/** A log callback keeping every line; with `stopAfter`, it ends the run after that many lines. */
function captureLog(stopAfter = Infinity): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return {
    lines,
    log: (line) => {
      lines.push(line);
      if (lines.length >= stopAfter) throw new Stop(`stopped after ${lines.length} lines`);
    },
  };
}

/**
 * Runs `body` with FheModel's encrypted mode replaced by the noise-free simulation carrying
 * `times` (tfhe's keys alone take seconds); every other mode is the real one. Records which
 * circuit was "executed" on how many samples.
 */
async function withSimulatedExecute<T>(times: PhaseTimes, body: (executed: Array<{ circuit: string; samples: number }>) => Promise<T>): Promise<T> {
  const original = FheModel.prototype.predict;
  const executed: Array<{ circuit: string; samples: number }> = [];
  FheModel.prototype.predict = async function (this: FheModel, x: ArrayLike<number>, o: PredictOptions = {}): Promise<Prediction> {
    if (o.fhe !== 'execute') return original.call(this, x, o);
    executed.push({ circuit: this.circuit.name, samples: x.length / this.inputFeatures });
    const p = await original.call(this, x, { fhe: 'simulate' });
    return { ...p, mode: 'execute', times: { ...times, per_sample_s: [...times.per_sample_s] } };
  };
  try {
    return await body(executed);
  } finally {
    FheModel.prototype.predict = original;
  }
}

/**
 * Phase times whose per-row figures are exact in binary: 3 rows, 0.75 s encrypting, 1.5 s in the
 * server (0.75 s of its CPU), 0.375 s decrypting, rows of 0.25, 1 and 0.5 s.
 */
const THREE_ROWS: PhaseTimes = {
  keygen_s: 2,
  server_load_s: 1,
  encrypt_s: 0.75,
  server_s: 1.5,
  decrypt_s: 0.375,
  per_sample_s: [0.25, 1, 0.5],
  server_cpu_s: 0.75,
};

function phaseTimes(perSample: number[], serverSeconds: number): PhaseTimes {
  return { keygen_s: 2, server_load_s: 1, encrypt_s: 0.01, server_s: serverSeconds, decrypt_s: 0.01, per_sample_s: perSample, server_cpu_s: serverSeconds };
}

const first = (ds: ImageDataset, n: number): ImageDataset =>
  subset(
    ds,
    Array.from({ length: n }, (_, i) => i),
  );

/** Pixel quantizer of the hand-built classifier: round(v / 255), i.e. 1 where v ≥ 128. */
const BINARY_PIXEL: QuantParams = { scale: 1, zeroPoint: 0, qmin: 0, qmax: 1, bits: 1, signed: false };
const TWO_BITS: QuantParams = { scale: 1, zeroPoint: 0, qmin: 0, qmax: 3, bits: 2, signed: false };

/** Class k's three pixels: a short vertical stroke in column 9 + k, rows 13–15 (the digits' middle). */
const CLASS_PIXELS = Array.from({ length: 10 }, (_, k) => [13, 14, 15].map((r) => r * 28 + 9 + k));

/**
 * One dense layer 784 → 10, weight 1 on class k's pixels, scales 1, bias 0, linear, 2-bit
 * outputs: output k is the number of those pixels that are ≥ 128 (0..3), exactly.
 */
function pixelClassifier(): QuantizedModel {
  const weights = new Array<number>(10 * 784).fill(0);
  CLASS_PIXELS.forEach((pixels, k) => pixels.forEach((p) => (weights[k * 784 + p] = 1)));
  return {
    format: 'privlab.quantized-model',
    version: 1,
    input: BINARY_PIXEL,
    layers: [
      {
        kind: 'dense',
        inputs: 784,
        outputs: 10,
        weights,
        weightBits: 2,
        weightScales: new Array<number>(10).fill(1),
        bias: new Array<number>(10).fill(0),
        activation: 'linear',
        output: TWO_BITS,
      },
    ],
    meta: { name: 'pixel-classifier' },
  };
}

/** Brute force of pixelClassifier from the raw pixels: per image, the 10 counts. */
function pixelCounts(ds: ImageDataset): number[][] {
  return Array.from({ length: ds.count }, (_, i) => CLASS_PIXELS.map((pixels) => pixels.filter((p) => ds.images[i * 784 + p] >= 128).length));
}

/** Share of images whose first largest count is their label. */
function countAccuracy(counts: number[][], labels: ArrayLike<number>): number {
  const hits = counts.filter((c, i) => c.indexOf(Math.max(...c)) === labels[i]).length;
  return hits / counts.length;
}

/** Per class, the smallest and largest count over the images. */
function countRanges(counts: number[][]): Array<[number, number]> {
  return CLASS_PIXELS.map((_, k) => [Math.min(...counts.map((c) => c[k])), Math.max(...counts.map((c) => c[k]))]);
}

/** Two's-complement bits that hold every integer of [lo, hi]. */
function bitsHolding(lo: number, hi: number): number {
  for (let b = 1; ; b++) if (lo >= -(2 ** (b - 1)) && hi <= 2 ** (b - 1) - 1) return b;
}

// ---------------------------------------------------------------------------------------------
// Small pure parts

test('sampleTiming: ms per PBS is 1000 × server seconds / samples / PBS, per image phases divide by samples', () => {
  // 4 samples of 3 PBS: 6 s in the server, 1.5 s of its CPU, 0.5 s encrypting, 0.25 s decrypting
  const t: PhaseTimes = { keygen_s: 5, server_load_s: 0.5, encrypt_s: 0.5, server_s: 6, decrypt_s: 0.25, per_sample_s: [1, 4, 2.5, 2], server_cpu_s: 1.5 };
  assert.deepEqual(sampleTiming(t, 4, 3), {
    s_per_image: 2.25, // median of 1, 2, 2.5, 4
    s_per_image_mean: 1.6875, // 6.75 / 4
    phases: { keygen_s: 5, server_load_s: 0.5, encrypt_s_per_image: 0.125, server_s_per_image: 1.5, decrypt_s_per_image: 0.0625 },
    pbs_count: 3,
    ms_per_pbs: 500, // 6000 / 4 / 3
    cpu_ms_per_pbs: 125, // 1500 / 4 / 3
  });
});

test('ckks-transfer row(k): the k-th image of 121 reduced pixels', () => {
  const t: TaskRows = { x: Float32Array.from({ length: 3 * INPUT_SIZE }, (_, i) => i), y: [0, 1, 2], count: 3 };
  assert.equal(INPUT_SIZE, 121);
  assert.deepEqual(
    row(t, 1),
    Array.from({ length: 121 }, (_, j) => 121 + j),
  );
  assert.deepEqual(
    row(t, 2),
    Array.from({ length: 121 }, (_, j) => 242 + j),
  );
});

test('ckks-transfer: a count option below 1 is refused before anything runs', async () => {
  // headRows first: were the check gone, a run with no head rows fails soonest
  for (const key of ['headRows', 'baseEpochs', 'epochs', 'testRows', 'inferenceRows'] as const)
    for (const bad of [0, -2]) await rejectsExactly(runCkksTransfer({ [key]: bad }), RangeError, `${key} must be a positive integer, got ${bad}`);
});

test('fhe-gan and fhe-mnist refuse zero encrypted images up front (the encrypted run is the experiment)', async () => {
  for (const bad of [0, 1.5]) {
    await rejectsExactly(runGanFhe({ images: bad }), RangeError, `images must be a positive integer, got ${bad}`);
    await rejectsExactly(runMnistFcnn({ executeSamples: bad }), RangeError, `executeSamples must be a positive integer, got ${bad}`);
  }
});

test('fhe-train: features must be an integer in [1, 9] on the 9-feature breast-cancer table', async () => {
  const run = (features: number) => runEncryptedTraining({ dataset: 'breast-cancer', features, iterations: 1, executeIterations: 0 });
  for (const bad of [0, -1, 1.5, 10]) await rejectsExactly(run(bad), RangeError, `features must be an integer in [1, 9], got ${bad}`);
});

test("fhe-sklearn prepareDataset('digits'): scikit-learn's digits / 16, split 80/20", () => {
  // the CSV read here: 64 pixel columns (0..16), then the label
  const csv = zlib
    .gunzipSync(fs.readFileSync(digitsFile()))
    .toString('latin1')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const want = csv.map((l) => l.split(',').map(Number)).map((v) => `${v.slice(0, 64).join(',')}|${v[64]}`);
  const s = prepareDataset('digits', 3);
  assert.equal(s.xTest.length, 359); // floor(1797 · 0.2)
  assert.equal(s.xTrain.length, 1797 - 359);
  const rows = [...s.xTrain.map((x, i) => [x, s.yTrain[i]] as const), ...s.xTest.map((x, i) => [x, s.yTest[i]] as const)];
  for (const [x] of rows) assert.ok(x.every((v) => v >= 0 && v <= 1 && Number.isInteger(v * 16)));
  const got = rows.map(([x, y]) => `${x.map((v) => v * 16).join(',')}|${y}`);
  assert.deepEqual(got.sort(), want.sort());
});

test("zama-table parseZamaRows: a comma list of the source's row names is read trimmed; another name is refused with the list", () => {
  assert.deepEqual(parseZamaRows('FCNN-6, LeNet-8,CNN6-8'), ['FCNN-6', 'LeNet-8', 'CNN6-8']);
  throwsExactly(() => parseZamaRows('FCNN-6,FCNN-9'), RangeError, 'unknown row "FCNN-9": rows are FCNN-6, FCNN-7, FCNN-8, LeNet-8, CNN6-8');
});

test('zama-table loadZamaLevers: a file without a non-empty p_error list and a non-empty rounding list is refused by name', () => {
  const dir = tmpDir();
  const point = { p_error: 0.01, polynomial_size: 2048, pbs: 100, ms_per_pbs: 5, s_per_image: 0.5, accuracy_clear: 92, accuracy_noisy: 91.5 };
  const rounding = { bits: null, shifts: [0, 0], accuracy_clear: 92 };
  const write = (name: string, content: object): string => {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const cases: Record<string, object> = {
    'no-p-error': { rounding: [rounding] },
    'empty-p-error': { p_error: [], rounding: [rounding] },
    'no-rounding': { p_error: [point] },
    'empty-rounding': { p_error: [point], rounding: [] },
  };
  for (const [name, content] of Object.entries(cases)) {
    const file = write(name, content);
    throwsExactly(() => loadZamaLevers(file), DataFileError, `${file}: needs non-empty p_error and rounding arrays`);
  }
  assert.deepEqual(loadZamaLevers(write('both', { p_error: [point], rounding: [rounding] })).p_error, [point]);
});

// ---------------------------------------------------------------------------------------------
// Linear models and trees on the TFHE compiler (encrypted rows: the simulation with chosen times)

/** Three blobs far apart (centres (−4, −4), (4, −4), (0, 4), offsets ≤ 0.4): linearly separable with a wide margin. */
function threeBlobs(): TabularSplit {
  const centres = [
    [-4, -4],
    [4, -4],
    [0, 4],
  ];
  const offsets = [
    [0, 0],
    [0.3, 0.1],
    [-0.2, 0.3],
    [0.1, -0.3],
    [-0.3, -0.1],
    [0.2, 0.2],
    [-0.1, 0.4],
    [0.4, -0.2],
    [-0.4, 0.2],
    [0.1, 0.1],
    [-0.2, -0.3],
    [0.3, -0.4],
  ];
  const x: number[][] = [];
  const y: number[] = [];
  centres.forEach((c, k) =>
    offsets.forEach((o) => {
      x.push([c[0] + o[0], c[1] + o[1]]);
      y.push(k);
    }),
  );
  const isTest = (i: number) => i % 12 >= 8; // 8 training and 4 test rows per class
  return {
    xTrain: x.filter((_, i) => !isTest(i)),
    yTrain: y.filter((_, i) => !isTest(i)),
    xTest: x.filter((_, i) => isTest(i)),
    yTest: y.filter((_, i) => isTest(i)),
  };
}

test('fhe-sklearn runLinearFhe: three classes, the float model scores every separable test row', async () => {
  const split = threeBlobs();
  // the label only names the row
  const r = await runLinearFhe('three-blobs' as SklearnDataset, 'logistic-regression', split, { executeRows: 0 });
  assert.deepEqual([r.train_rows, r.test_rows, r.metric, r.execute_rows], [24, 12, 'accuracy', 0]);
  assert.equal(r.score_float, 1);
  assert.equal(r.simulate_equals_clear, true);
  assert.equal(r.score_execute, null);
});

test('fhe-p-error-sweep: the progress line ends with PBS × the timed ms of the chosen set', async () => {
  const split = prepareDataset('breast-cancer');
  const { lines, log } = captureLog();
  const timed: string[] = [];
  const rows = await runPErrorSweep('breast-cancer', split, ['logistic-regression'], {
    pErrors: [0.01],
    timePbs: async (set) => {
      timed.push(set);
      return 12.5;
    },
    executeRows: 0,
    log,
  });
  assert.equal(rows.length, 1);
  const r = rows[0];
  // a binary classifier read by PBS: one output, one lookup
  assert.equal(r.pbs_per_prediction, 1);
  assert.deepEqual(timed, [r.parameter_set]);
  assert.deepEqual([r.ms_per_ks_pbs, r.ms_per_prediction_estimate], [12.5, 12.5]);
  const line = lines.find((l) => l.startsWith('breast-cancer/logistic-regression, p_error 0.01: '));
  assert.ok(line, lines.join('\n'));
  assert.match(line, /^breast-cancer\/logistic-regression, p_error 0\.01: N = (1024|2048|4096), 1 PBS, simulate [\d.]+ \/ noisy [\d.]+, 12\.5 ms estimated$/);
  assert.ok(line.includes(`N = ${r.polynomial_size}, `));
});

test('fhe-trees runTreeFhe: the circuit reproduces every test row of the direct traversal (exact windows)', async () => {
  const r = await runTreeFhe('breast-cancer', 'decision-tree', prepareDataset('breast-cancer'), { executeRows: 0 });
  // trees are compiled with the exact ranges any input reaches, so the simulated tree outputs equal the clear ones
  assert.equal(r.simulate_equals_clear, true);
  assert.equal(r.score_simulate, r.score_quantized_clear);
  assert.deepEqual([r.execute_rows, r.execute_rows_equal_clear, r.score_execute], [0, 0, null]);
});

test('fhe-p-error-sweep: a set timePbs does not time ends the progress line with "not timed" and leaves the estimates null', async () => {
  const { lines, log } = captureLog();
  const rows = await runPErrorSweep('breast-cancer', prepareDataset('breast-cancer'), ['logistic-regression'], {
    pErrors: [0.01],
    timePbs: async () => null,
    executeRows: 0,
    log,
  });
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0].ms_per_ks_pbs, rows[0].ms_per_prediction_estimate], [null, null]);
  const line = lines.find((l) => l.startsWith('breast-cancer/logistic-regression, p_error 0.01: '));
  assert.ok(line, lines.join('\n'));
  assert.match(line, /^breast-cancer\/logistic-regression, p_error 0\.01: N = \d+, 1 PBS, simulate [\d.]+ \/ noisy [\d.]+, not timed$/);
});

test('fhe-sklearn runLinearFhe: without executeMaxN the asked rows run encrypted; per-row phases are 1000 × phase seconds / rows', async () => {
  const r = await withSimulatedExecute(THREE_ROWS, async (ran) => {
    const row = await runLinearFhe('three-blobs' as SklearnDataset, 'logistic-regression', threeBlobs(), { readout: 'pbs', executeRows: 3 });
    assert.deepEqual(
      ran.map((x) => x.samples),
      [3],
    );
    return row;
  });
  assert.equal(r.execute_rows, 3);
  // 750 / 3, 1500 / 3, 375 / 3, 750 / 3; median and least of 250, 1000, 500 ms
  assert.deepEqual(
    [r.ms_encrypt_per_row, r.ms_server_per_row, r.ms_decrypt_per_row, r.server_cpu_ms_per_row, r.ms_per_prediction_median, r.ms_per_prediction_min, r.keygen_s],
    [250, 500, 125, 250, 500, 250, 2],
  );
});

test('fhe-trees runTreeFhe: the executed rows equal the direct traversal; per-row phases are 1000 × phase seconds / rows', async () => {
  const original = TreeFheModel.prototype.execute;
  const ran: number[] = [];
  // the encrypted run replaced by the circuit in the clear with THREE_ROWS' times (tfhe's keys take seconds)
  const simulated = async function (this: TreeFheModel, levels: Int32Array, rows: number): Promise<{ outputs: Int32Array; times: TreeExecuteTimes }> {
    ran.push(rows);
    return { outputs: this.simulate(levels, rows), times: { ...THREE_ROWS, per_sample_s: [...THREE_ROWS.per_sample_s] } };
  };
  const r = await withReplaced(TreeFheModel.prototype, 'execute', simulated as typeof original, () =>
    runTreeFhe('breast-cancer', 'decision-tree', prepareDataset('breast-cancer'), { executeRows: 3 }),
  );
  assert.deepEqual(ran, [3]);
  // exact windows: the circuit reproduces the traversal on every row (the simulate test above)
  assert.deepEqual([r.execute_rows, r.execute_rows_equal_clear], [3, 3]);
  assert.deepEqual(
    [r.ms_encrypt_per_row, r.ms_server_per_row, r.server_cpu_ms_per_row, r.ms_per_prediction_median, r.ms_per_prediction_min, r.keygen_s],
    [250, 500, 250, 500, 250, 2],
  );
});

test("fhe-train: the noise model's prediction is the mean over 20 noise seeds of the simulated levels equal to the integer program's", async () => {
  const fit = SGDClassifier.prototype.fit;
  const runs: Array<{ iterations: number; mode: SgdFitOptions['fheTraining']; noiseSeed?: number; levels?: Int32Array }> = [];
  // the encrypted training replaced by the integer program it must equal (tfhe's keys take seconds), with times chosen here
  const recorded = async function (this: SGDClassifier, x: number[][], y: number[], o: SgdFitOptions = {}): Promise<SGDClassifier> {
    const execute = o.fheTraining === 'execute';
    await fit.call(this, x, y, execute ? { fheTraining: 'disable' } : o);
    if (execute)
      this.trainingReport = {
        ...this.trainingReport!,
        mode: 'execute',
        keygenSeconds: 2,
        encryptSeconds: 0.5,
        serverSecondsPerIteration: [0.25],
        serverCpuSecondsPerIteration: [0.25],
      };
    runs.push({
      iterations: this.options.maxIter,
      mode: o.fheTraining,
      noiseSeed: o.noise ? (o.noiseSeed ?? 0) : undefined,
      levels: this.trainingReport?.levels,
    });
    return this;
  };
  const r = await withReplaced(SGDClassifier.prototype, 'fit', recorded as typeof fit, () =>
    runEncryptedTraining({ dataset: 'breast-cancer', features: 3, iterations: 2, executeIterations: 1 }),
  );
  assert.ok(r.execute);
  // after 1 iteration: the integer program, and the noisy simulations of it
  const integer = runs.filter((x) => x.iterations === 1 && x.mode === 'disable');
  const noisy = runs.filter((x) => x.iterations === 1 && x.noiseSeed !== undefined);
  assert.equal(integer.length, 1);
  assert.equal(noisy.length, 20);
  assert.equal(new Set(noisy.map((x) => x.noiseSeed)).size, 20, 'twenty different noise seeds');
  const b = integer[0].levels!;
  const equal = noisy.map((x) => x.levels!.filter((v, j) => v === b[j]).length);
  const mean = equal.reduce((s, n) => s + n, 0) / 20;
  assert.ok(mean > 0, `some simulated levels equal the integer program's (${equal})`);
  assert.ok(Math.abs(r.execute.noise_model_levels_equal_mean - mean) < 1e-9, `${r.execute.noise_model_levels_equal_mean} against ${mean}`);
  assert.deepEqual([r.execute.levels_equal_to_integer, r.execute.levels], [b.length, b.length]);
});

// ---------------------------------------------------------------------------------------------
// MNIST experiments with the hand-built classifier

/** Saves `model` where runFheLevers loads its trained FCNN from (so nothing is trained). */
function leversModelFile(model: QuantizedModel): string {
  const file = path.join(tmpDir(), 'fcnn.model.json');
  saveQuantizedModel(file, model);
  return file;
}

test("fhe-levers: a target the compiler cannot meet is logged with the first 120 characters of the compiler's message", async () => {
  // one neuron weighing every 8-bit pixel by 127: its accumulator spans millions of values, more
  // than any parameter set's positions, and the first layer cannot round
  const model: QuantizedModel = {
    format: 'privlab.quantized-model',
    version: 1,
    input: { scale: 1 / 255, zeroPoint: 0, qmin: 0, qmax: 255, bits: 8, signed: false },
    layers: [
      {
        kind: 'dense',
        inputs: 784,
        outputs: 1,
        weights: new Array<number>(784).fill(127),
        weightBits: 8,
        weightScales: [1],
        bias: [0],
        activation: 'linear',
        output: TWO_BITS,
      },
    ],
  };
  const { lines, log } = captureLog();
  const r = await runFheLevers({ modelFile: leversModelFile(model), calibration: 3, simulateSamples: 5, pErrors: [0.01], roundingBits: [null], log });
  // the compiler's own message for the same model and input set
  let message = '';
  try {
    compile(model, pixels01(first(mnistSplit('canonical').train, 3)), { name: 'mnist-fcnn-levers', pError: 0.01, roundingThresholdBits: null });
  } catch (e) {
    assert.ok(e instanceof CompileError, String(e));
    message = e.message;
  }
  assert.match(message, /^layer 0: neuron 0's accumulator window .*fewer than one position per value even at the largest plaintext modulus/);
  assert.ok(message.length > 120, message);
  assert.equal(r.rows.length, 1);
  assert.deepEqual([r.rows[0].p_error, r.rows[0].rounding_bits, r.rows[0].error, r.rows[0].parameter_set], [0.01, null, message, null]);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /^loading the trained FCNN from /);
  assert.equal(lines[1], `p_error 0.01, rounding off: ${message.slice(0, 120)}`);
});

test('fhe-levers: the simulated accuracy is the circuit simulation, which leaves the clear program outside the calibrated windows', async () => {
  const model = pixelClassifier();
  const { train, test: digits } = mnistSplit('canonical');
  // 3 calibration images: some of the 50 test digits light pixels none of them lit
  const calibration = first(train, 3);
  const sim = first(digits, 50);
  const counts = pixelCounts(sim);
  const windows = countRanges(pixelCounts(calibration));
  assert.ok(counts.some((c) => c.some((v, k) => v < windows[k][0] || v > windows[k][1])));
  const r = await runFheLevers({
    modelFile: leversModelFile(model),
    calibration: 3,
    simulateSamples: 50,
    pErrors: [0.01],
    roundingBits: [null],
    timePbs: async () => 2,
  });
  assert.equal(r.rows.length, 1);
  const got = r.rows[0];
  assert.equal(got.error, null);
  assert.equal(got.accuracy_clear, countAccuracy(counts, sim.labels));
  assert.equal(got.ms_per_image_estimate, 2 * (got.pbs_count as number));
  // the circuit simulated here, by the library's public calls
  const fhe = compile(model, pixels01(calibration), { name: 'mnist-fcnn-levers', pError: 0.01, roundingThresholdBits: null });
  const x = pixels01(sim);
  const clear = await fhe.predict(x, { fhe: 'disable' });
  const simulated = await fhe.predict(x, { fhe: 'simulate' });
  const same = agreement(simulated, clear).samples;
  assert.ok(same < 1, `the simulation leaves the clear program on some digits (${same} agree)`);
  assert.equal(got.simulate_equal_clear, same);
  const levels = Array.from({ length: sim.count }, (_, i) => Array.from(simulated.levels.subarray(i * 10, i * 10 + 10)));
  assert.equal(got.accuracy_simulate, countAccuracy(levels, sim.labels));
});

test("zama-table: the row's summary line, from brute-forced bits and accuracies and the phase times", async () => {
  const dir = tmpDir();
  saveQuantizedModel(path.join(dir, 'FCNN-6.model.json'), pixelClassifier());
  const { train, test: digits } = mnistSplit('canonical');
  const sim = first(digits, 40);
  const counts = pixelCounts(sim);
  const windows = countRanges(pixelCounts(first(train, 200)));
  // every simulated digit stays inside the calibrated windows, so simulation equals the clear program there
  assert.ok(counts.every((c) => c.every((v, k) => v >= windows[k][0] && v <= windows[k][1])));
  const lo = Math.min(...windows.map((w) => w[0]));
  const hi = Math.max(...windows.map((w) => w[1]));
  const clear = countAccuracy(counts, sim.labels);
  const executed = countAccuracy(counts.slice(0, 3), sim.labels.subarray(0, 3));
  const { lines, log } = captureLog();
  const r = await withSimulatedExecute(phaseTimes([0.5, 1.25, 3], 0.6), async (ran) => {
    const result = await runZamaTable({ rows: ['FCNN-6'], mnist: 'canonical', modelDir: dir, calibration: 200, simulateSamples: 40, executeSamples: 3, log });
    assert.deepEqual(ran, [{ circuit: 'mnist-fcnn', samples: 3 }]);
    return result;
  });
  assert.equal(r.rows.length, 1);
  assert.equal(r.rows[0].circuit_bits, bitsHolding(lo, hi));
  const pct = (v: number, digits: number) => (100 * v).toFixed(digits);
  assert.deepEqual(
    lines.filter((l) => l.startsWith('  FCNN-6: ')),
    [
      `  FCNN-6: ${bitsHolding(lo, hi)} bits, clear ${pct(clear, 2)} %, simulate ${pct(clear, 2)} %, execute ${pct(executed, 1)} % on 3 (agreement 100.0 %), 1.25 s/image`,
    ],
  );
});

test("fhe-mnist: a model loaded from its file takes its float accuracy and training seconds from the file's meta", async () => {
  const model: QuantizedModel = { ...pixelClassifier(), meta: { name: 'pixel-classifier', floatAccuracy: 0.875, trainSeconds: 12.5 } };
  const run = await withSimulatedExecute(phaseTimes([0.5], 0.25), () =>
    runMnistFcnn({ modelFile: leversModelFile(model), calibration: 3, simulateSamples: 4, executeSamples: 1 }),
  );
  try {
    assert.deepEqual([run.result.trained, run.result.accuracy_float, run.result.train_seconds], [false, 0.875, 12.5]);
  } finally {
    run.fhe.dispose();
  }
});

test("zama-table: the LeNet-8 row trains the README's LeNet (24 and 48 stride-2 5x5 filters, dense 120 → 84, caps 64/64/96, binarized pixels, 3 + 12 epochs)", async () => {
  const asked: MnistFcnnOptions[] = [];
  // the training run itself is not under test (a LeNet takes seconds): the options it is given are
  const exported = fheMnist as unknown as { runMnistFcnn: typeof runMnistFcnn };
  const record = async (o: MnistFcnnOptions = {}): Promise<never> => {
    asked.push(o);
    throw new Stop('options recorded');
  };
  await withReplaced(exported, 'runMnistFcnn', record, () => assert.rejects(runZamaTable({ rows: ['LeNet-8'] }), Stop));
  assert.equal(asked.length, 1);
  const o = asked[0];
  // README: 28 → 12x12x24 → 4x4x48 → 120 → 84 → 10, 2-bit weights and activations, caps 64 / 64 / 96
  // after the first convolution (none on the last layer), tightening over the first half of the 12 QAT epochs
  assert.deepEqual(
    {
      architecture: o.architecture,
      filters: o.filters,
      kernelSize: o.kernelSize,
      strides: o.strides,
      dense: o.dense,
      fanInCaps: o.fanInCaps,
      inputBits: o.inputBits,
      weightBits: o.weightBits,
      activationBits: o.activationBits,
      floatEpochs: o.floatEpochs,
      qatEpochs: o.qatEpochs,
      pruneEpochs: o.pruneEpochs,
    },
    {
      architecture: 'cnn',
      filters: [24, 48],
      kernelSize: 5,
      strides: [2, 2],
      dense: [120, 84],
      fanInCaps: [0, 64, 64, 96, 0],
      inputBits: 1,
      weightBits: 2,
      activationBits: 2,
      floatEpochs: 3,
      qatEpochs: 12,
      pruneEpochs: 6,
    },
  );
});

test('fhe-gan: the generator compiles as circuit "mnist-generator" and runs encrypted on the asked latents', async () => {
  const { model } = smallModel(5, [4, 6], ['linear'], { weight: 3, activation: 3 }, 50);
  model.meta = { ...model.meta, variant: 'tiny' };
  const { lines, log } = captureLog();
  const run = await withSimulatedExecute(phaseTimes([0.4], 0.25), async (ran) => {
    // one latent: no FID (it needs two), so the 6 outputs need not be 784 pixels
    const r = await runGanFhe({ model, mnist: 'small', calibration: 20, fidSamples: 1, images: 1, log });
    assert.deepEqual(ran, [{ circuit: 'mnist-generator', samples: 1 }]);
    return r;
  });
  try {
    assert.equal(run.fhe.circuit.name, 'mnist-generator');
    const res = run.result;
    assert.deepEqual([res.variant, res.images, res.fid_samples, res.fid_execute, res.fid_clear_executed], ['tiny', 1, 1, null, null]);
    assert.equal(res.ms_per_pbs, 250 / res.pbs_count); // 1000 · 0.25 s / 1 image / PBS
    assert.equal(lines[0], 'compiling the generator on 20 latents');
  } finally {
    run.fhe.dispose();
  }
});

// ---------------------------------------------------------------------------------------------
// CKKS experiments (seconds each: contexts and keys at N = 8192)

test('ckks-logreg: one thread trains in this thread; encrypted parameters stay within 0.05 of plain ones', async () => {
  const seed = 1;
  const rows = 100;
  // the plain model after one epoch on the experiment's split (TenSEAL's random_data, 70/30, standardized)
  const split = standardize(splitRows(separableGaussian(rows, 9, seed), 0.3, seed));
  const plain = trainPlain(initialModel(9, seed), split.xTrain, split.yTrain, { epochs: 1 })[0];
  // its bias is far from 0, so |Δbias| cannot be confused with |bias_encrypted + bias_plain|
  assert.ok(Math.abs(plain.bias) > 0.1, `plain bias ${plain.bias}`);
  const create = ParallelLogisticTrainer.create;
  ParallelLogisticTrainer.create = () => Promise.reject(new Error('threads: 1 must not start worker threads'));
  // the run ends once the epoch's line is written (encrypted inference and key sizes are not under test)
  const { lines, log } = captureLog(2);
  try {
    await assert.rejects(runCkksLogreg({ dataset: 'synthetic', rows, epochs: 1, seed, threads: 1, log }), Stop);
  } finally {
    ParallelLogisticTrainer.create = create;
  }
  assert.match(lines[0], /^ckks-logreg: 70 train \/ 30 test rows, 9 features, keys in \d+\.\d\d s$/);
  const m = /^epoch 1: \d+\.\d\d s, accuracy plain (\d\.\d{4}) encrypted \d\.\d{4}, max \|Δparam\| (\S+)$/.exec(lines[1]);
  assert.ok(m, lines[1]);
  assert.equal(m[1], logregAccuracy(plain, split.xTest, split.yTest).toFixed(4));
  const delta = Number(m[2]);
  assert.ok(delta > 0 && delta < 0.05, `max |Δparam| ${m[2]}`);
});

interface CkksTransferRun {
  lines: string[];
  /** Per setup (in the order they ran), every head model the data party encrypted, from the training set's encryption on. */
  encryptedHeads: LogisticModel[][];
  /** What the run ended with: Stop after the test inference line, anything else is a failure. */
  error: unknown;
}

let ckksTransferRun: Promise<CkksTransferRun> | undefined;

/**
 * The smallest run (16 head rows, 1 epoch, 5 test digits, 8 asked through encrypted inference),
 * ended after its fifth line (setup 1's test inference): key sizes are not under test. Once.
 */
function ckksTransfer(): Promise<CkksTransferRun> {
  ckksTransferRun ??= (async () => {
    const { lines, log } = captureLog(5);
    const encryptedHeads: LogisticModel[][] = [];
    const { encryptTrainingSet, encryptModel } = LogisticDataParty.prototype;
    // a setup starts by encrypting its training set; its initial heads are the models encrypted next
    const newSetup = function (this: LogisticDataParty, ...args: Parameters<typeof encryptTrainingSet>) {
      encryptedHeads.push([]);
      return encryptTrainingSet.apply(this, args);
    };
    const recordHead = function (this: LogisticDataParty, m: LogisticModel) {
      encryptedHeads[encryptedHeads.length - 1].push({ weights: [...m.weights], bias: m.bias });
      return encryptModel.call(this, m);
    };
    let error: unknown;
    await withReplaced(LogisticDataParty.prototype, 'encryptTrainingSet', newSetup, () =>
      withReplaced(LogisticDataParty.prototype, 'encryptModel', recordHead, () =>
        runCkksTransfer({ baseEpochs: 1, headRows: 16, epochs: 1, testRows: 5, inferenceRows: 8, log }).catch((e: unknown) => void (error = e)),
      ),
    );
    return { lines, encryptedHeads, error };
  })();
  return ckksTransferRun;
}

test('ckks-transfer: progress lines of the base model, setup 2 and setup 1 on the smallest run', async () => {
  const { lines, error } = await ckksTransfer();
  assert.ok(error instanceof Stop, String(error));
  const epoch = (tag: string) => new RegExp(`^${tag} epoch 1: \\d+\\.\\d s, head accuracy plain (0|1)\\.\\d{4} encrypted (0|1)\\.\\d{4}$`);
  assert.match(lines[0], /^base model \(digits 0–4\): test accuracy (0|1)\.\d{4} after 1 epochs \(\d+\.\d s\)$/);
  assert.match(lines[1], epoch('setup 2'));
  // 16 images of 121 inputs fill one ciphertext (16 per ciphertext at N = 8192)
  assert.match(lines[2], /^setup 1 inference: 16 images in 1 ciphertexts, \d+\.\d\d s each, max feature error \d\.\d\de[-+]\d+$/);
  assert.match(lines[3], epoch('setup 1'));
});

test('ckks-transfer: 8 test images asked of 5 test rows run the 5 there are through encrypted inference', async () => {
  const { lines, error } = await ckksTransfer();
  assert.ok(error instanceof Stop, String(error));
  // agreement k / 5
  assert.match(lines[4], /^setup 1 test inference: 5 images, agreement (0\.[02468]000|1\.0000)$/);
});

test("ckks-transfer: setup 1's heads start from setup 2's initial heads (README: the setups' float64 columns are the same training)", async () => {
  const { encryptedHeads, error } = await ckksTransfer();
  assert.ok(error instanceof Stop, String(error));
  assert.equal(encryptedHeads.length, 2, 'two setups');
  // 5 one-vs-rest heads (digits 5–9) of 64 features + bias, encrypted before the first epoch
  const [setup2, setup1] = encryptedHeads.map((heads) => heads.slice(0, 5));
  assert.deepEqual(
    setup2.map((h) => h.weights.length),
    [64, 64, 64, 64, 64],
  );
  assert.deepEqual(setup1, setup2);
});
