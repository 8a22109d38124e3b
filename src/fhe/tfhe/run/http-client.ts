/**
 * `privlab fhe infer`: the client role against a `privlab fhe serve` server. It fetches
 * the circuit's client spec, makes its keys with tfhe, uploads only the evaluation keys,
 * sends encrypted inputs and decrypts the answers. Time per phase: keygen, upload,
 * encrypt, server (as the server measured it), transfer (the rest of each request's
 * round trip), decrypt.
 *
 * RemoteSession is one client's keys on one server (the load benchmark runs several side
 * by side); inferRemote is a whole session over a set of inputs. http:// or https:// (with
 * `ca` for a server whose certificate the system does not trust, e.g. a self-signed one).
 */
import type { Agent } from 'node:http';
import { ClientSpec, parseClientSpec } from '../compile/circuit';
import { FheClient } from './client';
import { dequantizeFeatures } from './codec';
import { HttpAnswer, errorDetail, httpRequest } from '../../../util/http-request';
import { interruptScope } from '../../../util/interrupt';

export interface RemoteTimes {
  keygen_s: number;
  upload_s: number;
  encrypt_s: number;
  server_s: number;
  transfer_s: number;
  decrypt_s: number;
}

export interface RemoteResult {
  spec: ClientSpec;
  keyId: string;
  count: number;
  levels: Int32Array;
  values: Float32Array;
  times: RemoteTimes;
  evaluationKeyBytes: number;
  uploadBytes: number;
  downloadBytes: number;
}

export interface RemoteOptions {
  /** Samples per request. Default 1. */
  batch?: number;
  threads?: number;
  /** Give up on a request (upload, inference) after this long. Default 600 s. */
  timeoutSeconds?: number;
  /** CA certificate(s) (PEM) to trust for an https:// server besides the system's. */
  ca?: string | Buffer;
  /** Connection reuse across requests (default Node's global agents). */
  agent?: Agent;
  log?: (line: string) => void;
}

/** One inference request: the output levels, and where its time went. */
export interface RemoteAnswer {
  levels: Int32Array;
  encrypt_s: number;
  /** The server's own measure of its time on the request (X-Server-Seconds), queue_s of it waiting for earlier evaluations. */
  server_s: number;
  queue_s: number;
  /** Request sent to answer read, server time included. */
  round_trip_s: number;
  decrypt_s: number;
  uploadBytes: number;
  downloadBytes: number;
}

/** Bytes of one serialized tfhe ciphertext for these parameters (bincode: see shortint/ciphertext.ts). */
function ciphertextBytes(spec: ClientSpec): number {
  return 8 * (spec.params.glweDimension * spec.params.polynomialSize + 1) + 72;
}

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** An HTTP failure: its status and the server's message. */
export class RemoteHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteHttpError';
  }
}

function expectOk(a: HttpAnswer, what: string): HttpAnswer {
  if (a.status >= 200 && a.status < 300) return a;
  const detail = errorDetail(a);
  throw new RemoteHttpError(a.status, `${what}: HTTP ${a.status}${detail ? `: ${detail}` : ''}`);
}

/** One client's evaluation keys on a server: open uploads them, infer sends batches, close deletes them. */
export class RemoteSession {
  private closed = false;

  private constructor(
    private readonly base: string,
    readonly spec: ClientSpec,
    private readonly client: FheClient,
    readonly keyId: string,
    private readonly token: string,
    readonly evaluationKeyBytes: number,
    readonly keygen_s: number,
    readonly upload_s: number,
    private readonly o: RemoteOptions,
  ) {}

  private static call(
    url: string,
    o: RemoteOptions,
    what: string,
    init: { method?: string; headers?: Record<string, string>; body?: Uint8Array },
    max: number,
    timeout?: number,
  ) {
    return httpRequest(url, { ...init, what, maxResponseBytes: max, timeoutSeconds: timeout ?? o.timeoutSeconds ?? 600, ca: o.ca, agent: o.agent });
  }

  /** Fetch the circuit's spec, make this client's keys and upload the evaluation keys. */
  static async open(baseUrl: string, circuit: string, o: RemoteOptions = {}): Promise<RemoteSession> {
    const log = o.log ?? (() => undefined);
    const base = `${baseUrl.replace(/\/+$/, '')}/circuits/${encodeURIComponent(circuit)}`;
    const what = `fetching circuit "${circuit}"`;
    const spec = parseClientSpec(Buffer.from(expectOk(await RemoteSession.call(base, o, what, {}, 1 << 20), what).body).toString('utf8'));
    let t0 = process.hrtime.bigint();
    const client = FheClient.create(spec);
    try {
      const keyFile = await client.evaluationKeys(o.threads);
      const keygen_s = seconds(t0);
      log(`keys made in ${keygen_s.toFixed(1)} s; uploading ${(keyFile.length / 1e6).toFixed(1)} MB of evaluation keys`);
      t0 = process.hrtime.bigint();
      const up = 'uploading evaluation keys';
      const answer = expectOk(
        await RemoteSession.call(`${base}/keys`, o, up, { method: 'POST', body: keyFile, headers: { 'Content-Type': 'application/octet-stream' } }, 4096),
        up,
      );
      let grant: { keyId?: unknown; token?: unknown } = {};
      try {
        grant = JSON.parse(Buffer.from(answer.body).toString('utf8')) as typeof grant;
      } catch {
        /* checked below */
      }
      if (typeof grant.keyId !== 'string' || typeof grant.token !== 'string') throw new Error(`${up}: the server answered without a key id and token`);
      return new RemoteSession(base, spec, client, grant.keyId, grant.token, keyFile.length, keygen_s, seconds(t0), o);
    } catch (e) {
      client.dispose();
      throw e;
    }
  }

