/**
 * The checks a local server makes before reading a request. The cases are the requests a browser
 * page would send (DNS rebinding: a foreign Host; a cross-site fetch: a foreign Origin; a form post:
 * a "simple" content type) beside what privlab's own clients send (the server's Host, no Origin,
 * application/octet-stream).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../src/util/http-body';
import { checkHostAndOrigin, ownHostNames, requireBinaryBody, setConnectionTimeouts } from '../../src/util/local-http-guard';

const request = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

function refusedWith(status: number, pattern: RegExp, fn: () => void): void {
  assert.throws(fn, (e: unknown) => e instanceof HttpError && e.status === status && pattern.test(e.message));
}

test('ownHostNames: loopback binds answer to every loopback alias; other hosts only to themselves, IPv6 in brackets', () => {
  const loopback = ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080'];
  for (const host of ['127.0.0.1', 'localhost', '::1']) assert.deepEqual([...ownHostNames(host, 8080)].sort(), [...loopback].sort(), host);
  assert.deepEqual([...ownHostNames('192.168.1.5', 443)], ['192.168.1.5:443']);
  assert.deepEqual([...ownHostNames('fe80::1', 9000)], ['[fe80::1]:9000']);
  assert.deepEqual([...ownHostNames('My-Box.Local', 80)], ['my-box.local:80']);
});

test("checkHostAndOrigin: the server's own Host (any case), with no Origin or its own, passes", () => {
  const hosts = ownHostNames('127.0.0.1', 8080);
  for (const host of ['127.0.0.1:8080', 'LOCALHOST:8080', '[::1]:8080']) checkHostAndOrigin(request({ host }), hosts);
  checkHostAndOrigin(request({ host: 'localhost:8080', origin: 'http://127.0.0.1:8080' }), hosts);
  checkHostAndOrigin(request({ host: 'localhost:8080', origin: 'https://LOCALHOST:8080' }), hosts);
});

test('checkHostAndOrigin: a foreign, missing or other-port Host is 403; so is a foreign or malformed Origin', () => {
  const hosts = ownHostNames('127.0.0.1', 8080);
  refusedWith(403, /Host "evil\.example:8080" is not this server \(requests must name 127\.0\.0\.1:8080\)/, () =>
    checkHostAndOrigin(request({ host: 'evil.example:8080' }), hosts),
  );
  refusedWith(403, /Host "" is not this server/, () => checkHostAndOrigin(request({}), hosts));
  refusedWith(403, /Host "127\.0\.0\.1:8081"/, () => checkHostAndOrigin(request({ host: '127.0.0.1:8081' }), hosts));
  refusedWith(403, /Host "127\.0\.0\.1"/, () => checkHostAndOrigin(request({ host: '127.0.0.1' }), hosts));
  refusedWith(403, /cross-origin request from "http:\/\/evil\.example" refused/, () =>
    checkHostAndOrigin(request({ host: '127.0.0.1:8080', origin: 'http://evil.example' }), hosts),
  );
  refusedWith(403, /cross-origin request from "null" refused/, () => checkHostAndOrigin(request({ host: '127.0.0.1:8080', origin: 'null' }), hosts));
  refusedWith(403, /cross-origin/, () => checkHostAndOrigin(request({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:9999' }), hosts));
  // A very long header is quoted cut to 100 characters, not echoed whole.
  const long = 'a'.repeat(500);
  assert.throws(
    () => checkHostAndOrigin(request({ host: long }), hosts),
    (e: unknown) => e instanceof HttpError && e.message.includes(`"${'a'.repeat(100)}"`) && !e.message.includes('a'.repeat(101)),
  );
});

test('requireBinaryBody: application/octet-stream (any case, with parameters) passes; the simple types a form can post are 415', () => {
  requireBinaryBody(request({ 'content-type': 'application/octet-stream' }));
  requireBinaryBody(request({ 'content-type': 'Application/Octet-Stream; charset=binary' }));
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json'])
    refusedWith(415, new RegExp(`must be application/octet-stream, got "${type.split(';')[0].replace(/[/.+]/g, '\\$&')}"`), () =>
      requireBinaryBody(request({ 'content-type': type })),
    );
  refusedWith(415, /got "none"/, () => requireBinaryBody(request({})));
});

test('setConnectionTimeouts: idle connections outlive a client pause of a minute, headers stay bounded, uploads get 15 minutes', () => {
  const server = http.createServer();
  setConnectionTimeouts(server);
  assert.ok(server.keepAliveTimeout > 60_000, 'longer than the pause between key generation and upload');
  assert.ok(server.headersTimeout > server.keepAliveTimeout, "Node's rule: headersTimeout above keepAliveTimeout");
  assert.equal(server.requestTimeout, 15 * 60 * 1000);
});
