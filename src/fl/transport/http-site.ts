/**
 * The site side of the HTTP transport: long-polls the server for its next task and pushes
 * results, authenticated by the site's token. While the server is unreachable (not up yet,
 * or restarting after a crash) it keeps retrying for up to `reconnectSeconds`, so a
 * restarted server picks its sites up again.
 */
import { bytesBody } from '../../util/http-body';
import { API_PREFIX } from './http-server';
import { SiteTransport, TaskRef, Verdict } from './transport';
import { TaskMessage, UpdateMessage, decodeTask, encodeUpdate } from '../messages';

export interface HttpSiteOptions {
  /** e.g. http://127.0.0.1:PORT */
  server: string;
  token: string;
  /** How long the server may stay unreachable before the site gives up. Default 60. */
  reconnectSeconds?: number;
  /** Long-poll length. Default 20. */
  pollSeconds?: number;
  /** Largest task message accepted (the model's size: frameLimit of its tensors). */
  maxTaskBytes: number;
  log?: (line: string) => void;
}

/** The server could not be reached (or answered nonsense) for longer than allowed. */
export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class HttpSiteTransport implements SiteTransport {
  private readonly base: string;

  constructor(private readonly o: HttpSiteOptions) {
    const u = new URL(o.server);
    if (u.protocol !== 'http:') throw new RangeError(`server address must be http://HOST:PORT, got ${o.server}`);
    this.base = `${o.server.replace(/\/+$/, '')}${API_PREFIX}`;
  }

  /** A request, retried while the server cannot be reached; any HTTP answer ends the retries. */
  private async request(path: string, init: RequestInit, timeoutMs: number): Promise<Response> {
    const deadline = Date.now() + 1000 * (this.o.reconnectSeconds ?? 60);
    let delay = 100;
    for (;;) {
      try {
        return await fetch(`${this.base}${path}`, {
          ...init,
          headers: { ...init.headers, Authorization: `Bearer ${this.o.token}` },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        const why = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
        if (Date.now() > deadline) throw new TransportError(`server ${this.o.server} unreachable for ${this.o.reconnectSeconds ?? 60} s (${why})`);
        this.o.log?.(`server unreachable (${why}); retrying`);
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /** The raw long poll: the current task's bytes once it differs from `seen`; null when the job is over. */
  async pullBytes(seen: TaskRef | null): Promise<{ ref: TaskRef; body: Uint8Array } | null> {
    const wait = this.o.pollSeconds ?? 20;
    for (;;) {
      const q = new URLSearchParams({ job: seen?.job ?? '', round: String(seen?.round ?? 0), wait: String(wait) });
      const r = await this.request(`/task?${q}`, {}, (wait + 10) * 1000);
      if (r.status === 204) continue;
      if (r.status === 410) return null;
      if (r.status !== 200) throw new TransportError(`GET task: HTTP ${r.status}: ${await errorText(r)}`);
      const ref = { job: r.headers.get('x-fl-job') ?? '', round: Number(r.headers.get('x-fl-round')) };
      return { ref, body: new Uint8Array(await r.arrayBuffer()) };
    }
  }

  async nextTask(seen: TaskRef | null): Promise<TaskMessage | null> {
    const got = await this.pullBytes(seen);
    if (!got) return null;
    const task = decodeTask(got.body, this.o.maxTaskBytes);
    if (task.job !== got.ref.job || task.round !== got.ref.round)
      throw new TransportError(`task message for job ${task.job} round ${task.round} delivered as job ${got.ref.job} round ${got.ref.round}`);
    return task;
  }

  /** The raw push: any bytes as the result of task `ref`. */
  async pushBytes(ref: TaskRef, body: Uint8Array): Promise<Verdict> {
    const q = new URLSearchParams({ job: ref.job, round: String(ref.round) });
    const r = await this.request(`/result?${q}`, { method: 'POST', body: bytesBody(body), headers: { 'Content-Type': 'application/octet-stream' } }, 120_000);
    if (r.status === 200) return { accepted: true };
    const reason = await errorText(r);
    if (r.status === 409) return { accepted: false, kind: 'stale', reason };
    if (r.status === 422 || r.status === 413) return { accepted: false, kind: 'rejected', reason };
    throw new TransportError(`POST result: HTTP ${r.status}: ${reason}`);
  }

  pushResult(result: UpdateMessage): Promise<Verdict> {
    return this.pushBytes({ job: result.job, round: result.round }, encodeUpdate(result));
  }
}

async function errorText(r: Response): Promise<string> {
  try {
    return ((await r.json()) as { error?: string }).error ?? '';
  } catch {
    return '';
  }
}
