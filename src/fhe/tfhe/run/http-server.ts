/**
 * `privlab fhe serve`: the server role over HTTP on localhost. It holds compiled circuits
 * and the evaluation keys clients upload — never a secret key: the only key format it
 * accepts is the evaluation-key file (bootstrapping + key-switching keys), validated and
 * checked against the circuit's parameter set before use.
 *
 *   GET    /circuits                       list of circuits
 *   GET    /circuits/NAME                  the client spec (parameters, input/output codecs)
 *   POST   /circuits/NAME/keys             evaluation-key file → 201 { keyId, token }
 *   DELETE /circuits/NAME/keys/ID          forget those keys              (Authorization: Bearer TOKEN)
 *   POST   /circuits/NAME/infer?keys=ID    ciphertext batch → ciphertext batch (Authorization: Bearer TOKEN)
 *
 * Clients are kept apart by a capability: the upload answers with a random token, and only
 * its holder can use or delete those keys (the key id alone, which logs show, is not
 * enough). Key sets are a quota (maxKeySets per circuit, idle ones expire), not a queue that
 * evicts other clients' keys. Requests must name this server in Host and carry no foreign
 * Origin, and bodies must be application/octet-stream (src/util/local-http-guard.ts: a web
 * page cannot drive the server); a body that stalls is cut off, and at most
 * maxConcurrentUploads bodies are read at once.
 *
 * Bad requests get a 4xx with { error } and the server keeps serving: 400 malformed
 * body, 401/403 missing or wrong token, foreign Host or Origin, 404 unknown
 * circuit/keys/route, 405 wrong method, 408 stalled body, 413 body over the limit (derived
 * from the circuit: the exact key size, or max samples × ciphertexts), 415 wrong content
 * type, 422 keys or ciphertexts of another parameter set, 503 key quota full or too many
 * uploads at once. Inferences run one at a time (the evaluator already uses every core).
 *
 * It serves 127.0.0.1 by default, over plain HTTP. With `tls` (a certificate and its key,
 * PEM) it speaks HTTPS instead (node:https). Beyond the loopback interface it refuses to
 * start without TLS — tokens and key ids would cross the network in the clear — unless
 * `insecurePublic` says so explicitly (e.g. behind a TLS proxy on the same host).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { FheCircuit, circuitId, clientSpec, inputCiphertexts, pbsCount } from '../compile/circuit';
import { bootstrapKeySize } from '../core/lwe_bootstrap_key_generation';
import { keyswitchKeySize } from '../core/lwe_keyswitch_key_generation';
import { EvaluationKeyFormatError } from '../core/evaluation_key_file';
import { parseShortintEvaluationKeys } from '../shortint/evaluation_keys';
import { CiphertextFormatError } from '../shortint/ciphertext';
import { CircuitServer, WrongKeySetError } from './server';
import { BatchFormatError } from './wire';
import { DRAIN_LIMIT, HttpError, drainBody, readBody } from '../../../util/http-body';
import { checkHostAndOrigin, ownHostNames, requireBinaryBody, setConnectionTimeouts } from '../../../util/local-http-guard';

export interface FheServiceOptions {
  circuits: FheCircuit[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Samples per inference request. Default 16. */
  maxSamples?: number;
  /** Key sets held at once per circuit; an upload beyond it is refused (503), nobody's keys are evicted. Default 4. */
  maxKeySets?: number;
  /** Key sets unused this long are forgotten. Default 3600 s. */
  keyIdleSeconds?: number;
  /** A request body that sends nothing for this long is cut off (408). Default 30,000 ms. */
  bodyIdleMs?: number;
  /** Bodies read at once (uploads beyond get 503). Default 4. */
  maxConcurrentUploads?: number;
  threads?: number;
  /** Serve HTTPS with this certificate (chain) and private key, PEM. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Bind beyond 127.0.0.1 / ::1 without TLS (default: refused). */
  insecurePublic?: boolean;
  /**
   * More host names (without the port) clients may use in Host, e.g. the DNS name of a public
   * server's certificate; loopback binds accept 127.0.0.1, localhost and [::1] already.
   */
  hostNames?: string[];
  log?: (line: string) => void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

interface Hosted {
  circuit: FheCircuit;
  id: string;
  keyLimit: number;
  batchLimit: number;
  keys: Map<string, KeySet>;
}

