/**
 * Deployment across processes: `privlab fhe compile` writes a circuit, `privlab fhe serve`
 * runs in its own process, `privlab fhe infer` (another process) makes tfhe keys, uploads
 * the evaluation keys, sends encrypted inputs and decrypts; its answers equal the
 * simulation's. Then bad requests — unknown circuit or keys, malformed or oversized
 * bodies, keys and ciphertexts of another parameter set, a secret key offered as
 * evaluation keys — each get their 4xx and message, and the server keeps serving.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as tfhe from 'node-tfhe';
import { encodeNpy } from '../../../../src/metrics/npy';
import { quantizeInputs, saveQuantizedModel } from '../../../../src/quant';
import { defaultParameterSetName, tfheParameters } from '../../../../src/fhe/tfhe/shortint';
import { clientSpec, parseCircuit } from '../../../../src/fhe/tfhe/compile';
import { FheClient, compile, packBatch, simulateCircuit, unpackBatch } from '../../../../src/fhe/tfhe/run';
import { FheService } from '../../../../src/fhe/tfhe/run/http-server';
import { privlab, ROOT } from '../../../support/cli';
import { tmpDir } from '../../../support/tmp';
import { smallModel } from './fixtures';
import { bytesBody } from '../../../../src/util/http-body';

const dir = tmpDir('privlab-serve-');
let server: ChildProcess | undefined;
after(() => {
  if (server && server.exitCode === null) server.kill('SIGTERM');
});

function startServer(circuitFile: string): Promise<string> {
  server = spawn(process.execPath, [path.join(ROOT, 'bin', 'privlab'), 'fhe', 'serve', '--circuit', circuitFile, '--port', '0', '--max-samples', '2'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  server.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server!.once('exit', (code) => reject(new Error(`fhe serve exited with ${code}: ${err}`)));
  });
}

const BIN = { 'Content-Type': 'application/octet-stream' };

async function expectError(r: Response, status: number, re: RegExp): Promise<void> {
  const body = (await r.json()) as { error: string };
  assert.equal(r.status, status, `expected ${status} for ${re.source}, got ${r.status}: ${body.error}`);
  assert.match(body.error, re);
}

test('fhe compile → serve → infer across processes; 4xx on bad requests and the server keeps serving', async (t) => {
  const m = smallModel(11, [8, 6, 3], ['relu', 'linear'], { weight: 2, activation: 3, input: 2 }, 120);
  const modelFile = path.join(dir, 'model.json');
  saveQuantizedModel(modelFile, m.model);
  const inputFile = path.join(dir, 'calib.npy');
  fs.writeFileSync(inputFile, encodeNpy({ shape: [m.count, 8], data: m.inputs }, 'float32'));
  const circuitFile = path.join(dir, 'circuit.json');
  const comp = privlab([
    'fhe',
    'compile',
    '--model',
    modelFile,
    '--inputset',
    inputFile,
    '--out',
    circuitFile,
    '--name',
    'small',
    '--params',
    defaultParameterSetName(3),
  ]);
  assert.equal(comp.status, 0, comp.stderr);
  assert.match(comp.stderr, /\d+ PBS/);
  const circuit = parseCircuit(fs.readFileSync(circuitFile, 'utf8'));
  assert.ok(circuit.report.predictedReadError < 1e-6, 'a circuit without expected read errors, so answers must equal the simulation');

  const url = await startServer(circuitFile);
  const samples = 3;
  const queryFile = path.join(dir, 'query.npy');
  const x = m.inputs.subarray(0, samples * 8);
  fs.writeFileSync(queryFile, encodeNpy({ shape: [samples, 8], data: x }, 'float32'));
  const expected = simulateCircuit(circuit, quantizeInputs(m.model, x), samples).outputs;

  // the client in its own process
  const inf = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(
      process.execPath,
      [path.join(ROOT, 'bin', 'privlab'), 'fhe', 'infer', '--url', url, '--circuit', 'small', '--input', queryFile, '--batch', '2'],
      { cwd: ROOT },
    );
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(inf.code, 0, inf.stderr);
  const answer = JSON.parse(inf.stdout) as { levels: number[]; count: number; times: Record<string, number> };
  assert.equal(answer.count, samples);
  assert.deepEqual(answer.levels, Array.from(expected), 'decrypted answers equal the simulation');
  for (const phase of ['keygen_s', 'upload_s', 'encrypt_s', 'server_s', 'decrypt_s']) assert.ok(answer.times[phase] > 0, `${phase} timed`);
  t.diagnostic(`infer phases: ${JSON.stringify(answer.times)}`);

  const base = `${url}/circuits/small`;
  await expectError(await fetch(`${url}/circuits/nope`), 404, /unknown circuit "nope"/);
  await expectError(await fetch(`${url}/other`), 404, /no route/);
  await expectError(await fetch(`${url}/circuits/%E0%A4%A`), 400, /malformed circuit name/);
  await expectError(await fetch(`${base}/infer`), 405, /takes POST/);
  await expectError(await fetch(`${base}/infer?keys=none`, { method: 'POST', body: bytesBody(new Uint8Array(10)), headers: BIN }), 404, /no keys "none"/);
  await expectError(
    await fetch(`${base}/keys`, { method: 'POST', body: 'not a key file, just text that is long enough to look at' }),
    415,
    /must be application\/octet-stream/,
  );
  await expectError(
    await fetch(`${base}/keys`, { method: 'POST', body: 'not a key file, just text that is long enough to look at', headers: BIN }),
    400,
    /invalid evaluation-key file: bad magic/,
  );

  // a secret key is never accepted as evaluation keys
  const ck = tfhe.Shortint.new_client_key(tfheParameters(circuit.parameterSet, { carryModulus: circuit.carryModulus }));
  await expectError(
    await fetch(`${base}/keys`, { method: 'POST', body: bytesBody(tfhe.Shortint.serialize_client_key(ck)), headers: BIN }),
    400,
    /invalid evaluation-key file/,
  );
  ck.free();

  // evaluation keys and ciphertexts of another parameter set
  const foreign = compile(m.model, m.inputs, { parameterSet: defaultParameterSetName(2), name: 'foreign' });
  const foreignClient = FheClient.create(clientSpec(foreign.circuit));
  try {
    await expectError(
      await fetch(`${base}/keys`, { method: 'POST', body: bytesBody(await foreignClient.evaluationKeys()), headers: BIN }),
      422,
      /wrong key set/,
    );

    // valid keys from this process's own client
    const client = FheClient.create(clientSpec(circuit));
    try {
      const up = await fetch(`${base}/keys`, { method: 'POST', body: bytesBody(await client.evaluationKeys()), headers: BIN });
      assert.equal(up.status, 201);
      const { keyId, token } = (await up.json()) as { keyId: string; token: string };
      const auth = { ...BIN, Authorization: `Bearer ${token}` };
      const infer = (body: Uint8Array | string): Promise<Response> =>
        fetch(`${base}/infer?keys=${keyId}`, { method: 'POST', body: typeof body === 'string' ? body : bytesBody(body), headers: auth });
      await expectError(await infer(new Uint8Array(2 * 1024 * 1024)), 413, /exceeds the limit/);
      await expectError(await infer('PLCTBAT1 but then nothing sensible'), 400, /invalid ciphertext batch/);
      await expectError(await infer(foreignClient.encrypt(x.subarray(0, 8))), 422, /another parameter set/);
      await expectError(await infer(client.encrypt(x.subarray(0, 8)).subarray(0, 5000)), 400, /invalid ciphertext batch/);
      const twelve = packBatch(unpackBatch(client.encrypt(x.subarray(0, 2 * 8)), 64).slice(0, 12));
      await expectError(await infer(twelve), 400, /12 ciphertexts are not a whole number of samples/);

      // still serving: a good request after all the bad ones
      const ok = await infer(client.encrypt(x.subarray(0, 8)));
      assert.equal(ok.status, 200);
      assert.deepEqual(Array.from(client.decryptLevels(new Uint8Array(await ok.arrayBuffer()))), Array.from(expected.subarray(0, 3)));
      assert.equal((await fetch(`${base}/keys/${keyId}`, { method: 'DELETE', headers: auth })).status, 204);
      await expectError(await infer(client.encrypt(x.subarray(0, 8))), 404, /no keys/);
    } finally {
      client.dispose();
    }
  } finally {
    foreignClient.dispose();
    foreign.dispose();
  }
  server!.kill('SIGTERM');
});

/**
 * POST `pieces` × 256 KiB to `url` slowly, with a declared length or chunked. Resolves when
 * the whole body was sent and the answer read; a broken pipe or reset on the way (the bug)
 * rejects, even when the answer came first.
 */
