/**
 * A client request over node:http or node:https (by the URL's scheme) that trusts nobody:
 * a deadline for the whole exchange, the answer read only up to a cap, and errors that say
 * what went wrong. Not fetch: Node 20's fetch takes no CA certificate (its dispatcher needs
 * the undici package), and a server with a self-signed certificate is what `--ca FILE` is for.
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Give up on the exchange after this long. */
  timeoutSeconds: number;
  /** Refuse an answer body longer than this. */
  maxResponseBytes: number;
  /** CA certificate(s) (PEM) to trust for https:// besides the system's. */
  ca?: string | Buffer;
  /** Connection reuse (keep-alive) across requests; default Node's global agents. */
  agent?: http.Agent;
  /** Says what the request was for, at the start of every error message. */
  what: string;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Uint8Array;
}

/** Hints for the usual mix-ups of http:// and https:// (OpenSSL's and Node's error codes). */
function schemeHint(url: URL, code: string | undefined, message: string): string {
  if (url.protocol === 'https:' && (code === 'EPROTO' || /wrong version number|packet length too long/i.test(message)))
    return ': the server does not speak TLS here (try http://)';
  if (url.protocol === 'http:' && (code === 'ECONNRESET' || code === 'HPE_INVALID_CONSTANT' || /socket hang up/.test(message)))
    return ': if the server was started with --tls-cert, use https://';
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    return ': the server certificate is not trusted (give its CA with --ca FILE)';
  return '';
}

export function httpRequest(target: string, o: HttpRequestOptions): Promise<HttpAnswer> {
  const url = new URL(target);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.reject(new TypeError(`${o.what}: ${url.protocol} URLs are not supported (http:// or https://)`));
  const mod = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { ...o.headers };
  if (o.body) headers['Content-Length'] = String(o.body.length);
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new Error(`${o.what}: ${message}`));
    };
    const req = mod.request(url, { method: o.method ?? 'GET', headers, agent: o.agent, ...(o.ca ? { ca: o.ca } : {}) }, (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.maxResponseBytes) {
        fail(`the server answered ${declared} bytes, more than the ${o.maxResponseBytes} expected`);
        return;
      }
      const parts: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxResponseBytes) fail(`the server's answer exceeds the ${o.maxResponseBytes} bytes expected`);
        else parts.push(c);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: new Uint8Array(Buffer.concat(parts)) });
      });
      res.on('error', (e) => fail(`the answer broke off (${e.message})`));
    });
    const timer = setTimeout(() => fail(`no answer from ${url.origin} within ${o.timeoutSeconds} s`), 1000 * o.timeoutSeconds);
    req.on('error', (e: Error & { code?: string }) => {
      fail(`cannot reach ${url.origin} (${e.code ?? e.message})${schemeHint(url, e.code, e.message)}`);
    });
    req.end(o.body);
  });
}

/** The answer's JSON `{ error }` message, or '' when it has none. */
export function errorDetail(a: HttpAnswer): string {
  try {
    const e = (JSON.parse(Buffer.from(a.body).toString('utf8')) as { error?: unknown }).error;
    return typeof e === 'string' ? e : '';
  } catch {
    return '';
  }
}