/** A client's uploaded evaluation keys, usable only with the token given at upload. */
interface KeySet {
  server: CircuitServer;
  /** SHA-256 of the token (the token itself is not kept). */
  tokenHash: Buffer;
  lastUsed: number;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Bytes of one serialized tfhe ciphertext for these parameters (bincode: see tfhe/ciphertext.ts). */
function ciphertextBytes(c: FheCircuit): number {
  return 8 * (c.params.glweDimension * c.params.polynomialSize + 1) + 72;
}

function classify(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof WrongKeySetError) return new HttpError(422, `wrong key set: ${e.message}`);
  const msg = (e as Error).message ?? String(e);
  if (e instanceof BatchFormatError && /another parameter set|message\/carry modulus/.test(msg)) return new HttpError(422, msg);
  if (e instanceof EvaluationKeyFormatError || e instanceof BatchFormatError || e instanceof CiphertextFormatError || e instanceof RangeError)
    return new HttpError(400, msg);
  return new HttpError(500, `internal error: ${msg}`);
}

export class FheService {
  private readonly hosted = new Map<string, Hosted>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly server: http.Server | https.Server;
  private hostNames = new Set<string>();
  private uploads = 0;

  private constructor(private readonly o: FheServiceOptions) {
    const maxSamples = o.maxSamples ?? 16;
    for (const c of o.circuits) {
      if (this.hosted.has(c.name)) throw new RangeError(`two circuits are named "${c.name}"`);
      const keyWords = bootstrapKeySize(c.params) + keyswitchKeySize(c.params);
      this.hosted.set(c.name, {
        circuit: c,
        id: circuitId(c),
        keyLimit: 8 * keyWords + 64 * 1024,
        batchLimit: 12 + maxSamples * inputCiphertexts(c) * (4 + ciphertextBytes(c)),
        keys: new Map(),
      });
    }
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.handle(req, res);
    this.server = o.tls ? https.createServer({ cert: o.tls.cert, key: o.tls.key }, handler) : http.createServer(handler);
    // a failed handshake is usually a plain-HTTP client on the HTTPS port: say so in the log
    this.server.on('tlsClientError', (e: Error & { code?: string }, socket: { remoteAddress?: string }) =>
      this.log(
        `TLS handshake with ${socket.remoteAddress ?? '?'} failed: ${e.code ?? e.message}${/http request/i.test(e.message) ? ' (a plain-HTTP request on the HTTPS port)' : ''}`,
      ),
    );
    setConnectionTimeouts(this.server);
  }

