/** Atomic writes, stale temp files, output-folder locks and the finite-value check, observed on the filesystem. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { packageRoot, processAlive, removeStaleTemps, writeFileAtomic } from '../../src/util/files';
import { checkParentExists, claimOutputDir, LOCK_FILE, OutputInUseError, withOutputDir } from '../../src/util/out-dir';
import { NonFiniteError, requireFinite } from '../../src/util/finite';
import { tmpDir } from '../support/tmp';

/** The pid of a process that has exited (its number is not reused within a test). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('writeFileAtomic: writes the bytes, makes the folder, leaves no temp file; durable too', () => {
  const dir = tmpDir();
  const f = path.join(dir, 'sub', 'a.json');
  writeFileAtomic(f, '{"x":1}');
  assert.equal(fs.readFileSync(f, 'utf8'), '{"x":1}');
  writeFileAtomic(f, new Uint8Array([1, 2, 3]), { durable: true });
  assert.deepEqual([...fs.readFileSync(f)], [1, 2, 3]);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')), ['a.json']);
  // A failed write (the target is a folder: rename fails) removes its temp file and throws.
  fs.mkdirSync(path.join(dir, 'sub', 'd'));
  assert.throws(() => writeFileAtomic(path.join(dir, 'sub', 'd'), 'x'));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')).sort(), ['a.json', 'd']);
});

test('removeStaleTemps: removes temp files of dead writers only, of the named target only', () => {
  const dir = tmpDir();
  const dead = deadPid();
  const names = [`a.json.tmp-${dead}-1`, `b.json.tmp-${dead}-2`, `a.json.tmp-${process.pid}-3`, `a.json.tmp-${process.ppid}-4`, 'a.json.tmp-x-5', 'a.json'];
  for (const n of names) fs.writeFileSync(path.join(dir, n), '');
  assert.deepEqual(removeStaleTemps(dir, 'a.json'), [`a.json.tmp-${dead}-1`]);
  assert.deepEqual(removeStaleTemps(dir), [`b.json.tmp-${dead}-2`]);
  assert.deepEqual(fs.readdirSync(dir).sort(), names.slice(2).sort());
  assert.deepEqual(removeStaleTemps(path.join(dir, 'missing')), []);
  // writeFileAtomic clears its own target's stale temps.
  fs.writeFileSync(path.join(dir, `c.json.tmp-${dead}-6`), '');
  writeFileAtomic(path.join(dir, 'c.json'), 'c');
  assert.ok(!fs.existsSync(path.join(dir, `c.json.tmp-${dead}-6`)));
});

test('processAlive: this process and its parent are alive, an exited child is not', () => {
  assert.equal(processAlive(process.pid), true);
  assert.equal(processAlive(process.ppid), true);
  assert.equal(processAlive(deadPid()), false);
});

test("packageRoot: the folder of privlab's package.json", () => {
  const root = packageRoot();
  assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name, 'privlab');
  assert.ok(__dirname.startsWith(root + path.sep));
});

test('checkParentExists: a missing parent or a file as parent is an error naming the option; an existing one is fine', () => {
  const dir = tmpDir();
  checkParentExists(path.join(dir, 'new'));
  assert.throws(() => checkParentExists(path.join(dir, 'no', 'new'), '--data'), /^Error: --data .*: the folder .*no does not exist/);
  fs.writeFileSync(path.join(dir, 'f'), '');
  assert.throws(() => checkParentExists(path.join(dir, 'f', 'new')), /--out .*f is not a folder/);
});

test('claimOutputDir: locks with this pid, refuses a live owner, takes over a dead one, releases only its own lock', async () => {
  const base = tmpDir();
  const dir = path.join(base, 'out');
  const lock = path.join(dir, LOCK_FILE);
  const a = claimOutputDir(dir);
  assert.equal(a.dir, dir);
  assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.pid);
  // This process's own lock (a claim not released yet) is no other run's: claimed again.
  claimOutputDir(dir);
  a.release();
  assert.ok(!fs.existsSync(lock));
  a.release(); // idempotent

  // A live owner (our parent process): refused, with its pid in the error.
  fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid }));
  assert.throws(
    () => claimOutputDir(dir),
    (e: unknown) => e instanceof OutputInUseError && e.pid === process.ppid && e.message.includes(`pid ${process.ppid}`),
  );
  // A dead owner: taken over; stale temps in the folder and in named subfolders are removed.
  const dead = deadPid();
  fs.writeFileSync(lock, JSON.stringify({ pid: dead }));
  fs.mkdirSync(path.join(dir, 'ckpt'));
  fs.writeFileSync(path.join(dir, `h.json.tmp-${dead}-1`), '');
  fs.writeFileSync(path.join(dir, 'ckpt', `w.bin.tmp-${dead}-2`), '');
  const b = claimOutputDir(dir, { subfolders: ['ckpt'] });
  assert.deepEqual(b.removedTemps, [`h.json.tmp-${dead}-1`, path.join('ckpt', `w.bin.tmp-${dead}-2`)]);
  assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.pid);
  // Someone else's lock (written over ours) is left in place by release().
  fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid }));
  b.release();
  assert.ok(fs.existsSync(lock));
  fs.rmSync(lock);

  // An unreadable lock: fresh means another run is starting (refused, pid -1), old means taken over.
  fs.writeFileSync(lock, 'not json');
  assert.throws(
    () => claimOutputDir(dir),
    (e: unknown) => e instanceof OutputInUseError && e.pid === -1 && /starting now/.test(e.message),
  );
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lock, old, old);
  claimOutputDir(dir).release();

  // A file where the folder should be, or a missing parent: errors.
  fs.writeFileSync(path.join(base, 'file'), '');
  assert.throws(() => claimOutputDir(path.join(base, 'file'), { option: '--samples' }), /--samples .*file is a file, not a folder/);
  assert.throws(() => claimOutputDir(path.join(base, 'no', 'out')), /does not exist/);

  // withOutputDir releases the lock however the function ends.
  await assert.rejects(
    withOutputDir(dir, async () => {
      assert.ok(fs.existsSync(lock));
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.ok(!fs.existsSync(lock));
  assert.equal(await withOutputDir(dir, async (c) => c.dir), dir);
  assert.ok(!fs.existsSync(lock));
});

test('requireFinite: the first NaN or ±Infinity, with its index and the field, is a NonFiniteError; finite values pass', () => {
  requireFinite([0, -1.5, 1e308, -1e-308], 'ok');
  requireFinite(new Float32Array(0), 'empty');
  for (const [values, index, value] of [
    [[1, NaN, Infinity], 1, NaN],
    [new Float64Array([1, 2, Infinity]), 2, Infinity],
    [[-Infinity], 0, -Infinity],
  ] as const) {
    assert.throws(
      () => requireFinite(values, 'x.npy'),
      (e: unknown) =>
        e instanceof NonFiniteError &&
        e instanceof RangeError &&
        e.index === index &&
        Object.is(e.value, value) &&
        e.message === `x.npy: value ${index} is ${value}; only finite numbers are accepted`,
    );
  }
});
