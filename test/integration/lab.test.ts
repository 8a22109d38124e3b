/** `privlab lab` serves notebooks/ on localhost with the privlab kernel registered, and can start it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { ROOT } from '../support/cli';
import { freePort } from '../support/ports';
import { jupyterDirs, systemPython } from '../../src/jupyter/env';

test('privlab lab: Jupyter Notebook on 127.0.0.1 with notebooks/ and the privlab kernel', async () => {
  const port = await freePort();
  const token = randomBytes(12).toString('hex');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'privlab'), 'lab', '--port', String(port), '--', `--NotebookApp.token=${token}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const api = async (p: string, init?: RequestInit): Promise<Response> =>
    fetch(`http://127.0.0.1:${port}${p}`, { ...init, headers: { Authorization: `token ${token}` } });
  try {
    // Deadlines, not try counts: on a loaded machine Jupyter takes longer to come up.
    let up = false;
    for (const deadline = Date.now() + 120_000; !up && Date.now() < deadline && child.exitCode === null;) {
      try {
        up = (await api('/api/status')).ok;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    assert.ok(up, `the server did not come up:\n${log}`);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/kernelspecs`)).status, 403, 'the token is required');
    const specs = (await (await api('/api/kernelspecs')).json()) as { default: string; kernelspecs: Record<string, { spec: { display_name: string } }> };
    assert.equal(specs.default, 'privlab');
    assert.equal(specs.kernelspecs.privlab.spec.display_name, 'TypeScript (privlab)');
    const contents = (await (await api('/api/contents/')).json()) as { content: Array<{ name: string }> };
    assert.ok(
      contents.content.some((f) => f.name === '00-quickstart.ipynb'),
      'serves notebooks/',
    );
    const kernel = (await (await api('/api/kernels', { method: 'POST', body: JSON.stringify({ name: 'privlab' }) })).json()) as { id: string; name: string };
    assert.equal(kernel.name, 'privlab');
    // Talk to the kernel the server started, through its connection file in the project-local runtime dir.
    // Ready = a kernel_info reply on shell *and* its busy/idle status on iopub: a request sent
    // before the SUB socket is subscribed would lose its output and time out. (jupyter_client's
    // wait_for_ready() would also do, but it takes a heartbeat that has not beaten yet for a dead kernel.)
    const connection = path.join(jupyterDirs(ROOT).runtime, `kernel-${kernel.id}.json`);
    const probe = spawnSync(
      systemPython(),
      [
        '-c',
        [
          'import sys, time, queue',
          'from jupyter_client import BlockingKernelClient',
          'kc = BlockingKernelClient(connection_file=sys.argv[1]); kc.load_connection_file(); kc.start_channels()',
          'deadline, ready = time.time() + 180, False',
          'while not ready and time.time() < deadline:',
          '    kc.kernel_info()',
          '    try: kc.get_shell_msg(timeout=5)',
          '    except queue.Empty: continue',
          '    try: kc.get_iopub_msg(timeout=2); ready = True',
          '    except queue.Empty: pass',
          'out = []',
          'r = kc.execute_interactive("console.log(6 * 7)", timeout=90, output_hook=lambda m: out.append(m["content"].get("text", "")))',
          'print(r["content"]["status"], "".join(out).strip())',
        ].join('\n'),
        connection,
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    assert.equal(probe.stdout.trim(), 'ok 42', `${probe.stdout}\n${probe.stderr}\n${log}`);
    assert.equal((await api(`/api/kernels/${kernel.id}`, { method: 'DELETE' })).status, 204);
  } finally {
    // The CLI runs Jupyter as a child: end the whole process group.
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  assert.match(log, new RegExp(`http://127\\.0\\.0\\.1:${port}/`), 'listens on localhost');
});
