/**
 * The kernel's interrupt button stops a training cell: the loop ends within a step, saves its
 * checkpoint and the cell fails with InterruptedError; the kernel lives on, and the saved
 * run continues from where it stopped. (tslab alone only abandons the cell's promise: the
 * training went on in the background.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jupyterEnv, systemPython } from '../../src/jupyter/env';
import { readCheckpointHeader } from '../../src/nn';
import { ROOT } from '../support/cli';
import { tmpDir } from '../support/tmp';

const SCRIPT = String.raw`
import json, sys, time
from jupyter_client import KernelManager
root, ckpt = sys.argv[1], sys.argv[2]
km = KernelManager(kernel_name='privlab')
km.start_kernel(cwd=root)
kc = km.client(); kc.start_channels()
out = {}
try:
    kc.wait_for_ready(timeout=240)
    def cell(code):
        return 'import * as lab from ' + json.dumps(root + '/kernel-ext') + ';\n' + code
    train = 'await lab.trainGanLive({ dataset: lab.data.loadMnist(), batchSize: 32, maxStepsPerEpoch: 2, seed: 5, config: { latentDim: 16, generatorHidden: [32], discriminatorHidden: [32] }, sampleEpochs: [], showSamples: false, redrawMs: 0, checkpoint: ' + json.dumps(ckpt)
    msg_id = kc.execute(cell(train + ', epochs: 100000 });'))
    # Training has started once the progress bar has been redrawn a few times.
    updates, deadline = 0, time.time() + 300
    while updates < 5 and time.time() < deadline:
        m = kc.get_iopub_msg(timeout=300)
        if m['parent_header'].get('msg_id') == msg_id and m['msg_type'] == 'update_display_data':
            updates += 1
    out['updates'] = updates
    t = time.time()
    km.interrupt_kernel()
    while True:
        r = kc.get_shell_msg(timeout=120)
        if r['parent_header'].get('msg_id') == msg_id: break
    out['seconds'] = time.time() - t
    out['first'] = {k: r['content'].get(k) for k in ('status', 'ename', 'evalue')}
    # After a failed cell tslab drops requests queued within 200 ms (stop-on-error): send the next one later.
    time.sleep(1)
    out['resumed'] = kc.execute_interactive(cell(train + ', epochs: 2, resumeFrom: ' + json.dumps(ckpt) + ' }).then((r) => console.log("epoch", r.epoch));'), timeout=240)['content']['status']
finally:
    kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps(out))
`;

test('kernel interrupt: a training cell stops within a step with a resumable checkpoint, and the kernel keeps working', () => {
  const ckpt = path.join(tmpDir(), 'gan.ckpt');
  const r = spawnSync(systemPython(), ['-c', SCRIPT, ROOT, ckpt], { cwd: ROOT, env: jupyterEnv(), encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
  assert.equal(out.updates, 5, 'training was running');
  assert.equal(out.first.status, 'error');
  assert.equal(out.first.ename, 'InterruptedError', JSON.stringify(out.first));
  assert.match(out.first.evalue, /training interrupted \(kernel interrupt\) at .*; saved .*gan\.ckpt — continue with resumeFrom/);
  // Generous for a loaded machine; the cell would otherwise train 100,000 epochs.
  assert.ok(out.seconds < 60, `the cell ended ${out.seconds} s after the interrupt`);
  assert.equal(out.resumed, 'ok');
  const h = readCheckpointHeader(ckpt, fs.readFileSync(ckpt)).header;
  // The last save is the resumed run's: 2 more epochs after the interrupted one's position.
  assert.ok((h.meta.epoch as number) >= 2);
  assert.equal((h.meta.resume as { stepInEpoch: number }).stepInEpoch, 0);
});
