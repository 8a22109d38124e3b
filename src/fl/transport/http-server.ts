/**
 * The server side of the HTTP transport (node:http, HTTP/1.1, 127.0.0.1 by default).
 * Sites authenticate with a per-run bearer token given at launch; the token, not anything
 * the site writes in a message, decides which site a request speaks for.
 *
 *   GET  /fl/v1/task?job=J&round=R&wait=S   long poll: 200 the current task (binary, with
 *                                           X-FL-Job / X-FL-Round) once it is not (J, R);
 *                                           204 if none within S seconds (≤ 30); 410 job over
 *   POST /fl/v1/result?job=J&round=R        a site's result (binary): 200 accepted,
 *                                           422 rejected, 409 stale, 413 over the size limit
 *   GET  /fl/v1/status                      { job, round, done }
 *
 * Every refusal is JSON { error } and logged; 401 without a valid token, 404/405 for
 * unknown routes and methods, 429 for more than a few open polls of one site. The result
 * size limit is the model's message size.
 */
import * as http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { DRAIN_LIMIT, HttpError, drainBody, readBody } from '../../util/http-body';
import { setConnectionTimeouts } from '../../util/local-http-guard';
import { ResultHandler, ServerTransport, TaskRef, Verdict } from './transport';

export const API_PREFIX = '/fl/v1';
const MAX_WAIT_S = 30;
const MAX_POLLS_PER_SITE = 4;

export interface HttpServerOptions {
  /** Site id → token. */
  tokens: ReadonlyMap<string, string>;
  /** Largest result body accepted, in bytes. */
  maxResultBytes: number;
  host?: string;
  port?: number;
  /** After finish(), how long to keep serving for sites not yet told that the job is over. Default 10. */
  lingerSeconds?: number;
  log?: (line: string) => void;
}

interface Waiter {
  site: string;
  seen: TaskRef;
  res: http.ServerResponse;
  timer: NodeJS.Timeout;
}

export class HttpServerTransport implements ServerTransport {
  private task: { ref: TaskRef; body: Uint8Array } | undefined;
  private done = false;
  private readonly toldDone = new Set<string>();
  readonly connected = new Set<string>();
  private allTold: (() => void) | undefined;
  private waitingFor: readonly string[] = [];
  private handler: ResultHandler | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly tokens: { site: string; token: Buffer }[];

  private constructor(
    private readonly server: http.Server,
    private readonly o: HttpServerOptions,
  ) {
    this.tokens = [...o.tokens].map(([site, token]) => ({ site, token: Buffer.from(token, 'utf8') }));
  }

