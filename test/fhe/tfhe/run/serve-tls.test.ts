/**
 * `privlab fhe serve --tls-cert/--tls-key`: the same encrypted round trip over HTTPS, with a
 * self-signed certificate made here by openssl and trusted by the client through `--ca`.
 * Its answers equal the clear quantized model's, as do a plain-HTTP server's on the same
 * inputs. The mix-ups fail with messages that say what to do: a plain-HTTP client on the
 * TLS port, an HTTPS client without the CA, an HTTPS client on a plain port. A bind beyond
 * the loopback address without TLS is refused unless --insecure-public says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy } from '../../../../src/metrics/npy';
import { quantizeInputs, runQuantized } from '../../../../src/quant';
import { defaultParameterSetName } from '../../../../src/fhe/tfhe/shortint';
import { circuitToJson } from '../../../../src/fhe/tfhe/compile';
import { compile, inferRemote } from '../../../../src/fhe/tfhe/run';
import { FheService } from '../../../../src/fhe/tfhe/run/http-server';
import { httpRequest } from '../../../../src/util/http-request';
import { selfSignedCertificate } from '../../../../src/util/self-signed';
import { privlab } from '../../../support/cli';
import { startPrivlab } from '../../../support/spawn';
import { tmpDir } from '../../../support/tmp';
import { smallModel } from './fixtures';

const dir = tmpDir('privlab-tls-');

test('fhe serve over TLS: the same answers as the clear model and as plain HTTP; clear errors for http/https mix-ups', async () => {
  const m = smallModel(21, [8, 6, 3], ['relu', 'linear'], { weight: 2, activation: 3, input: 2 }, 80);
  const fm = compile(m.model, m.inputs, { parameterSet: defaultParameterSetName(3), name: 'tls' });
  const circuitFile = path.join(dir, 'circuit.json');
  fs.writeFileSync(circuitFile, circuitToJson(fm.circuit));
  const samples = 3;
  const x = m.inputs.subarray(0, samples * 8);
  const queryFile = path.join(dir, 'query.npy');
  fs.writeFileSync(queryFile, encodeNpy({ shape: [samples, 8], data: x }, 'float32'));
  const clear = Array.from(runQuantized(m.model, quantizeInputs(m.model, x), samples).outputs);
  const { cert, key } = selfSignedCertificate(dir);

  const server = startPrivlab(['fhe', 'serve', '--circuit', circuitFile, '--port', '0', '--tls-cert', cert, '--tls-key', key]);
  await server.waitFor(/listening on https:\/\/127\.0\.0\.1:\d+/);
  const url = /listening on (https:\S+)/.exec(server.stdout())![1];
  const plain = await FheService.start({ circuits: [fm.circuit] });
  try {
    // the client in its own process, trusting the self-signed certificate
    const client = startPrivlab(['fhe', 'infer', '--url', url, '--circuit', 'tls', '--input', queryFile, '--ca', cert]);
    const { code } = await client.exited(300_000);
    assert.equal(code, 0, client.stderr());
    const overTls = JSON.parse(client.stdout()) as { levels: number[] };
    assert.deepEqual(overTls.levels, clear, 'answers over TLS equal the clear quantized model');
    const overHttp = await inferRemote(plain.url, 'tls', x);
    assert.deepEqual(Array.from(overHttp.levels), overTls.levels, 'and the plain-HTTP round trip');

    const probe = { what: 'probe', timeoutSeconds: 30, maxResponseBytes: 1 << 20 };
    const tlsPort = new URL(url).port;
    await assert.rejects(httpRequest(`http://127.0.0.1:${tlsPort}/circuits`, probe), /use https:\/\//);
    await server.waitFor(/plain-HTTP request on the HTTPS port/);
    await assert.rejects(httpRequest(`${url}/circuits`, probe), /not trusted \(give its CA with --ca FILE\)/);
    await assert.rejects(httpRequest(`${plain.url.replace('http:', 'https:')}/circuits`, probe), /does not speak TLS here/);
    const listed = await httpRequest(`${url.replace('127.0.0.1', 'localhost')}/circuits`, { ...probe, ca: fs.readFileSync(cert) });
    assert.equal(listed.status, 200, 'localhost, a name in the certificate, works too');
    const viaCli = privlab(['fhe', 'infer', '--url', url.replace('https:', 'http:'), '--circuit', 'tls', '--input', queryFile]);
    assert.notEqual(viaCli.status, 0);
    assert.match(viaCli.stderr, /cannot reach .*use https:\/\//);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited();
    await plain.close();
    fm.dispose();
  }
});

test('fhe serve beyond 127.0.0.1: refused without TLS unless --insecure-public; --tls-cert needs --tls-key', async () => {
  const m = smallModel(22, [4, 3], ['linear'], { weight: 2, activation: 3, input: 2 }, 40);
  const fm = compile(m.model, m.inputs, { parameterSet: defaultParameterSetName(3), name: 'bind' });
  const circuitFile = path.join(dir, 'bind.json');
  fs.writeFileSync(circuitFile, circuitToJson(fm.circuit));
  try {
    // 127.0.0.2 is this machine too (Linux routes 127/8 to lo), but not the address the guard trusts
    await assert.rejects(FheService.start({ circuits: [fm.circuit], host: '127.0.0.2' }), /refusing to serve on 127\.0\.0\.2 without TLS/);
    await assert.rejects(FheService.start({ circuits: [fm.circuit], host: '0.0.0.0', insecurePublic: true }), /needs the names clients use/);
    const r = privlab(['fhe', 'serve', '--circuit', circuitFile, '--host', '127.0.0.2', '--port', '0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /refusing to serve on 127\.0\.0\.2 without TLS.*--insecure-public/);
    const half = privlab(['fhe', 'serve', '--circuit', circuitFile, '--tls-cert', path.join(dir, 'cert.pem')]);
    assert.notEqual(half.status, 0);
    assert.match(half.stderr, /--tls-cert and --tls-key go together/);

    const open = await FheService.start({ circuits: [fm.circuit], host: '127.0.0.2', insecurePublic: true, hostNames: ['lab.example'] });
    try {
      assert.match(open.url, /^http:\/\/127\.0\.0\.2:\d+$/);
      const probe = { what: 'probe', timeoutSeconds: 30, maxResponseBytes: 1 << 20 };
      assert.equal((await httpRequest(`${open.url}/circuits`, probe)).status, 200);
      const port = new URL(open.url).port;
      const named = await httpRequest(`${open.url}/circuits`, { ...probe, headers: { Host: `lab.example:${port}` } });
      assert.equal(named.status, 200, 'a --host-name is accepted in Host');
      const other = await httpRequest(`${open.url}/circuits`, { ...probe, headers: { Host: `evil.example:${port}` } });
      assert.equal(other.status, 403, 'other names are not');
    } finally {
      await open.close();
    }
  } finally {
    fm.dispose();
  }
});
