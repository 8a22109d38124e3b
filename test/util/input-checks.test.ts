/**
 * Input checks of src/util that the other util tests leave unexercised in their own process,
 * each checked against an expectation made outside the code under test:
 *
 * - gunzipCapped with `sizeFromPrefix`: a gzip built here with node's zlib whose IDX header
 *   (written by hand) declares more than the limit is refused by the documented message even
 *   though the first PREFIX_IN (1024) compressed bytes end mid-stream (zlib itself confirms it).
 * - unzipCapped: zips written by test/support/crafted.ts's writer (stored and deflate members via node's
 *   zlib.deflateRawSync, CRC-32 computed bit by bit and checked against its published check value)
 *   come back byte for byte when larger than the 16 KiB feeding step; non-zips, too many
 *   members, duplicate members, a cut archive and an exhausted budget are refused with the documented messages.
 * - drainBody on a destroyed request, httpRequest's scheme hints and broken answers against raw
 *   sockets whose behaviour the test controls; the messages are written out in full.
 * - The CLI's SIGINT / SIGTERM handlers in this process (process.exit stubbed, other listeners
 *   set aside and restored), a scope's race, and the exact lines the handlers write.
 * - SeededRng.setState against xoshiro128**'s reference outputs for the state [1, 2, 3, 4]
 *   (worked out by hand from the published step), nextInt's bound, and balanced counts over 60 000 draws.
 * - selfSignedCertificate's certificate read with node:crypto, and its messages when openssl fails or is missing.
 * - The tensor frame against bytes assembled here from the documented layout (float bits written
 *   as hex), and the exact messages for malformed frames.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { getEventListeners } from 'node:events';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { CompressedFormatError, DecompressionLimitError, gunzipCapped, unzipCapped } from '../../src/util/capped-inflate';
import { drainBody } from '../../src/util/http-body';
import { httpRequest } from '../../src/util/http-request';
import { InterruptedError, installCliInterruptHandlers, interruptScope, openInterruptScopes, requestInterrupt } from '../../src/util/interrupt';
import { SeededRng } from '../../src/util/rng';
import { selfSignedCertificate } from '../../src/util/self-signed';
import { TensorFrameError, decodeTensorFrame, encodeTensorFrame } from '../../src/util/tensor-frame';
import { throwsExactly } from '../support/throws';
import { crc32, zipOf } from '../support/crafted';
import { tmpDir } from '../support/tmp';

// ---------------------------------------------------------------- gunzipCapped, sizeFromPrefix

/** An IDX (ubyte, 3 dims) header: magic 00 00 08 03, then the dims as big-endian u32. */
function idxHeader(n: number, rows: number, cols: number): Buffer {
  const h = Buffer.alloc(16);
  h.set([0, 0, 8, 3], 0);
  h.writeUInt32BE(n, 4);
  h.writeUInt32BE(rows, 8);
  h.writeUInt32BE(cols, 12);
  return h;
}

/** The IDX file's total length by its header: 16 + n·rows·cols; undefined until 16 bytes are in. */
function idxSize(prefix: Uint8Array): number | undefined {
  if (prefix.length < 16) return undefined;
  const b = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  assert.deepEqual([...b.subarray(0, 4)], [0, 0, 8, 3], 'an IDX header');
  return 16 + b.readUInt32BE(4) * b.readUInt32BE(8) * b.readUInt32BE(12);
}

test('gunzipCapped: a header declaring more than the limit is refused early, even when the 1 KB prefix ends mid-stream', () => {
  // 10 images of 28x28 random (incompressible) bytes: 16 + 7840 = 7856 bytes, gzip ~7.9 KB.
  const file = Buffer.concat([idxHeader(10, 28, 28), randomBytes(7840)]);
  const gz = zlib.gzipSync(file);
  assert.ok(gz.length > 4 * 1024, 'the gzip is longer than the prefix');
  assert.throws(() => zlib.gunzipSync(gz.subarray(0, 1024)), /unexpected end of file/, 'the prefix alone is a truncated stream');

  assert.throws(() => gunzipCapped(gz, 'train.gz', { maxBytes: 5000, sizeFromPrefix: idxSize }), {
    name: 'DecompressionLimitError',
    message: 'train.gz: header declares 7856 bytes, above the limit of 5000',
  });
  // Within the limit: the whole file, byte for byte.
  assert.deepEqual(gunzipCapped(gz, 'train.gz', { maxBytes: 7856, sizeFromPrefix: idxSize }), file);
  // A header that declares fewer bytes than the stream holds: the cap is the declared size.
  const lying = zlib.gzipSync(Buffer.concat([idxHeader(1, 28, 28), randomBytes(7840)]));
  throwsExactly(
    () => gunzipCapped(lying, 'lying.gz', { maxBytes: 100_000, sizeFromPrefix: idxSize }),
    DecompressionLimitError,
    'lying.gz: decompresses to more than 800 bytes (its header declares 800 bytes)',
  );
});