function slowPost(url: string, pieces: number, declareLength: boolean, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const piece = Buffer.alloc(256 * 1024, 7);
  return new Promise((resolve, reject) => {
    const length = declareLength ? { 'Content-Length': String(piece.length * pieces) } : { 'Transfer-Encoding': 'chunked' };
    const req = http.request(url, { method: 'POST', headers: { ...BIN, ...length, ...headers } });
    let answer: { status: number; body: string } | undefined;
    let sentAll = false;
    const settle = (): void => {
      if (answer && sentAll) resolve(answer);
    };
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        answer = { status: res.statusCode ?? 0, body };
        settle();
      });
    });
    let sent = 0;
    const next = (): void => {
      if (sent++ === pieces) {
        req.end(() => {
          sentAll = true;
          settle();
        });
        return;
      }
      req.write(piece, (err) => (err ? reject(err) : setTimeout(next, 10)));
    };
    next();
  });
}

/**
 * A body the server refuses while the client is still uploading: the client must read the
 * 4xx, not a broken pipe. The body goes out in slow pieces, so a server that answers and
 * closes at once is always caught mid-upload (a deterministic form of a race that showed
 * on some machines only).
 */
test('fhe serve: refused uploads still in progress get their 404/413, and the server keeps serving', async () => {
  const m = smallModel(12, [8, 6, 3], ['relu', 'linear'], { weight: 2, activation: 3, input: 2 }, 60);
  const compiled = compile(m.model, m.inputs, { parameterSet: defaultParameterSetName(3), name: 'slow' });
  const service = await FheService.start({ circuits: [compiled.circuit], maxSamples: 1 });
  const client = FheClient.create(clientSpec(compiled.circuit));
  try {
    const base = `${service.url}/circuits/slow`;
    for (const declared of [true, false]) {
      const r = await slowPost(`${base}/infer?keys=none`, 12, declared);
      assert.equal(r.status, 404, r.body);
      assert.match((JSON.parse(r.body) as { error: string }).error, /no keys "none"/);
    }
    const up = await fetch(`${base}/keys`, { method: 'POST', body: bytesBody(await client.evaluationKeys()), headers: BIN });
    assert.equal(up.status, 201);
    const { keyId, token } = (await up.json()) as { keyId: string; token: string };
    for (const declared of [true, false]) {
      const r = await slowPost(`${base}/infer?keys=${keyId}`, 12, declared, { Authorization: `Bearer ${token}` }); // 3 MiB: far above one sample's batch
      assert.equal(r.status, 413, r.body);
      assert.match((JSON.parse(r.body) as { error: string }).error, /exceeds the limit/);
    }
    const ok = await fetch(`${base}/infer?keys=${keyId}`, {
      method: 'POST',
      body: bytesBody(client.encrypt(m.inputs.subarray(0, 8))),
      headers: { ...BIN, Authorization: `Bearer ${token}` },
    });
    assert.equal(ok.status, 200, 'still serving');
    const expected = simulateCircuit(compiled.circuit, quantizeInputs(m.model, m.inputs.subarray(0, 8)), 1).outputs;
    assert.deepEqual(Array.from(client.decryptLevels(new Uint8Array(await ok.arrayBuffer()))), Array.from(expected));
  } finally {
    client.dispose();
    await service.close();
    compiled.dispose();
  }
});

