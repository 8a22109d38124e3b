/**
 * The kernel launcher's parts, in this process (the launcher itself runs as the kernel process in
 * test/kernel and test/integration): one send at a time per socket, the interrupt button's grace
 * period, the error a failed cell reports, and the kernelspec's registration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serializedSends } from '../../src/jupyter/kernel/serialized-sends';
import { interruptButton } from '../../src/jupyter/kernel/interrupt-button';
import { errorFromConsole } from '../../src/jupyter/kernel/errors';
import { installKernelSpec, kernelSpec, kernelSpecFile } from '../../src/jupyter/kernelspec';
import { interruptScope } from '../../src/util/interrupt';
import { tmpDir } from '../support/tmp';

/** A socket like zeromq's: a send completes when the test says so, and a method needs its real `this`. */
class FakeSocket {
  readonly type = 'PUB';
  readonly events: string[] = [];
  readonly pending: Array<() => void> = [];
  #closed = false;
  send(msg: string): Promise<void> {
    this.events.push(`start ${msg}`);
    return new Promise((resolve, reject) =>
      this.pending.push(() => {
        this.events.push(`end ${msg}`);
        if (msg === 'bad') reject(new Error('EBUSY'));
        else resolve();
      }),
    );
  }
  close(): boolean {
    this.#closed = true; // a private field: throws when `this` is a proxy
    return this.#closed;
  }
}

const ticks = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

test('a socket wrapped by serializedSends starts each send only after the one before it ended, in order, past a failed one', async () => {
  const raw = new FakeSocket();
  const sock = serializedSends(raw);
  const results: string[] = [];
  for (const m of ['a', 'bad', 'c'])
    sock.send(m).then(
      () => results.push(`${m} ok`),
      (e: Error) => results.push(`${m} ${e.message}`),
    );
  await ticks();
  assert.deepEqual(raw.events, ['start a'], 'only the first send is under way');
  raw.pending.shift()!();
  await ticks();
  assert.deepEqual(raw.events, ['start a', 'end a', 'start bad']);
  raw.pending.shift()!();
  await ticks();
  assert.deepEqual(raw.events, ['start a', 'end a', 'start bad', 'end bad', 'start c'], 'a failed send does not stop the next');
  raw.pending.shift()!();
  await ticks();
  assert.deepEqual(results, ['a ok', 'bad EBUSY', 'c ok'], 'each caller sees its own outcome');
  // Everything else is the socket's own: methods run on the socket, values read as they are.
  assert.equal(sock.close(), true);
  assert.equal(sock.type, 'PUB');
  assert.equal(sock.events, raw.events);
});

test('the interrupt button: no cooperative loop open, the cell is abandoned at once', () => {
  let interrupts = 0;
  interruptButton({ interrupt: () => interrupts++ }, () => 3, 10_000)();
  assert.equal(interrupts, 1);
});

test('the interrupt button: open loops are asked to stop; the cell is abandoned after the grace period only if that same execution still runs', async () => {
  const GRACE_MS = 20;
  // After the grace period: a timer set later for longer fires after the button's own timer.
  const afterGrace = (): Promise<void> => new Promise((r) => setTimeout(r, GRACE_MS + 50));
  const cases: Array<{ name: string; at: number; then: number; abandoned: number }> = [
    { name: 'the loop did not stop: same execution still running', at: 7, then: 7, abandoned: 1 },
    { name: 'the cell ended in time', at: 7, then: 0, abandoned: 0 },
    { name: 'the cell ended and the next one started', at: 7, then: 8, abandoned: 0 },
    { name: 'no cell was running (a loop in the background)', at: 0, then: 0, abandoned: 0 },
  ];
  for (const c of cases) {
    const scope = interruptScope();
    try {
      let now = c.at;
      let interrupts = 0;
      interruptButton({ interrupt: () => interrupts++ }, () => now, GRACE_MS)();
      assert.equal(scope.signal.aborted, true, `${c.name}: the loop was asked to stop`);
      assert.equal(interrupts, 0, `${c.name}: not abandoned at once`);
      now = c.then;
      await afterGrace();
      assert.equal(interrupts, c.abandoned, c.name);
    } finally {
      scope.dispose();
    }
  }
});

test("a failed cell's error when what was thrown is no Error: the console calls, formatted, one line each", () => {
  assert.deepEqual(errorFromConsole([['%s went %d%% wrong', 'it', 40], [{ code: 7 }]]), {
    ename: 'Uncaught',
    evalue: 'it went 40% wrong\n{ code: 7 }',
    traceback: ['Uncaught it went 40% wrong\n{ code: 7 }'],
  });
  assert.deepEqual(errorFromConsole([]), { ename: 'Uncaught', evalue: 'unknown error', traceback: ['Uncaught '] });
});

test("a failed cell's error when what was thrown is error-like but no Error of this realm (an object with a message and a stack)", () => {
  const thrown = { name: 'VmError', message: 'boom', stack: 'VmError: boom\n    at f (evalmachine.<anonymous>:2:9)\n    at node:internal/x:1:1' };
  assert.deepEqual(errorFromConsole([[thrown]]), { ename: 'VmError', evalue: 'boom', traceback: ['VmError: boom', '    at f (<cell>:2:9)'] });
  // A message without a stack is not error-like: it is shown as the value it is.
  assert.equal(errorFromConsole([[{ message: 'only' }]]).ename, 'Uncaught');
});

test('the kernelspec is written when missing or different and left alone when it is the same', () => {
  const root = tmpDir('privlab-kernelspec-');
  fs.mkdirSync(path.join(root, 'node_modules', 'tslab'), { recursive: true });
  fs.writeFileSync(path.join(root, 'node_modules', 'tslab', 'package.json'), '{}');
  const entry = path.join(root, 'dist', 'src', 'jupyter', 'kernel', 'launch.js');
  fs.mkdirSync(path.dirname(entry), { recursive: true });
  fs.writeFileSync(entry, '');
  const file = kernelSpecFile(root);
  assert.equal(file, path.join(root, '.jupyter', 'data', 'kernels', 'privlab', 'kernel.json'));
  assert.equal(installKernelSpec(root), true, 'missing: written');
  const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(spec.argv, [process.execPath, entry, '--config-path', '{connection_file}']);
  assert.deepEqual(spec.env, { PRIVLAB_ROOT: root });
  assert.deepEqual(spec, kernelSpec(root));
  assert.equal(installKernelSpec(root), false, 'the same: not written again');
  fs.writeFileSync(file, '{}\n');
  assert.equal(installKernelSpec(root), true, 'different: written');
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), spec);
});
