/**
 * The CLI's input checks and the files its runs leave, run in this process (each command's
 * `run(argv)`, as src/cli/main.ts dispatches it; what the command prints is captured):
 *
 * - option checks refuse out-of-range values with the exact message that names the option
 *   and its range as the usage text states it (`--rounding-bits` in [1, 24], fhe serve's
 *   `--threads` in [1, 256] and its other limits, train's `--checkpoint-every` positive, train
 *   compress's `--finetune-epochs` / `--max-steps-per-epoch`, fl site's `--reconnect`), and accept
 *   the bounds; fhe serve and fl site check them before reading any file; `--table` entries of
 *   several digits are integers too;
 * - `fid distance` prints the bare distance unless asked for `--json` (1-D features whose
 *   Fréchet distance is (μa − μb)² by hand: equal variances cancel);
 * - `fid train-classifier --dataset mnist-small` records an MNIST classifier and writes no
 *   Fashion-MNIST README beside it (the usage text: only the fashion model gets one);
 * - `train gan`: the --out lock is gone once a run ends (stopped or finished); a run stopped
 *   mid-epoch is refused a --resume with another --max-steps-per-epoch; a history.json of
 *   another run (another seed) in --out is not merged into the resumed run's history.
 *
 * Data files (.npy, IDX, history.json) are written by hand from their documented formats;
 * the GAN runs are the tiny ones of test/nn/interrupt-cli.test.ts (small MNIST, 2 steps).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { compilerLevers, UsageError } from '../../src/cli/command';
import { fhe } from '../../src/cli/commands/fhe';
import { parseTable } from '../../src/cli/commands/fhe/evaluator';
import { fid } from '../../src/cli/commands/fid';
import { fl } from '../../src/cli/commands/fl';
import { train } from '../../src/cli/commands/train';
import { selectBackend } from '../../src/backend';
import { datasetSplit } from '../../src/data';
import { DataFileError } from '../../src/data/errors';
import { circuitToJson, compileCircuit } from '../../src/fhe/tfhe/compile';
import { defaultParameterSetName } from '../../src/fhe/tfhe/shortint';
import { TOKEN_ENV } from '../../src/fl/transport/tokens';
import { buildLenet } from '../../src/metrics/feature-model';
import { saveClassifierCheckpoint } from '../../src/metrics/classifier-checkpoint';
import { readCheckpointHeader } from '../../src/nn';
import { openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';
import { LOCK_FILE } from '../../src/util/out-dir';
import { SeededRng } from '../../src/util/rng';
import { rejectsExactly, throwsExactly } from '../support/throws';
import { tmpDir } from '../support/tmp';
import { smallModel } from '../fhe/tfhe/run/fixtures';
import { withEnv } from '../support/env';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const dir = tmpDir('privlab-input-checks-');

interface Captured<T> {
  result: T;
  stdout: string;
  stderr: string;
}

/**
 * `process[name]` replaced by a stream whose writes go to `sink`; returns the undo. The
 * property is swapped, not the real stream's write method: the test runner keeps its own
 * reference to the real stream and reports through it meanwhile.
 */
function swapStream(name: 'stdout' | 'stderr', sink: (text: string) => void): () => void {
  const descriptor = Object.getOwnPropertyDescriptor(process, name) as PropertyDescriptor;
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
    return true;
  };
  const fake = Object.create(process[name], { write: { value: write } }) as NodeJS.WriteStream;
  Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => fake });
  return () => Object.defineProperty(process, name, descriptor);
}

/** Run `fn` with stdout, stderr, console.log and console.error captured (restored however it ends). */
async function captured<T>(fn: () => Promise<T>): Promise<Captured<T>> {
  const saved = { log: console.log, error: console.error };
  let stdout = '';
  let stderr = '';
  const undo = [swapStream('stdout', (t) => (stdout += t)), swapStream('stderr', (t) => (stderr += t))];
  console.log = (...a: unknown[]) => void (stdout += `${format(...a)}\n`);
  console.error = (...a: unknown[]) => void (stderr += `${format(...a)}\n`);
  try {
    return { result: await fn(), stdout, stderr };
  } finally {
    for (const u of undo) u();
    console.log = saved.log;
    console.error = saved.error;
  }
}

