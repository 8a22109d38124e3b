/**
 * readBody and drainBody on a real HTTP server in this process, fed by raw sockets so the test
 * controls what the client declares (Content-Length or chunked) and how much it actually sends.
 * Expectations are written from the HTTP framing, not from the functions: the bytes a client sent
 * come back unchanged; a body one byte over the limit is refused with 413 whether the limit is
 * crossed by the declared length (before any byte is read) or while it streams in.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { DRAIN_LIMIT, HttpError, bytesBody, drainBody, readBody } from '../../src/util/http-body';

type Handler = (req: http.IncomingMessage) => Promise<unknown>;
let handler: Handler = async () => undefined;
/** What the handler resolved or rejected with, per request. */
const outcomes: Array<{ value?: unknown; error?: unknown }> = [];

const server = http.createServer((req, res) => {
  handler(req).then(
    (value) => {
      outcomes.push({ value });
      res.end('ok');
    },
    (error) => {
      outcomes.push({ error });
      res.statusCode = error instanceof HttpError ? error.status : 500;
      res.end();
    },
  );
});
const listening = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
after(() => server.close());

/** Sends `head` then the body parts (each after a short pause), returns when the handler has finished. */
async function send(head: string, parts: Buffer[] = []): Promise<{ value?: unknown; error?: unknown }> {
  const port = await listening;
  const before = outcomes.length;
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined); // a refused upload may be cut off: the outcome is what is checked
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(head);
  for (const p of parts) {
    await new Promise((r) => setTimeout(r, 5));
    if (socket.destroyed) break;
    socket.write(p);
  }
  for (let i = 0; outcomes.length === before && i < 400; i++) await new Promise((r) => setTimeout(r, 10));
  socket.destroy();
  assert.equal(outcomes.length, before + 1, 'the handler finished');
  return outcomes[before];
}

const fixed = (length: number): string => `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`;
const chunkedHead = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
const chunk = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
const lastChunk = Buffer.from('0\r\n\r\n');

test('readBody: the bytes sent, in pieces or chunked, up to exactly the limit', async () => {
  const body = randomBytes(3000);
  handler = (req) => readBody(req, 3000);
  const a = await send(fixed(3000), [body.subarray(0, 1000), body.subarray(1000, 2999), body.subarray(2999)]);
  assert.deepEqual(Buffer.from(a.value as Uint8Array), body);
  const b = await send(chunkedHead, [chunk(body.subarray(0, 1500)), chunk(body.subarray(1500)), lastChunk]);
  assert.deepEqual(Buffer.from(b.value as Uint8Array), body);
  const empty = await send(fixed(0));
  assert.equal((empty.value as Uint8Array).length, 0);
});

test('readBody: one byte over the limit is a 413, by declared length before any byte arrives, or while streaming', async () => {
  let sawData = false;
  handler = (req) => {
    req.once('data', () => (sawData = true));
    return readBody(req, 3000);
  };
  const declared = await send(fixed(3001));
  assert.ok(declared.error instanceof HttpError);
  assert.equal((declared.error as HttpError).status, 413);
  assert.match((declared.error as HttpError).message, /3001 bytes exceeds the limit of 3000/);
  assert.equal(sawData, false, 'refused on the header alone');

  handler = (req) => readBody(req, 3000);
  const streamed = await send(chunkedHead, [chunk(randomBytes(2000)), chunk(randomBytes(1001)), lastChunk]);
  assert.ok(streamed.error instanceof HttpError);
  assert.equal((streamed.error as HttpError).status, 413);
  assert.match((streamed.error as HttpError).message, /exceeds the limit of 3000 bytes/);
});

test('drainBody: true when the rest ends within max (the bytes are dropped), false beyond it, by declaration or by stream', async () => {
  handler = (req) => drainBody(req, 4000);
  assert.equal((await send(fixed(4000), [randomBytes(2000), randomBytes(2000)])).value, true);
  assert.equal((await send(chunkedHead, [chunk(randomBytes(4000)), lastChunk])).value, true);
  assert.equal((await send(fixed(4001))).value, false);
  assert.equal((await send(chunkedHead, [chunk(randomBytes(3000)), chunk(randomBytes(1001))])).value, false);
  // After readBody has taken the whole body, nothing is left to drain.
  handler = async (req) => {
    await readBody(req, 100);
    return drainBody(req, 0);
  };
  assert.equal((await send(fixed(10), [randomBytes(10)])).value, true);
  assert.ok(DRAIN_LIMIT >= 1024 * 1024, 'a refused upload of a megabyte is still drained so its client sees the answer');
});

test('bytesBody: the same bytes object (no copy), usable as a fetch body', async () => {
  const bytes = randomBytes(100);
  const body = bytesBody(bytes);
  assert.equal(body as unknown, bytes as unknown);
  assert.deepEqual(Buffer.from(await new Response(body).arrayBuffer()), bytes);
});