// ---------------------------------------------------------------- unzipCapped

interface PlainMember {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

/** A well-formed zip of these members (test/support/crafted.ts's writer): deflated ones through node's zlib, each with its CRC-32. */
function makeZip(members: PlainMember[]): Buffer {
  return zipOf(
    members.map((m) => ({
      name: m.name,
      data: m.deflate ? zlib.deflateRawSync(m.data) : m.data,
      method: m.deflate ? 8 : 0,
      declaredSize: m.data.length,
      crc: crc32(m.data),
    })),
  );
}

const all = (): boolean => true;

test('crc32 (of the zip writer): the published check value of "123456789"', () => {
  assert.equal(crc32(Buffer.from('123456789', 'latin1')), 0xcbf43926);
});

test('unzipCapped: stored and deflate members of a zip several 16 KiB steps long come back byte for byte; the filter skips', () => {
  const stored = randomBytes(40_000);
  const patterned = Uint8Array.from({ length: 60_000 }, (_, i) => (i * 7) % 251);
  const noisy = randomBytes(20_000); // deflate of random bytes: stored blocks, ~20 KB compressed
  const last = randomBytes(3000);
  const zip = makeZip([
    { name: 'a.npy', data: stored },
    { name: 'b.npy', data: patterned, deflate: true },
    { name: 'skip.txt', data: Buffer.from('not wanted') },
    { name: 'c.npy', data: noisy, deflate: true },
    { name: 'd.npy', data: last },
  ]);
  assert.ok(zip.length > 3 * 16 * 1024, `${zip.length} bytes: the push loop runs several times`);
  const out = unzipCapped(zip, 'w.npz', { maxBytes: 1 << 20, maxMembers: 5, filter: (n) => n.endsWith('.npy') });
  assert.deepEqual(Object.keys(out).sort(), ['a.npy', 'b.npy', 'c.npy', 'd.npy']);
  assert.deepEqual(Buffer.from(out['a.npy']), stored);
  assert.deepEqual(Buffer.from(out['b.npy']), Buffer.from(patterned));
  assert.deepEqual(Buffer.from(out['c.npy']), noisy);
  assert.deepEqual(Buffer.from(out['d.npy']), last);
  // A one-member zip shorter than one step.
  const small = unzipCapped(makeZip([{ name: 'x', data: Buffer.from('hello') }]), 's.zip', { maxBytes: 5, maxMembers: 1, filter: all });
  assert.deepEqual(Buffer.from(small.x).toString('latin1'), 'hello');
});

test('unzipCapped: no members, too many, a duplicate, and a budget spent are refused by message', () => {
  const expectFail = (zip: Uint8Array, o: { maxBytes?: number; maxMembers?: number }, name: string, message: string): void => {
    assert.throws(() => unzipCapped(zip, 'z.zip', { maxBytes: o.maxBytes ?? 1 << 20, maxMembers: o.maxMembers ?? 10, filter: all }), { name, message });
  };
  expectFail(new Uint8Array(0), {}, 'CompressedFormatError', 'z.zip: not a zip archive (no members found)');
  expectFail(Buffer.from('just some text, no zip signature in it'), {}, 'CompressedFormatError', 'z.zip: not a zip archive (no members found)');
  const three = makeZip(['a', 'b', 'c'].map((name) => ({ name, data: Buffer.from(name) })));
  expectFail(three, { maxMembers: 2 }, 'DecompressionLimitError', 'z.zip: more than 2 members');
  assert.equal(Object.keys(unzipCapped(three, 'z.zip', { maxBytes: 3, maxMembers: 3, filter: all })).length, 3, 'exactly maxMembers, exactly maxBytes');
  const twice = makeZip([
    { name: 'a.bin', data: Buffer.from('one') },
    { name: 'a.bin', data: Buffer.from('two'), deflate: true },
  ]);
  expectFail(twice, {}, 'CompressedFormatError', 'z.zip: member a.bin appears twice');
  const big = makeZip([
    { name: 'a.bin', data: randomBytes(40_000) },
    { name: 'b.bin', data: randomBytes(40_000), deflate: true },
  ]);
  expectFail(big, { maxBytes: 50_000 }, 'DecompressionLimitError', 'z.zip:b.bin: decompresses to more than 10000 bytes (the limit left is 10000 bytes)');
  // Cut inside b.bin's stored data (a.bin is 30 + 5 + 40000 bytes, b.bin's data runs to 70070): the last step says so.
  expectFail(
    makeZip([
      { name: 'a.bin', data: randomBytes(40_000) },
      { name: 'b.bin', data: randomBytes(30_000) },
    ]).subarray(0, 60_000),
    {},
    'CompressedFormatError',
    'z.zip: not a valid zip archive (invalid zip data)',
  );
  assert.ok(new CompressedFormatError('f', 'p') instanceof Error);
});

// ---------------------------------------------------------------- drainBody, httpRequest

test('drainBody: a request already destroyed before its end was read is not drained (false); a complete one is (true)', async () => {
  const req = new http.IncomingMessage(new net.Socket());
  assert.equal(req.complete, false);
  req.destroy();
  assert.equal(await drainBody(req, 1000), false);
  const done = new http.IncomingMessage(new net.Socket());
  done.complete = true;
  done.destroy();
  assert.equal(await drainBody(done, 1000), true);
});

/** A TCP server that reads the request and then does `answer` with the raw socket. */
async function rawServer(answer: (socket: net.Socket) => void): Promise<{ url: string; close: () => void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => answer(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const base = { what: 'probe', timeoutSeconds: 10, maxResponseBytes: 1000 };

test('httpRequest: an http:// request to a server that resets or answers TLS bytes gets the https hint; a broken answer is named', async () => {
  const hint = ': if the server was started with --tls-cert, use https://';
  const reset = await rawServer((s) => s.resetAndDestroy());
  try {
    await assert.rejects(httpRequest(`${reset.url}/`, base), { message: `probe: cannot reach ${reset.url} (ECONNRESET)${hint}` });
  } finally {
    reset.close();
  }
  // What a TLS server sends to a plain-HTTP client: an alert record (21, TLS 1.0, length 2, fatal, protocol_version).
  const tls = await rawServer((s) => s.end(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])));
  try {
    await assert.rejects(httpRequest(`${tls.url}/`, base), { message: `probe: cannot reach ${tls.url} (HPE_INVALID_CONSTANT)${hint}` });
  } finally {
    tls.close();
  }
  const broken = await rawServer((s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
    setTimeout(() => s.destroy(), 20);
  });
  try {
    await assert.rejects(httpRequest(`${broken.url}/`, base), { message: 'probe: the answer broke off (aborted)' });
  } finally {
    broken.close();
  }
  await assert.rejects(httpRequest('ftp://127.0.0.1/', base), { name: 'TypeError', message: 'probe: ftp: URLs are not supported (http:// or https://)' });
});

// ---------------------------------------------------------------- interrupts

const REGISTRY = Symbol.for('privlab.interrupt.registry');

class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

/**
 * Runs `fn` with the CLI's handlers installed in this process, as the only SIGINT / SIGTERM
 * listeners (plus a bystander SIGINT listener when `bystander`), process.exit replaced by a
 * throw, and everything restored afterwards (listeners, exit, the sticky interrupt).
 */
function withCliHandlers(bystander: boolean, fn: (lines: string[], exits: number[], bystanderCalls: () => number) => void): void {
  const saved = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const realExit = process.exit;
  const lines: string[] = [];
  const exits: number[] = [];
  let calls = 0;
  const other = (): void => void calls++;
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.exit = (code?: number | string | null): never => {
    exits.push(Number(code));
    throw new ExitCalled(Number(code));
  };
  const remove = installCliInterruptHandlers((l) => lines.push(l));
  if (bystander) process.on('SIGINT', other);
  try {
    fn(lines, exits, () => calls);
  } finally {
    remove();
    process.removeListener('SIGINT', other);
    process.exit = realExit;
    assert.equal(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM'), 0, 'the remover took the handlers off');
    for (const l of saved.SIGINT) process.on('SIGINT', l as () => void);
    for (const l of saved.SIGTERM) process.on('SIGTERM', l as () => void);
    delete (globalThis as unknown as Record<symbol, { sticky?: string }>)[REGISTRY].sticky;
  }
}

test('CLI handlers in-process: with no loop open and no other listener, SIGINT exits 130 and SIGTERM 143, writing nothing', () => {
  assert.equal(openInterruptScopes(), 0);
  withCliHandlers(false, (lines, exits) => {
    assert.throws(() => process.emit('SIGINT'), ExitCalled);
    assert.deepEqual(exits, [130]);
    assert.deepEqual(lines, []);
  });
  withCliHandlers(false, (lines, exits) => {
    assert.throws(() => process.emit('SIGTERM'), ExitCalled);
    assert.deepEqual(exits, [143]);
    assert.deepEqual(lines, []);
  });
});

test('CLI handlers in-process: with no loop open, another SIGINT listener is left to act; nothing is made sticky', () => {
  withCliHandlers(true, (lines, exits, bystanderCalls) => {
    process.emit('SIGINT');
    process.emit('SIGINT');
    assert.deepEqual(exits, []);
    assert.deepEqual(lines, []);
    assert.equal(bystanderCalls(), 2);
    const later = interruptScope();
    assert.equal(later.signal.aborted, false, 'no sticky interrupt was requested');
    later.dispose();
  });
});

test('CLI handlers in-process: an open loop is asked to stop (sticky) by the first signal; the second quits', () => {
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    withCliHandlers(true, (lines, exits) => {
      const loop = interruptScope();
      try {
        process.emit(sig);
        assert.deepEqual(exits, []);
        assert.deepEqual(lines, [`\nprivlab: ${sig}: stopping after the current step (send it again to quit now)\n`]);
        assert.equal(loop.signal.reason, sig);
        assert.throws(
          () => loop.throwIfInterrupted('epoch 3'),
          (e: unknown) => e instanceof InterruptedError && e.message === `epoch 3 interrupted (${sig})` && e.reason === sig,
        );
        const later = interruptScope();
        assert.equal(later.signal.reason, sig, 'a scope opened after a sticky request starts aborted');
        later.dispose();
        assert.throws(() => process.emit(sig), ExitCalled);
        assert.deepEqual(exits, [code]);
        assert.deepEqual(lines.slice(1), [`\nprivlab: ${sig} again, quitting now\n`]);
      } finally {
        loop.dispose();
      }
    });
  }
});

test('interruptScope.race: resolves with the promise and leaves no abort listener; an interrupt rejects it by name', async () => {
  const s = interruptScope();
  try {
    assert.equal(await s.race(Promise.resolve(7), 'download'), 7);
    assert.equal(getEventListeners(s.signal, 'abort').length, 0, 'the race removed its listener');
    await assert.rejects(s.race(Promise.reject(new Error('boom')), 'download'), { message: 'boom' });
    assert.equal(getEventListeners(s.signal, 'abort').length, 0);
    const pending = s.race(new Promise<never>(() => undefined), 'key upload');
    assert.equal(getEventListeners(s.signal, 'abort').length, 1);
    assert.equal(requestInterrupt('kernel interrupt'), 1);
    await assert.rejects(pending, (e: unknown) => e instanceof InterruptedError && e.message === 'key upload interrupted (kernel interrupt)');
    assert.equal(getEventListeners(s.signal, 'abort').length, 0);
    // A second request keeps the first reason.
    requestInterrupt('SIGTERM');
    assert.equal(s.signal.reason, 'kernel interrupt');
    await assert.rejects(s.race(Promise.resolve(1), 'late'), { message: 'late interrupted (kernel interrupt)' });
  } finally {
    s.dispose();
  }
});

// ---------------------------------------------------------------- SeededRng

test('SeededRng.setState: state [1, 2, 3, 4] gives the xoshiro128** reference outputs; a saved state resumes the stream', () => {
  // By hand: out = rotl(s1·5, 7)·9; s1 = 2 → rotl(10, 7) = 1280 → 11520; the step makes s = [7, 0, 1026, 12288] → 0; ...
  const r = new SeededRng(12345).setState([1, 2, 3, 4]);
  assert.deepEqual(
    Array.from({ length: 6 }, () => r.nextUint32()),
    [11520, 0, 5927040, 70819200, 2031721883, 1637235492],
  );
  const a = new SeededRng(7);
  for (let i = 0; i < 5; i++) a.nextUint32();
  const saved = a.getState();
  const expected = Array.from({ length: 8 }, () => a.nextUint32());
  const b = new SeededRng(99).setState(saved);
  assert.deepEqual(
    Array.from({ length: 8 }, () => b.nextUint32()),
    expected,
  );
  assert.equal(new SeededRng(1).setState([0, 0, 0, 0xffffffff]).getState()[3], 0xffffffff, 'the largest uint32 is accepted');
});

test('SeededRng: invalid states and bounds are refused by message; nextInt stays below its bound and is balanced', () => {
  const r = new SeededRng(3);
  assert.throws(() => r.setState([1, 2, 3]), { name: 'RangeError', message: 'an rng state is four uint32s, got [1,2,3]' });
  assert.throws(() => r.setState([1, 2, 3, 4294967296]), { message: 'an rng state is four uint32s, got [1,2,3,4294967296]' });
  assert.throws(() => r.setState([1, -1, 3, 4]), { message: 'an rng state is four uint32s, got [1,-1,3,4]' });
  assert.throws(() => r.setState([0, 0, 0, 0]), { message: 'an all-zero rng state is invalid for xoshiro128**' });
  assert.throws(() => r.nextInt(0), { name: 'RangeError', message: 'nextInt bound must be an integer in [1, 2^32], got 0' });
  assert.throws(() => r.nextInt(1.5), { message: 'nextInt bound must be an integer in [1, 2^32], got 1.5' });
  assert.throws(() => r.nextInt(4294967297), { message: 'nextInt bound must be an integer in [1, 2^32], got 4294967297' });
  assert.equal(r.nextInt(1), 0);
  const big = r.nextInt(4294967296);
  assert.ok(Number.isInteger(big) && big >= 0 && big < 4294967296);
  const counts = new Array<number>(6).fill(0);
  for (let i = 0; i < 60_000; i++) counts[r.nextInt(6)]++;
  // 10000 expected each; sd = sqrt(60000 · 1/6 · 5/6) ≈ 91: allow 6 sd.
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 550, `counts ${counts}`);
});

