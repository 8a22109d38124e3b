/**
 * `privlab lab` stops what it started: SIGTERM or SIGINT to privlab ends the Jupyter server
 * and its kernels and frees the port; Jupyter's runtime files (token, kernel keys) are 0600.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../support/cli';
import { freePort, portFree } from '../support/ports';
import { alive, children } from '../support/procs';
import { jupyterDirs } from '../../src/jupyter/env';

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) if (await ok()) return;
  assert.fail(`timed out waiting for ${what}`);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`privlab lab: ${signal} stops the Jupyter server and its kernel, frees the port; runtime files are 0600`, async () => {
    const port = await freePort();
    const token = randomBytes(12).toString('hex');
    // Not detached, and the signal goes to privlab alone (as from a service manager or `kill`), not to its group.
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'privlab'), 'lab', '--port', String(port), '--', `--NotebookApp.token=${token}`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const api = (p: string, init?: RequestInit): Promise<Response> =>
      fetch(`http://127.0.0.1:${port}${p}`, { ...init, headers: { Authorization: `token ${token}` } });
    let jupyter: number[] = [];
    let kernels: number[] = [];
    try {
      await until('the server', async () => {
        try {
          return (await api('/api/status')).ok;
        } catch {
          return false;
        }
      });
      const kernel = (await (await api('/api/kernels', { method: 'POST', body: JSON.stringify({ name: 'privlab' }) })).json()) as { id: string };
      jupyter = children(child.pid!);
      assert.equal(jupyter.length, 1, `privlab lab has one child, Jupyter: ${jupyter}`);
      await until('the kernel process', () => children(jupyter[0]).length > 0);
      kernels = children(jupyter[0]);
      const runtime = jupyterDirs(ROOT).runtime;
      await until('the kernel connection file', () => fs.existsSync(path.join(runtime, `kernel-${kernel.id}.json`)));
      assert.equal(fs.statSync(runtime).mode & 0o777, 0o700, 'the runtime folder is private');
      const files = fs.readdirSync(runtime);
      assert.ok(
        files.some((f) => /^nbserver-\d+\.json$/.test(f)),
        `server info file among ${files}`,
      );
      for (const f of files) assert.equal(fs.statSync(path.join(runtime, f)).mode & 0o777, 0o600, `${f} is 0600`);
      child.kill(signal);
      const code = await Promise.race([
        closed,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`privlab lab did not exit:\n${log}`)), 60_000)),
      ]);
      assert.equal(code, signal === 'SIGTERM' ? 143 : 130, log);
      assert.match(log, new RegExp(`privlab lab: ${signal}: stopping Jupyter and its kernels`));
      for (const pid of [...jupyter, ...kernels]) assert.equal(alive(pid), false, `process ${pid} is gone`);
      assert.ok(await portFree(port), `port ${port} is free`);
    } finally {
      for (const pid of [child.pid!, ...jupyter, ...kernels]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
}
