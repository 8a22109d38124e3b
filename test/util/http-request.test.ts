/**
 * The client side of privlab's HTTP (src/util/http-request.ts) against a hostile or absent
 * server: answers longer than the cap are refused whether their length is declared or only
 * streamed, a server that never answers hits the deadline, a closed port says it cannot be
 * reached, and the body and headers a caller sends arrive as sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { errorDetail, httpRequest } from '../../src/util/http-request';
import { freePort } from '../support/ports';

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const base = { what: 'probe', timeoutSeconds: 10, maxResponseBytes: 1000 };

test('httpRequest: body and headers arrive; the answer, its status and its { error } come back', async () => {
  const s = await serve((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      res.writeHead(418, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: `${req.method} ${req.headers['x-test']} ${body.length} ${body[2]}` }));
    });
  });
  try {
    const a = await httpRequest(`${s.url}/x`, { ...base, method: 'POST', headers: { 'X-Test': 'yes' }, body: Uint8Array.from([1, 2, 3, 4]) });
    assert.equal(a.status, 418);
    assert.equal(errorDetail(a), 'POST yes 4 3');
  } finally {
    await s.close();
  }
});

test('httpRequest: answers over the cap are refused, declared or streamed', async () => {
  const s = await serve((req, res) => {
    if (req.url === '/declared') {
      res.writeHead(200, { 'Content-Length': '400000000' });
      res.write(Buffer.alloc(100));
      return; // never sends the rest
    }
    res.writeHead(200); // chunked, no length: 10 × 512 bytes
    let n = 0;
    const next = (): void => {
      if (n++ === 10) res.end();
      else res.write(Buffer.alloc(512), () => setTimeout(next, 5));
    };
    next();
  });
  try {
    await assert.rejects(httpRequest(`${s.url}/declared`, base), /probe: the server answered 400000000 bytes, more than the 1000 expected/);
    await assert.rejects(httpRequest(`${s.url}/streamed`, base), /probe: the server's answer exceeds the 1000 bytes expected/);
    assert.equal((await httpRequest(`${s.url}/streamed`, { ...base, maxResponseBytes: 5120 })).body.length, 5120, 'exactly the cap is accepted');
  } finally {
    await s.close();
  }
});

test('httpRequest: a silent server hits the deadline; a closed port and a bad scheme are named', async () => {
  const s = await serve(() => undefined); // reads the request, never answers
  try {
    await assert.rejects(httpRequest(`${s.url}/`, { ...base, timeoutSeconds: 0.5 }), /probe: no answer from http:\/\/127\.0\.0\.1:\d+ within 0\.5 s/);
  } finally {
    await s.close();
  }
  const port = await freePort();
  await assert.rejects(httpRequest(`http://127.0.0.1:${port}/`, base), new RegExp(`probe: cannot reach http://127.0.0.1:${port} \\(ECONNREFUSED\\)`));
  await assert.rejects(httpRequest('ftp://127.0.0.1/', base), TypeError);
});