/**
 * The server between clients and against web pages (hardening): keys answer only to the
 * token of their upload; the key store is a quota, not a queue that evicts others' keys;
 * a foreign Host (DNS rebinding) or Origin, or a browser's text/plain body, is refused; a
 * stalled body is cut off and only so many bodies are read at once.
 */
test('fhe serve: capabilities, quota, Host/Origin/content-type checks, stalled and concurrent uploads', async () => {
  const m = smallModel(13, [8, 6, 3], ['relu', 'linear'], { weight: 2, activation: 3, input: 2 }, 60);
  const compiled = compile(m.model, m.inputs, { parameterSet: defaultParameterSetName(3), name: 'guarded' });
  const service = await FheService.start({ circuits: [compiled.circuit], maxSamples: 1, maxKeySets: 1, bodyIdleMs: 3000, maxConcurrentUploads: 2 });
  const alice = FheClient.create(clientSpec(compiled.circuit));
  const mallory = FheClient.create(clientSpec(compiled.circuit));
  try {
    const base = `${service.url}/circuits/guarded`;
    const port = new URL(service.url).port;
    const up = await fetch(`${base}/keys`, { method: 'POST', body: bytesBody(await alice.evaluationKeys()), headers: BIN });
    assert.equal(up.status, 201);
    const { keyId, token } = (await up.json()) as { keyId: string; token: string };
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
    const query = bytesBody(alice.encrypt(m.inputs.subarray(0, 8)));
    const inferWith = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${base}/infer?keys=${keyId}`, { method: 'POST', body: query, headers: { ...BIN, ...headers } });

    // the key id alone (logged, guessable from logs) is not enough
    await expectError(await inferWith({}), 401, /need the token/);
    await expectError(await inferWith({ Authorization: 'Bearer not-the-token' }), 403, /wrong token/);
    await expectError(await fetch(`${base}/keys/${keyId}`, { method: 'DELETE', headers: { Authorization: 'Bearer not-the-token' } }), 403, /wrong token/);
    // a second client finds the quota full; alice's keys are not evicted
    await expectError(await fetch(`${base}/keys`, { method: 'POST', body: bytesBody(await mallory.evaluationKeys()), headers: BIN }), 503, /quota/);
    const ok = await inferWith({ Authorization: `Bearer ${token}` });
    assert.equal(ok.status, 200);
    const expected = simulateCircuit(compiled.circuit, quantizeInputs(m.model, m.inputs.subarray(0, 8)), 1).outputs;
    assert.deepEqual(Array.from(alice.decryptLevels(new Uint8Array(await ok.arrayBuffer()))), Array.from(expected));

    // web pages: a cross-origin POST, a DNS-rebinding Host, a text/plain body
    await expectError(await inferWith({ Authorization: `Bearer ${token}`, Origin: 'http://evil.example' }), 403, /cross-origin/);
    assert.equal(
      (await fetch(`${base}/keys`, { method: 'POST', body: 'x', headers: { Origin: service.url } })).status,
      415,
      'own origin passes the Origin check, then the content type is checked',
    );
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: Number(port), path: '/circuits', headers: { Host: `evil.example:${port}` } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(rebound.status, 403, rebound.body);
    assert.match(rebound.body, /is not this server/);
    assert.equal((await fetch(`${service.url.replace('127.0.0.1', 'localhost')}/circuits`)).status, 200, 'localhost names this server too');

    // stalled bodies: cut off after bodyIdleMs; at most two read at once
    const stall = (): Promise<{ closed: boolean; status?: number }> =>
      new Promise((resolve) => {
        const req = http.request(`${base}/infer?keys=${keyId}`, {
          method: 'POST',
          headers: { ...BIN, Authorization: `Bearer ${token}`, 'Content-Length': '100000' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ closed: false, status: res.statusCode });
        });
        req.on('error', () => resolve({ closed: true }));
        req.write(Buffer.alloc(1000)); // then nothing more
      });
    const t0 = Date.now();
    const stalled = [stall(), stall()];
    // both stalled bodies are being read before the third request comes (no race with the machine's load)
    while (service.uploadsInProgress < 2 && Date.now() - t0 < 2500) await new Promise((r) => setTimeout(r, 10));
    assert.equal(service.uploadsInProgress, 2);
    await expectError(await inferWith({ Authorization: `Bearer ${token}` }), 503, /uploads in progress/);
    const ends = await Promise.all(stalled);
    assert.ok(
      ends.every((e) => e.closed || e.status === 408),
      `stalled uploads end: ${JSON.stringify(ends)}`,
    );
    assert.ok(Date.now() - t0 < 20_000, "within a few idle periods, not Node's 300 s");
    assert.equal(service.uploadsInProgress, 0);
    assert.equal((await inferWith({ Authorization: `Bearer ${token}` })).status, 200, 'serving again once the stalled uploads are gone');
    // the owner can delete, and the freed quota takes a new client
    assert.equal((await fetch(`${base}/keys/${keyId}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } })).status, 204);
    assert.equal((await fetch(`${base}/keys`, { method: 'POST', body: bytesBody(await mallory.evaluationKeys()), headers: BIN })).status, 201);
  } finally {
    alice.dispose();
    mallory.dispose();
    await service.close();
    compiled.dispose();
  }
});