  /** Encrypt float inputs [n × features], have the server evaluate them, decrypt. */
  async infer(x: ArrayLike<number>): Promise<RemoteAnswer> {
    if (this.closed) throw new Error('this session is closed');
    const features = this.spec.input.features;
    if (x.length === 0 || x.length % features)
      throw new RangeError(`circuit "${this.spec.name}" takes ${features} features per sample, got ${x.length} values`);
    const n = x.length / features;
    let t0 = process.hrtime.bigint();
    const query = this.client.encrypt(x);
    const encrypt_s = seconds(t0);
    t0 = process.hrtime.bigint();
    // at most what n samples' outputs take (digits × ciphertexts, plus the batch header)
    const max = 64 + n * this.spec.output.features * this.spec.output.digits * (4 + ciphertextBytes(this.spec));
    const r = expectOk(
      await RemoteSession.call(
        `${this.base}/infer?keys=${encodeURIComponent(this.keyId)}`,
        this.o,
        'inference',
        { method: 'POST', body: query, headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${this.token}` } },
        max,
      ),
      'inference',
    );
    const round_trip_s = seconds(t0);
    t0 = process.hrtime.bigint();
    const levels = this.client.decryptLevels(r.body);
    if (levels.length !== n * this.spec.output.features) throw new Error(`inference: the server answered ${levels.length} outputs for ${n} samples`);
    return {
      levels,
      encrypt_s,
      server_s: Number(r.headers['x-server-seconds'] ?? 0),
      queue_s: Number(r.headers['x-queue-seconds'] ?? 0),
      round_trip_s,
      decrypt_s: seconds(t0),
      uploadBytes: query.length,
      downloadBytes: r.body.length,
    };
  }

  /** Free this client's place in the server's key quota (best effort: the keys expire anyway), and its secret key. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await RemoteSession.call(
        `${this.base}/keys/${encodeURIComponent(this.keyId)}`,
        this.o,
        'deleting keys',
        { method: 'DELETE', headers: { Authorization: `Bearer ${this.token}` } },
        4096,
        30,
      );
    } catch {
      /* best effort */
    } finally {
      this.client.dispose();
    }
  }
}

/** Run float inputs [count × features] through a remote circuit, encrypted end to end. */
export async function inferRemote(baseUrl: string, circuit: string, x: ArrayLike<number>, o: RemoteOptions = {}): Promise<RemoteResult> {
  const log = o.log ?? (() => undefined);
  const session = await RemoteSession.open(baseUrl, circuit, o);
  try {
    const spec = session.spec;
    const features = spec.input.features;
    if (x.length === 0 || x.length % features) throw new RangeError(`circuit "${circuit}" takes ${features} features per sample, got ${x.length} values`);
    const count = x.length / features;
    const times: RemoteTimes = { keygen_s: session.keygen_s, upload_s: session.upload_s, encrypt_s: 0, server_s: 0, transfer_s: 0, decrypt_s: 0 };
    const batch = o.batch ?? 1;
    const levels = new Int32Array(count * spec.output.features);
    let uploadBytes = session.evaluationKeyBytes;
    let downloadBytes = 0;
    // Ctrl-C / a kernel interrupt: stop between batches (keys left on the server expire there).
    const scope = interruptScope();
    try {
      for (let s = 0; s < count; s += batch) {
        scope.throwIfInterrupted(`encrypted inference on ${baseUrl} (after ${s} of ${count} samples)`);
        const n = Math.min(batch, count - s);
        const a = await session.infer(Array.from({ length: n * features }, (_, i) => x[s * features + i]));
        times.encrypt_s += a.encrypt_s;
        times.server_s += a.server_s;
        times.transfer_s += Math.max(0, a.round_trip_s - a.server_s);
        times.decrypt_s += a.decrypt_s;
        uploadBytes += a.uploadBytes;
        downloadBytes += a.downloadBytes;
        levels.set(a.levels, s * spec.output.features);
        log(`samples ${s + n}/${count}: server ${a.server_s.toFixed(2)} s`);
      }
    } finally {
      scope.dispose();
    }
    const values = dequantizeFeatures(levels, spec.output);
    return { spec, keyId: session.keyId, count, levels, values, times, evaluationKeyBytes: session.evaluationKeyBytes, uploadBytes, downloadBytes };
  } finally {
    await session.close();
  }
}
