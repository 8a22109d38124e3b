/** Cooperative interruption: scopes, requests, the CLI's signal handlers (in a child process). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { interruptScope, InterruptedError, openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';

test('interruptScope: aborted by a request while open, not by one made before; the parent signal aborts it too', () => {
  assert.equal(requestInterrupt('early'), 0, 'nothing open');
  const a = interruptScope();
  assert.equal(a.signal.aborted, false, 'a request made while nothing ran is not remembered');
  const parent = new AbortController();
  const b = interruptScope(parent.signal);
  assert.equal(openInterruptScopes(), 2);
  parent.abort('user');
  assert.equal(b.signal.reason, 'user');
  assert.equal(a.signal.aborted, false);
  assert.equal(requestInterrupt('SIGINT'), 2);
  assert.equal(a.signal.reason, 'SIGINT');
  assert.throws(
    () => a.throwIfInterrupted('federated round 3'),
    (e: unknown) => e instanceof InterruptedError && /federated round 3 interrupted \(SIGINT\)/.test(e.message) && e.reason === 'SIGINT',
  );
  a.dispose();
  b.dispose();
  assert.equal(openInterruptScopes(), 0);
  assert.throws(() => interruptScope(undefined, -1), RangeError);
});

test('interruptScope.pause: yields a macrotask when due, so a timer or signal handler can run inside a synchronous loop', async () => {
  const s = interruptScope(undefined, 0);
  let ran = false;
  setImmediate(() => {
    ran = true;
    requestInterrupt('timer');
  });
  let steps = 0;
  while (!(await s.pause())) steps++;
  assert.ok(ran);
  assert.equal(steps, 0, 'pause(0) yields at the first call');
  s.dispose();
});

/** A child process with the CLI's handlers and a loop of synchronous work that checks a scope. */
function child(script: string, signals = 1): Promise<{ code: number | null; out: string }> {
  const mod = path.resolve(__dirname, '..', '..', 'src', 'util', 'interrupt.js');
  const p = spawn(
    process.execPath,
    ['-e', `const m = require(${JSON.stringify(mod)}); m.installCliInterruptHandlers((l) => process.stdout.write(l)); ${script}`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  p.stdout.on('data', (d) => {
    out += d;
    // One SIGINT once ready; a second one once the first was acknowledged.
    const sent = (out.match(/^sent$/gm) ?? []).length;
    if (sent < signals && /ready/.test(out) && (sent === 0 || /stopping after the current step/.test(out))) {
      out += 'sent\n';
      p.kill('SIGINT');
    }
  });
  return new Promise((resolve) => p.on('close', (code) => resolve({ code, out })));
}

test('CLI handlers: the first SIGINT stops the open loop, which finishes its step; with no loop open it quits at once (130)', async () => {
  const busy = 'const t = Date.now(); while (Date.now() - t < 20) {}';
  const stopped = await child(
    `(async () => { const s = m.interruptScope(); console.log('ready'); let n = 0; while (!(await s.pause())) { ${busy}; n++; } console.log('stopped cleanly', s.signal.reason); process.exit(m.interruptExitCode(s.signal.reason)); })()`,
  );
  assert.match(stopped.out, /SIGINT: stopping after the current step/);
  assert.match(stopped.out, /stopped cleanly SIGINT/);
  assert.equal(stopped.code, 130);
  const idle = await child(`console.log('ready'); setTimeout(() => console.log('not stopped'), 60000);`);
  assert.equal(idle.code, 130);
  assert.doesNotMatch(idle.out, /not stopped/);
});

test('CLI handlers: a second SIGINT quits at once, even while the loop has not stopped', async () => {
  // A loop that yields but never checks its scope: only the second signal ends it.
  const r = await child(
    `(async () => { m.interruptScope(); console.log('ready'); for (;;) { const t = Date.now(); while (Date.now() - t < 20) {} await new Promise((res) => setImmediate(res)); } })()`,
    2,
  );
  assert.equal(r.code, 130);
  assert.match(r.out, /SIGINT: stopping after the current step[\s\S]*SIGINT again, quitting now/);
});
