/**
 * `privlab fhe serve`: the server role over HTTP on localhost. It holds compiled circuits
 * and the evaluation keys clients upload — never a secret key: the only key format it
 * accepts is the evaluation-key file (bootstrapping + key-switching keys), validated and
 * checked against the circuit's parameter set before use.
 *
 *   GET    /circuits                       list of circuits
 *   GET    /circuits/NAME                  the client spec (parameters, input/output codecs)
 *   POST   /circuits/NAME/keys             evaluation-key file → 201 { keyId }
 *   DELETE /circuits/NAME/keys/ID          forget those keys
 *   POST   /circuits/NAME/infer?keys=ID    ciphertext batch → ciphertext batch
 *
 * Bad requests get a 4xx with { error } and the server keeps serving: 400 malformed
 * body, 404 unknown circuit/keys/route, 405 wrong method, 413 body over the limit
 * (derived from the circuit: the exact key size, or max samples × ciphertexts), 422 keys
 * or ciphertexts of another parameter set. Inferences run one at a time (the evaluator
 * already uses every core).
 */
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
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

export interface FheServiceOptions {
  circuits: FheCircuit[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Samples per inference request. Default 16. */
  maxSamples?: number;
  /** Key sets held at once (oldest dropped first). Default 4. */
  maxKeySets?: number;
  threads?: number;
  log?: (line: string) => void;
}

interface Hosted {
  circuit: FheCircuit;
  id: string;
  keyLimit: number;
  batchLimit: number;
  keys: Map<string, CircuitServer>;
}

/** Bytes of one serialized tfhe ciphertext for these parameters (bincode: see tfhe/ciphertext.ts). */
function ciphertextBytes(c: FheCircuit): number {
  return 8 * (c.params.glweDimension * c.params.polynomialSize + 1) + 72;
}

function classify(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof WrongKeySetError) return new HttpError(422, `wrong key set: ${e.message}`);
  const msg = (e as Error).message ?? String(e);
  if (e instanceof BatchFormatError && /another parameter set|message\/carry modulus/.test(msg)) return new HttpError(422, msg);
  if (e instanceof EvaluationKeyFormatError || e instanceof BatchFormatError || e instanceof CiphertextFormatError || e instanceof RangeError) return new HttpError(400, msg);
  return new HttpError(500, `internal error: ${msg}`);
}

export class FheService {
  private readonly hosted = new Map<string, Hosted>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly server: http.Server;

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
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  static async start(o: FheServiceOptions): Promise<FheService> {
    if (o.circuits.length === 0) throw new RangeError('fhe serve needs at least one circuit');
    const s = new FheService(o);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
    });
    return s;
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = process.hrtime.bigint();
    let status = 200;
    try {
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
      return this.json(res, 200, [...this.hosted.values()].map((h) => ({ name: h.circuit.name, id: h.id, parameterSet: h.circuit.parameterSet, inputs: h.circuit.input.features, outputs: h.circuit.output.features, pbs: pbsCount(h.circuit) })));
    }
    const h = this.circuit(parts[1]);
    if (parts.length === 2) {
      allow('GET');
      return this.json(res, 200, clientSpec(h.circuit));
    }
    if (parts[2] === 'keys' && parts.length === 3) {
      allow('POST');
      const body = await readBody(req, h.keyLimit);
      const server = CircuitServer.create(h.circuit, parseShortintEvaluationKeys(body));
      const keyId = randomBytes(12).toString('hex');
      h.keys.set(keyId, server);
      const max = this.o.maxKeySets ?? 4;
      for (const old of h.keys.keys()) if (h.keys.size > max) h.keys.delete(old);
      return this.json(res, 201, { keyId, circuit: h.circuit.name, circuitId: h.id });
    }
    if (parts[2] === 'keys' && parts.length === 4) {
      allow('DELETE');
      if (!h.keys.delete(parts[3])) throw new HttpError(404, `no keys "${parts[3]}" for circuit "${h.circuit.name}"`);
      res.writeHead(204).end();
      return 204;
    }
    if (parts[2] === 'infer' && parts.length === 3) {
      allow('POST');
      const keyId = url.searchParams.get('keys') ?? '';
      const server = h.keys.get(keyId);
      if (!server) throw new HttpError(404, `no keys "${keyId}" for circuit "${h.circuit.name}": upload them first (POST /circuits/${h.circuit.name}/keys)`);
      const body = await readBody(req, h.batchLimit);
      const t0 = process.hrtime.bigint();
      // one evaluation at a time; a failed one does not block the next
      const run = this.queue.then(() => server.evaluateBatch(body, this.o.maxSamples ?? 16, { threads: this.o.threads }));
      this.queue = run.catch(() => undefined);
      const { answer, samples } = await run;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': answer.length, 'X-Server-Seconds': seconds.toFixed(4), 'X-Samples': String(samples) });
      res.end(answer);
      return 200;
    }
    throw new HttpError(404, `no route ${url.pathname}`);
  }
}