  static async start(o: HttpServerOptions): Promise<HttpServerTransport> {
    if (o.tokens.size === 0) throw new RangeError('the server needs at least one site');
    for (const [site, token] of o.tokens) if (token.length < 16) throw new RangeError(`site ${site}'s token is shorter than 16 characters`);
    const server = http.createServer();
    setConnectionTimeouts(server);
    const t = new HttpServerTransport(server, o);
    server.on('request', (req, res) => void t.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
    });
    return t;
  }

  get address(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  get sites(): string[] {
    return this.tokens.map((t) => t.site);
  }

  publish(ref: TaskRef, body: Uint8Array): void {
    this.task = { ref, body };
    for (const w of [...this.waiters]) this.answerWaiter(w);
  }

  finish(waitFor: readonly string[]): Promise<void> {
    this.done = true;
    this.waitingFor = waitFor;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000 * (this.o.lingerSeconds ?? 10));
      this.allTold = () => {
        clearTimeout(timer);
        resolve();
      };
      for (const w of [...this.waiters]) this.answerWaiter(w);
      this.noteTold();
    });
  }

  private noteTold(site?: string): void {
    if (site) this.toldDone.add(site);
    if (this.allTold && this.waitingFor.every((s) => this.toldDone.has(s))) this.allTold();
  }

  onResult(handler: ResultHandler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    for (const w of [...this.waiters]) {
      clearTimeout(w.timer);
      w.res.destroy();
    }
    this.waiters.clear();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  private authenticate(req: http.IncomingMessage): string {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (m) {
      const given = Buffer.from(m[1], 'utf8');
      for (const t of this.tokens) {
        if (given.length === t.token.length && timingSafeEqual(given, t.token)) {
          this.connected.add(t.site);
          return t.site;
        }
      }
    }
    throw new HttpError(401, 'missing or unknown site token');
  }

  private isNew(seen: TaskRef): boolean {
    return !!this.task && (this.task.ref.job !== seen.job || this.task.ref.round !== seen.round);
  }

  /** Answer a long poll if there is something to say; returns whether it was answered. */
  private answerWaiter(w: Waiter): boolean {
    if (!this.done && !this.isNew(w.seen)) return false;
    clearTimeout(w.timer);
    this.waiters.delete(w);
    if (this.done) {
      json(w.res, 410, { done: true });
      this.noteTold(w.site);
    } else {
      const { ref, body } = this.task!;
      w.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length, 'X-FL-Job': ref.job, 'X-FL-Round': String(ref.round) });
      w.res.end(body);
    }
    return true;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let site = '?';
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = `${req.method} ${url.pathname}`;
      if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw new HttpError(404, `no route ${url.pathname}`);
      site = this.authenticate(req);
      const ref = { job: url.searchParams.get('job') ?? '', round: Number(url.searchParams.get('round') ?? '0') };
      if (route === `GET ${API_PREFIX}/task`) return this.pollTask(res, site, ref, Number(url.searchParams.get('wait') ?? '0'));
      if (route === `POST ${API_PREFIX}/result`) return await this.result(req, res, site, ref);
      if (route === `GET ${API_PREFIX}/status`) return json(res, 200, { job: this.task?.ref.job ?? null, round: this.task?.ref.round ?? 0, done: this.done });
      if ([`${API_PREFIX}/task`, `${API_PREFIX}/result`, `${API_PREFIX}/status`].includes(url.pathname))
        throw new HttpError(405, `${url.pathname} does not take ${req.method}`);
      throw new HttpError(404, `no route ${url.pathname}`);
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, `internal error: ${(e as Error).message}`);
      this.log(`${req.method} ${req.url} from ${site} → ${err.status}: ${err.message}`);
      // Read what the client is still uploading, so that it gets the answer, not a broken pipe.
      const drained = await drainBody(req, DRAIN_LIMIT);
      if (!res.headersSent) json(res, err.status, { error: err.message }, !drained);
    }
  }

  private pollTask(res: http.ServerResponse, site: string, seen: TaskRef, waitS: number): void {
    // A site needs one open poll; a few allow for reconnects, more would only hold memory.
    if ([...this.waiters].filter((x) => x.site === site).length >= MAX_POLLS_PER_SITE)
      throw new HttpError(429, `${site} already has ${MAX_POLLS_PER_SITE} open task polls`);
    const wait = Number.isFinite(waitS) ? Math.min(Math.max(waitS, 0), MAX_WAIT_S) : 0;
    const w: Waiter = {
      site,
      seen,
      res,
      timer: setTimeout(() => {
        this.waiters.delete(w);
        res.writeHead(204).end();
      }, wait * 1000),
    };
    if (this.answerWaiter(w)) return;
    this.waiters.add(w);
    res.on('close', () => {
      clearTimeout(w.timer);
      this.waiters.delete(w);
    });
  }

  private async result(req: http.IncomingMessage, res: http.ServerResponse, site: string, ref: TaskRef): Promise<void> {
    let verdict: Verdict;
    if (!this.task || !this.handler || ref.job !== this.task.ref.job || ref.round !== this.task.ref.round) {
      // Not for the current task: refused unread.
      verdict = {
        accepted: false,
        kind: 'stale',
        reason: `result for job ${ref.job.slice(0, 40)} round ${ref.round}, the current task is ${this.task ? `job ${this.task.ref.job} round ${this.task.ref.round}` : 'none'}`,
      };
      this.log(`result from ${site} refused: ${verdict.reason}`);
    } else {
      let body: Uint8Array;
      try {
        body = await readBody(req, this.o.maxResultBytes);
      } catch (e) {
        // The site did answer, with something unusable: the round must not wait for it.
        if (e instanceof HttpError) this.handler!(site, { fault: e.message });
        throw e;
      }
      verdict = this.handler!(site, body);
    }
    const drained = await drainBody(req, DRAIN_LIMIT);
    if (verdict.accepted) json(res, 200, { accepted: true });
    else json(res, verdict.kind === 'stale' ? 409 : 422, { error: verdict.reason }, !drained);
  }
}

function json(res: http.ServerResponse, status: number, v: unknown, close = false): void {
  const body = JSON.stringify(v);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...(close ? { Connection: 'close' } : {}) });
  res.end(body);
}