/** A .npy file (format 1.0: magic, version, header dict padded to 64 bytes) of little-endian float64 rows. */
function writeNpy(file: string, rows: number[][]): void {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows.length}, ${rows[0].length}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = Buffer.from(`${dict}${' '.repeat(pad % 64)}\n`, 'latin1');
  const pre = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  const data = Buffer.alloc(8 * rows.length * rows[0].length);
  rows.flat().forEach((v, i) => data.writeDoubleLE(v, 8 * i));
  fs.writeFileSync(file, Buffer.concat([pre, header, data]));
}

/** An IDX file: magic 0x0000 0x08 (uint8) ndims, big-endian uint32 dims, then the bytes. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt8(0x08, 2);
  head.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

test('--rounding-bits: 0 and 25 are refused with the range [1, 24]; 1 and 24 are taken', () => {
  for (const bad of ['0', '25', '2.5'])
    throwsExactly(() => compilerLevers({ 'rounding-bits': bad }), UsageError, `--rounding-bits must be an integer in [1, 24], got "${bad}"`);
  for (const ok of [1, 24]) assert.equal(compilerLevers({ 'rounding-bits': String(ok) }).roundingThresholdBits, ok);
});

test('fhe serve: bad numbers are refused before any circuit file is read; --threads 1 and 256 pass on to the server', async () => {
  // The circuit file does not exist: a refusal naming the option shows the options were checked first.
  const missing = path.join(dir, 'no-circuit.json');
  for (const [option, bad, range] of [
    ['--threads', '0', 'an integer in [1, 256]'],
    ['--threads', '1.5', 'an integer in [1, 256]'],
    ['--threads', '257', 'an integer in [1, 256]'],
    ['--port', '65536', 'a port number'],
    ['--max-samples', '4097', 'an integer in [1, 4096]'],
    ['--max-key-sets', '0', 'an integer in [1, 64]'],
  ])
    await rejectsExactly(fhe.run(['serve', '--circuit', missing, option, bad]), UsageError, `${option} must be ${range}, got "${bad}"`);
  // A valid circuit (a tiny seeded model) for the values that pass.
  const m = smallModel(11, [4, 3], ['linear'], { weight: 2, activation: 3, input: 2 }, 40);
  const circuit = path.join(dir, 'circuit.json');
  fs.writeFileSync(circuit, circuitToJson(compileCircuit(m.model, m.inputs, { name: 'tiny', parameterSet: defaultParameterSetName(3) })));
  // A non-loopback host without TLS: the server refuses it once the options are read, so no run starts listening.
  const host = '192.0.2.1';
  const serve = (threads: string) => fhe.run(['serve', '--circuit', circuit, '--host', host, '--threads', threads]);
  const refusal =
    `refusing to serve on ${host} without TLS (tokens and ciphertexts would cross the network in the clear): ` +
    'give a certificate and key (--tls-cert, --tls-key), or --insecure-public if a TLS proxy on this host fronts the server';
  for (const ok of ['1', '256']) await rejectsExactly(serve(ok), RangeError, refusal);
});

test('fhe apply-lut --table: entries of several digits are non-negative integers; others are refused by position', () => {
  assert.deepEqual(parseTable('0, 7,12,255,1000'), [0, 7, 12, 255, 1000]);
  throwsExactly(() => parseTable('3,-1'), UsageError, '--table entry 1 "-1" is not a non-negative integer');
  throwsExactly(() => parseTable('10,2.5'), UsageError, '--table entry 1 "2.5" is not a non-negative integer');
});

test('fid distance prints the bare distance with 6 decimals unless --json is given', async () => {
  // 1-D features with equal spreads: FID = (μa − μb)² + σ² + σ² − 2σ² = (1 − 5)² = 16.
  const a = path.join(dir, 'a.npy');
  const b = path.join(dir, 'b.npy');
  writeNpy(a, [[0], [2]]);
  writeNpy(b, [[4], [6]]);
  const plain = await captured(() => fid.run(['distance', a, b]));
  assert.equal(plain.result, 0);
  assert.equal(plain.stdout, '16.000000\n');
  const json = await captured(() => fid.run(['distance', a, b, '--json']));
  const parsed = JSON.parse(json.stdout) as { distance: number; a: { samples: number; dims: number } };
  assert.ok(Math.abs(parsed.distance - 16) < 1e-9, `distance ${parsed.distance}`);
  assert.deepEqual([parsed.a.samples, parsed.a.dims], [2, 1]);
});

test('fid train-classifier --dataset mnist-small: an MNIST classifier is recorded, with no Fashion-MNIST README beside it', async () => {
  // A run stopped after the last batch of its only epoch: resuming it only tests and saves the model.
  const train = datasetSplit('mnist-small').train;
  const model = buildLenet(3);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const [bx, by] = [tf.zeros([1, 28, 28, 1]), tf.oneHot(tf.tensor1d([0], 'int32'), 10)];
  await model.trainOnBatch(bx, by); // Adam's moments exist from the first step on
  const ckpt = path.join(dir, 'classifier.ckpt');
  await saveClassifierCheckpoint(ckpt, model, {
    seed: 3,
    epochs: 1,
    batchSize: 64,
    train: `${train.name} (${train.count})`,
    epoch: 0,
    batch: Math.ceil(train.count / 64),
    lossSum: 0,
    epochRng: new SeededRng(3).getState(),
  });
  tf.dispose([bx, by]);
  model.dispose();

  const outDir = path.join(dir, 'classifier');
  fs.mkdirSync(outDir);
  const out = path.join(outDir, 'model.json');
  const r = await captured(() => fid.run(['train-classifier', '--dataset', 'mnist-small', '--out', out, '--resume', ckpt]));
  assert.equal(r.result, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).dataset, 'mnist-small');
  assert.deepEqual(fs.readdirSync(outDir).sort(), ['model.json', 'weights.bin']);
  const meta = (JSON.parse(fs.readFileSync(out, 'utf8')) as { privlab: { what: string; command: string } }).privlab;
  assert.equal(meta.what, 'LeNet-5-style MNIST classifier for FID features (layer "features", 84 units)');
  assert.equal(meta.command, `privlab fid train-classifier --dataset mnist-small --epochs 1 --seed 3 --out ${out}`);
});

test('fl server without --checkpoint and fl site with --reconnect 0 are refused, naming the option, before the shard is read', async () => {
  const sites = path.join(dir, 'sites.json');
  fs.writeFileSync(sites, JSON.stringify({ a: 'token-a' }));
  await rejectsExactly(fl.run(['server', '--sites-file', sites]), UsageError, 'fl server needs --checkpoint FILE');

  // One site's shard: one blank 28x28 digit labelled 0.
  const shard = path.join(dir, 'shard');
  fs.mkdirSync(shard);
  fs.writeFileSync(path.join(shard, 'train-images-idx3-ubyte'), idx([1, 28, 28], new Uint8Array(784)));
  fs.writeFileSync(path.join(shard, 'train-labels-idx1-ubyte'), idx([1], new Uint8Array([0])));
  await withEnv({ [TOKEN_ENV]: 'token-a' }, async () => {
    // Refused before the shard is read: a missing shard folder gives the same refusal.
    for (const [bad, dirGiven] of [
      ['0', shard],
      ['-2', shard],
      ['0', path.join(dir, 'no-shard')],
    ])
      await rejectsExactly(
        fl.run(['site', '--server', 'http://127.0.0.1:9', '--site', 'a', '--shard', dirGiven, `--reconnect=${bad}`]),
        UsageError,
        `--reconnect must be a positive number of seconds, got "${bad}"`,
      );
  });
});

test('train compress: a bad --finetune-epochs or --max-steps-per-epoch is refused, naming the option', async () => {
  const compress = (...opts: string[]) => train.run(['compress', '--from', path.join(dir, 'none.ckpt'), '--out', path.join(dir, 'compressed'), ...opts]);
  await rejectsExactly(compress('--finetune-epochs', '1.5'), UsageError, '--finetune-epochs must be a non-negative integer, got "1.5"');
  await rejectsExactly(compress('--max-steps-per-epoch', '0'), UsageError, '--max-steps-per-epoch must be a positive integer, got "0"');
  assert.ok(!fs.existsSync(path.join(dir, 'compressed')), 'refused before the output folder is made');
});

test('train gan --checkpoint-every: 0 is refused; 1 is taken (the run goes on to read its dataset)', async () => {
  const missing = path.join(dir, 'missing-images-idx3-ubyte');
  const gan = (every: string) => train.run(['gan', '--epochs', '1', '--out', path.join(dir, 'never'), '--dataset', missing, '--checkpoint-every', every]);
  await rejectsExactly(gan('0'), UsageError, '--checkpoint-every must be a positive integer, got "0"');
  await rejectsExactly(gan('1'), DataFileError, `${missing}: file not found`);
});

// The tiny GAN run of test/nn/interrupt-cli.test.ts.
const TINY = ['--dataset', 'mnist-small', '--samples', '4', '--seed', '11'];

function ganMeta(out: string): Record<string, unknown> {
  const file = path.join(out, 'gan.ckpt');
  return readCheckpointHeader(file, fs.readFileSync(file)).header.meta as Record<string, unknown>;
}

test('train gan: a run stopped mid-epoch leaves no lock; its --resume with another --max-steps-per-epoch is refused', async () => {
  const out = path.join(dir, 'stopped');
  // Interrupt (as Ctrl-C does) as soon as the training loop is open: it stops after a step, well within its 100-step epoch.
  let polling = true;
  const poll = (): void => {
    if (!polling) return;
    if (openInterruptScopes() > 0) requestInterrupt('SIGINT');
    else setImmediate(poll);
  };
  setImmediate(poll);
  let r: Captured<number>;
  try {
    r = await captured(() => train.run(['gan', '--epochs', '1', '--max-steps-per-epoch', '100', '--out', out, ...TINY]));
  } finally {
    polling = false;
  }
  assert.equal(r.result, 130, r.stderr);
  const meta = ganMeta(out) as { epoch: number; maxStepsPerEpoch: number; resume: { stepInEpoch: number } };
  assert.equal(meta.epoch, 0);
  assert.equal(meta.maxStepsPerEpoch, 100);
  assert.ok(meta.resume.stepInEpoch > 0 && meta.resume.stepInEpoch < 100, `stopped at step ${meta.resume.stepInEpoch} of the epoch`);
  assert.ok(!fs.existsSync(path.join(out, LOCK_FILE)), 'the lock is released when the stopped run ends');

  await rejectsExactly(
    train.run(['gan', '--resume', path.join(out, 'gan.ckpt'), '--out', out, '--max-steps-per-epoch', '50']),
    UsageError,
    '--resume: the run stopped in an epoch of 100 steps; resume it with the same --max-steps-per-epoch',
  );
});

test('train gan --resume: the history.json of another run (another seed) in --out is not merged; the lock is released', async () => {
  const out = path.join(dir, 'resumed');
  const first = await captured(() => train.run(['gan', '--epochs', '1', '--max-steps-per-epoch', '2', '--out', out, ...TINY]));
  assert.equal(first.result, 0, first.stderr);
  assert.ok(!fs.existsSync(path.join(out, LOCK_FILE)), 'the lock is released when the run ends');
  assert.equal(ganMeta(out).epoch, 1);
  // Another run's history that ends where the checkpoint does (epoch 1, step 0) but with seed 12, not 11.
  const other = { seed: 12, startEpoch: 0, lastEpoch: 1, stepInEpoch: 0, seconds: 99, epochs: [{ epoch: 1, d: 9, g: 9 }], steps: { d: [9, 9], g: [9, 9] } };
  fs.writeFileSync(path.join(out, 'history.json'), JSON.stringify(other));

  const resumed = await captured(() => train.run(['gan', '--resume', path.join(out, 'gan.ckpt'), '--out', out, '--epochs', '1']));
  assert.equal(resumed.result, 0, resumed.stderr);
  const h = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8')) as typeof other & { lastEpoch: number };
  assert.equal(h.seed, 11);
  assert.equal(h.startEpoch, 1, 'the history starts at the resumed epoch');
  assert.equal(h.lastEpoch, 2);
  assert.deepEqual(
    h.epochs.map((e) => e.epoch),
    [2],
  );
  assert.equal(h.steps.d.length, 2, "the resumed epoch's 2 steps only");
  assert.ok(!h.steps.d.includes(9) && !h.steps.g.includes(9), "none of the other run's losses");
  assert.ok(!fs.existsSync(path.join(out, LOCK_FILE)), 'the lock is released when the resumed run ends');
});
