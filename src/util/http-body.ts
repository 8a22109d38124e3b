import type { IncomingMessage } from 'node:http';

/**
 * Bytes as a fetch() body. TypeScript 5.7+ types BodyInit's byte views as backed by an
 * ArrayBuffer (not a SharedArrayBuffer); privlab's byte arrays always are, so this is a
 * statement about types only — no copy of what may be a 100 MB key file.
 */
export function bytesBody(bytes: Uint8Array): BodyInit {
  return bytes as unknown as BodyInit;
}

/** An HTTP failure with its status code, for servers to turn into a response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * A request's body, refused with 413 as soon as it exceeds `limit` bytes (by its declared
 * length, or while it streams in) so an oversized body is never buffered.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new HttpError(413, `body of ${declared} bytes exceeds the limit of ${limit}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        chunks.length = 0;
        reject(new HttpError(413, `body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/**
 * How much of a refused request's body is still read (and discarded) before answering.
 * An HTTP client reads the answer only after it has sent its body: closing the socket on
 * a client that is still uploading gives it a broken pipe instead of the 4xx. Bodies
 * larger than this are not worth the bandwidth: their connection is closed instead.
 */
export const DRAIN_LIMIT = 64 * 1024 * 1024;

/** Reads the rest of `req` and drops it; true when it ended within `max` bytes. */
export function drainBody(req: IncomingMessage, max: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  if (req.destroyed) return Promise.resolve(false);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve(false);
  return new Promise((resolve) => {
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.pause();
        resolve(false);
      }
    });
    req.on('end', () => resolve(true));
    req.on('error', () => resolve(false));
    req.on('close', () => resolve(req.complete));
    req.resume();
  });
}