  static async start(o: FheServiceOptions): Promise<FheService> {
    if (o.circuits.length === 0) throw new RangeError('fhe serve needs at least one circuit');
    const host = o.host ?? '127.0.0.1';
    if (!LOOPBACK.has(host) && !o.tls && !o.insecurePublic)
      throw new RangeError(
        `refusing to serve on ${host} without TLS (tokens and ciphertexts would cross the network in the clear): give a certificate and key (--tls-cert, --tls-key), or --insecure-public if a TLS proxy on this host fronts the server`,
      );
    if ((host === '0.0.0.0' || host === '::') && !o.hostNames?.length)
      throw new RangeError(
        `listening on every interface (${host}) needs the names clients use for this server (--host-name NAME), which Host is checked against`,
      );
    const s = new FheService(o);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
    });
    const port = (s.server.address() as AddressInfo).port;
    s.hostNames = ownHostNames(host, port);
    for (const n of o.hostNames ?? []) s.hostNames.add(`${n}:${port}`.toLowerCase());
    return s;
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `${this.o.tls ? 'https' : 'http'}://${host}:${a.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Request bodies being read right now (at most maxConcurrentUploads). */
  get uploadsInProgress(): number {
    return this.uploads;
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = process.hrtime.bigint();
    let status = 200;
    try {
      checkHostAndOrigin(req, this.hostNames);
      status = await this.route(req, res);
    } catch (e) {
      const err = classify(e);
      status = err.status;
      const body = JSON.stringify({ error: err.message });
      const drained = await drainBody(req, DRAIN_LIMIT);
      res.writeHead(err.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...(drained ? {} : { Connection: 'close' }) });
      res.end(body);
      if (err.status === 500) this.log(`error: ${(e as Error).stack ?? String(e)}`);
    }
    this.log(`${req.method} ${req.url} → ${status} (${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms)`);
  }

  private json(res: http.ServerResponse, status: number, v: unknown): number {
    const body = JSON.stringify(v);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return status;
  }

  private circuit(raw: string): Hosted {
    let name: string;
    try {
      name = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, 'malformed circuit name in the path');
    }
    const h = this.hosted.get(name);
    if (!h) throw new HttpError(404, `unknown circuit "${name.slice(0, 64)}" (this server has: ${[...this.hosted.keys()].join(', ')})`);
    return h;
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    const allow = (m: string): void => {
      if (method !== m) throw new HttpError(405, `${url.pathname} takes ${m}, not ${method}`);
    };
    if (parts[0] !== 'circuits') throw new HttpError(404, `no route ${url.pathname}`);
    if (parts.length === 1) {
      allow('GET');
      return this.json(
        res,
        200,
        [...this.hosted.values()].map((h) => ({
          name: h.circuit.name,
          id: h.id,
          parameterSet: h.circuit.parameterSet,
          inputs: h.circuit.input.features,
          outputs: h.circuit.output.features,
          pbs: pbsCount(h.circuit),
        })),
      );
    }
    const h = this.circuit(parts[1]);
    if (parts.length === 2) {
      allow('GET');
      return this.json(res, 200, clientSpec(h.circuit));
    }
    if (parts[2] === 'keys' && parts.length === 3) {
      allow('POST');
      requireBinaryBody(req);
      this.expireIdleKeys(h);
      const max = this.o.maxKeySets ?? 4;
      if (h.keys.size >= max) {
        // Key files (100+ MB) exceed the generic drain limit: read this one to its end, bounded
        // by the circuit's key size, so a client still uploading reads the 503, not a broken pipe.
        await drainBody(req, h.keyLimit);
        throw new HttpError(
          503,
          `circuit "${h.circuit.name}" holds ${h.keys.size} key sets, its quota: delete yours when done (idle ones expire after ${this.o.keyIdleSeconds ?? 3600} s)`,
        );
      }
      const body = await this.readBodyGuarded(req, h.keyLimit);
      const server = CircuitServer.create(h.circuit, parseShortintEvaluationKeys(body));
      // re-checked: another upload may have filled the quota while this one was read
      if (h.keys.size >= max) throw new HttpError(503, `circuit "${h.circuit.name}" holds ${h.keys.size} key sets, its quota`);
      const keyId = randomBytes(12).toString('hex');
      const token = randomBytes(24).toString('base64url');
      h.keys.set(keyId, { server, tokenHash: sha256(token), lastUsed: Date.now() });
      return this.json(res, 201, { keyId, token, circuit: h.circuit.name, circuitId: h.id });
    }
    if (parts[2] === 'keys' && parts.length === 4) {
      allow('DELETE');
      this.keySet(h, parts[3], req);
      h.keys.delete(parts[3]);
      res.writeHead(204).end();
      return 204;
    }
    if (parts[2] === 'infer' && parts.length === 3) {
      allow('POST');
      requireBinaryBody(req);
      const server = this.keySet(h, url.searchParams.get('keys') ?? '', req).server;
      const body = await this.readBodyGuarded(req, h.batchLimit);
      const t0 = process.hrtime.bigint();
      let started = t0;
      // one evaluation at a time; a failed one does not block the next
      const run = this.queue.then(() => {
        started = process.hrtime.bigint();
        return server.evaluateBatch(body, this.o.maxSamples ?? 16, { threads: this.o.threads });
      });
      this.queue = run.catch(() => undefined);
      const { answer, samples } = await run;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': answer.length,
        // the server's time on the request: waiting for earlier evaluations, then evaluating
        'X-Server-Seconds': seconds.toFixed(4),
        'X-Queue-Seconds': (Number(started - t0) / 1e9).toFixed(4),
        'X-Samples': String(samples),
      });
      res.end(answer);
      return 200;
    }
    throw new HttpError(404, `no route ${url.pathname}`);
  }

  /** The key set `keyId` of circuit `h`, if the request holds its token (Authorization: Bearer TOKEN). */
  private keySet(h: Hosted, keyId: string, req: http.IncomingMessage): KeySet {
    const set = h.keys.get(keyId);
    if (!set)
      throw new HttpError(404, `no keys "${keyId.slice(0, 64)}" for circuit "${h.circuit.name}": upload them first (POST /circuits/${h.circuit.name}/keys)`);
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!m) throw new HttpError(401, `keys "${keyId}" need the token their upload returned (Authorization: Bearer TOKEN)`);
    if (!timingSafeEqual(sha256(m[1]), set.tokenHash)) throw new HttpError(403, `wrong token for keys "${keyId}"`);
    set.lastUsed = Date.now();
    return set;
  }

  private expireIdleKeys(h: Hosted): void {
    const cutoff = Date.now() - 1000 * (this.o.keyIdleSeconds ?? 3600);
    for (const [id, set] of h.keys) if (set.lastUsed < cutoff) h.keys.delete(id);
  }

  /** readBody within the upload limits: a slot among maxConcurrentUploads, and an idle timeout while the body arrives. */
  private async readBodyGuarded(req: http.IncomingMessage, limit: number): Promise<Uint8Array> {
    if (this.uploads >= (this.o.maxConcurrentUploads ?? 4))
      throw new HttpError(503, `${this.uploads} uploads in progress, the most this server reads at once: try again shortly`);
    this.uploads++;
    const idleMs = this.o.bodyIdleMs ?? 30_000;
    // A stalled body is cut off: the socket is destroyed, and the read fails with that reason.
    req.setTimeout(idleMs, () => req.destroy(new HttpError(408, `no body data for ${idleMs} ms`)));
    try {
      return await readBody(req, limit);
    } finally {
      req.setTimeout(0);
      this.uploads--;
    }
  }
}
