/**
 * What a server bound to this machine checks before it reads a request, so that a web page
 * the user happens to visit cannot use it:
 *   - Host must name the server itself (a DNS-rebinding page reaches 127.0.0.1 under its own
 *     host name, and a browser sends that name);
 *   - a request that carries an Origin must come from the server's own origin (browsers send
 *     Origin on cross-origin requests; command-line clients send none);
 *   - bodies must declare the binary type the server takes: `application/octet-stream` is not
 *     a "simple" content type, so a browser cannot post one cross-origin without a CORS
 *     preflight, which these servers never grant.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-body';

/** The Host values that name a server listening on `host:port` (loopback aliases included for loopback binds). */
export function ownHostNames(host: string, port: number): Set<string> {
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const names = loopback ? ['127.0.0.1', 'localhost', '[::1]'] : [host.includes(':') ? `[${host}]` : host];
  return new Set(names.map((n) => `${n}:${port}`.toLowerCase()));
}

export function checkHostAndOrigin(req: IncomingMessage, hosts: Set<string>): void {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) throw new HttpError(403, `Host "${host.slice(0, 100)}" is not this server (requests must name ${[...hosts][0]})`);
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originHost = '';
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      /* malformed: refused below */
    }
    if (!hosts.has(originHost)) throw new HttpError(403, `cross-origin request from "${String(origin).slice(0, 100)}" refused`);
  }
}

export function requireBinaryBody(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/octet-stream') throw new HttpError(415, `the body must be application/octet-stream, got "${type.slice(0, 100) || 'none'}"`);
}

/**
 * Connection timing for privlab's local servers. Node closes an idle keep-alive connection
 * after 5 s; a client that sends its next request on it at that moment sees a reset (fetch
 * fails; a POST is not retried) — which happened between a client's key generation and its
 * upload. Idle connections live 65 s here, and clients are told so (Keep-Alive: timeout=65,
 * which undici honours minus a second). Header reading stays bounded; whole requests (key
 * uploads of hundreds of MB) get 15 minutes.
 */
export function setConnectionTimeouts(server: import('node:http').Server): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 15 * 60_000;
}