// ---------------------------------------------------------------- selfSignedCertificate

test('selfSignedCertificate: a certificate for CN=localhost with 127.0.0.1 and localhost, matching its key; without openssl, a clear message', () => {
  const dir = tmpDir();
  const { cert, key } = selfSignedCertificate(dir);
  assert.equal(cert, path.join(dir, 'cert.pem'));
  assert.equal(key, path.join(dir, 'key.pem'));
  const x = new X509Certificate(fs.readFileSync(cert));
  assert.equal(x.subject, 'CN=localhost');
  assert.equal(x.issuer, 'CN=localhost', 'self-signed');
  assert.match(x.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(x.subjectAltName ?? '', /DNS:localhost/);
  assert.ok(x.checkPrivateKey(createPrivateKey(fs.readFileSync(key))));
  assert.ok(x.checkHost('localhost'));
  // openssl fails (no such folder): node's "Command failed: <command line>", with nothing of openssl's own output in it.
  const missing = path.join(dir, 'missing');
  const command = `openssl req -x509 -newkey rsa:2048 -nodes -keyout ${path.join(missing, 'key.pem')} -out ${path.join(missing, 'cert.pem')} -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost`;
  assert.throws(() => selfSignedCertificate(missing), {
    message: `cannot make a self-signed certificate with openssl (Command failed: ${command}): is openssl installed?`,
  });
  const savedPath = process.env.PATH;
  process.env.PATH = path.join(dir, 'no-such-bin');
  try {
    assert.throws(() => selfSignedCertificate(dir), { message: 'cannot make a self-signed certificate with openssl (ENOENT): is openssl installed?' });
  } finally {
    process.env.PATH = savedPath;
  }
});

// ---------------------------------------------------------------- tensor frame

/** A frame from the documented layout: "PLFL", u16 version 1, u8 kind, u8 0, u32 H, header, pad to 4, float32 LE. */
function frameBytes(kind: number, header: Buffer, floatBits: number[]): Buffer {
  const pre = Buffer.alloc(12);
  pre.write('PLFL', 0, 'latin1');
  pre.writeUInt16LE(1, 4);
  pre.writeUInt8(kind, 6);
  pre.writeUInt32LE(header.length, 8);
  const pad = Buffer.alloc((4 - (header.length % 4)) % 4);
  const data = Buffer.alloc(4 * floatBits.length);
  floatBits.forEach((b, i) => data.writeUInt32LE(b, 4 * i));
  return Buffer.concat([pre, header, pad, data]);
}

const bitsOf = (v: Float32Array): number[] => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
const floatsOf = (bits: number[]): Float32Array => new Float32Array(Uint32Array.from(bits).buffer);

test('tensor frame: encodes to the documented bytes and decodes back, float bits exact (-0, subnormal, max)', () => {
  // 1.5, -0, smallest subnormal, largest finite, 0.1f, -2 | 1, 0, 65504
  const wBits = [0x3fc00000, 0x80000000, 0x00000001, 0x7f7fffff, 0x3dcccccd, 0xc0000000];
  const bBits = [0x3f800000, 0x00000000, 0x477fe000];
  const header = Buffer.from(
    '{"meta":{"round":2,"site":"é"},"tensors":[{"name":"w","shape":[2,3]},{"name":"b","shape":[3]},{"name":"e","shape":[0,4]}]}',
    'utf8',
  );
  const expected = frameBytes(2, header, [...wBits, ...bBits]);
  assert.notEqual(header.length % 4, 0, 'the header needs padding');
  const weights = {
    specs: [
      { name: 'w', shape: [2, 3] },
      { name: 'b', shape: [3] },
      { name: 'e', shape: [0, 4] },
    ],
    values: [floatsOf(wBits), floatsOf(bBits), new Float32Array(0)],
  };
  assert.deepEqual(Buffer.from(encodeTensorFrame('update', { round: 2, site: 'é' }, weights)), expected);
  const back = decodeTensorFrame(expected, { kind: 'update', maxBytes: expected.length });
  assert.equal(back.kind, 'update');
  assert.deepEqual(back.meta, { round: 2, site: 'é' });
  assert.deepEqual(back.weights.specs, weights.specs);
  assert.deepEqual(bitsOf(back.weights.values[0]), wBits);
  assert.deepEqual(bitsOf(back.weights.values[1]), bBits);
  assert.equal(back.weights.values[2].length, 0);
});

test('tensor frame: malformed frames are refused with the exact message, the shape shown as given', () => {
  const bad = (bytes: Uint8Array, message: string | RegExp): void => {
    assert.throws(
      () => decodeTensorFrame(bytes, { kind: 'checkpoint', maxBytes: 1 << 20 }),
      (e: unknown) =>
        e instanceof TensorFrameError && e.name === 'TensorFrameError' && (typeof message === 'string' ? e.message === message : message.test(e.message)),
      `expected ${message}`,
    );
  };
  const withHeader = (text: string | Buffer, floats: number[] = []): Buffer =>
    frameBytes(3, typeof text === 'string' ? Buffer.from(text, 'utf8') : text, floats);
  bad(Buffer.from('PLFL\x01'), 'malformed frame: 5 bytes is shorter than the 12-byte preamble');
  const zipMagic = withHeader('{"meta":{},"tensors":[]}');
  zipMagic.set([0x50, 0x4b, 0x03, 0x04], 0);
  bad(zipMagic, 'malformed frame: bad magic "PK??" (expected "PLFL")');
  bad(withHeader('not json'), /^malformed frame: header is not UTF-8 JSON \(.+\)$/);
  // An invalid UTF-8 byte inside a JSON string: refused, not read as U+FFFD.
  bad(
    withHeader(Buffer.concat([Buffer.from('{"meta":{"k":"'), Buffer.from([0xff]), Buffer.from('"},"tensors":[]}')])),
    'malformed frame: header is not UTF-8 JSON (The encoded data was not valid for encoding utf-8)',
  );
  bad(withHeader('{"meta":{},"tensors":[{"name":"w","shape":[2,-1]}]}'), 'malformed frame: tensor "w" has an invalid shape [2,-1]');
  bad(withHeader('{"meta":{},"tensors":[{"name":"w","shape":[1.5]}]}'), 'malformed frame: tensor "w" has an invalid shape [1.5]');
  bad(withHeader('{"meta":{},"tensors":[{"name":"w"}]}'), 'malformed frame: tensor "w" has an invalid shape undefined');
  bad(withHeader(`{"meta":{},"tensors":[{"name":"w","shape":"${'x'.repeat(100)}"}]}`), `malformed frame: tensor "w" has an invalid shape "${'x'.repeat(79)}`);
  bad(
    withHeader('{"meta":{},"tensors":[{"name":"w","shape":[2]}]}', [0x3f800000]),
    'malformed frame: truncated: tensors up to "w" need 68 bytes, message has 64',
  );
  // The valid frame next to them decodes.
  const ok = withHeader('{"meta":{},"tensors":[{"name":"w","shape":[2]}]}', [0x3f800000, 0x40000000]);
  assert.deepEqual(Array.from(decodeTensorFrame(ok, { kind: 'checkpoint', maxBytes: ok.length }).weights.values[0]), [1, 2]);
});
