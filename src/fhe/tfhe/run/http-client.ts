/**
 * `privlab fhe infer`: the client role against a `privlab fhe serve` server. It fetches
 * the circuit's client spec, makes its keys with tfhe, uploads only the evaluation keys,
 * sends encrypted inputs and decrypts the answers. Time per phase: keygen, upload,
 * encrypt, server (as the server measured it), transfer (the rest of each request's
 * round trip), decrypt.
 */
import { ClientSpec, parseClientSpec } from '../compile/circuit';
import { FheClient } from './client';
import { dequantizeFeatures } from './codec';
import { bytesBody } from '../../../util/http-body';
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
  log?: (line: string) => void;
}

/** Bytes of one serialized tfhe ciphertext for these parameters (bincode: see shortint/ciphertext.ts). */
function ciphertextBytes(spec: ClientSpec): number {
  return 8 * (spec.params.glweDimension * spec.params.polynomialSize + 1) + 72;
}

/**
 * A response body, refused once it exceeds `max` bytes: the server is not trusted to send
 * only what the circuit implies (a hostile one could send gigabytes).
 */
async function readCapped(r: Response, max: number, what: string): Promise<Uint8Array> {
  const declared = Number(r.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new Error(`${what}: the server answered ${declared} bytes, more than the ${max} the circuit allows`);
  const reader = r.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new Error(`${what}: the server's answer exceeds the ${max} bytes the circuit allows`);
    }
    parts.push(value);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** fetch with a deadline and a clear message when the server cannot be reached. */
async function request(url: string, init: RequestInit, timeoutSeconds: number, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(1000 * timeoutSeconds) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError') throw new Error(`${what}: no answer from ${new URL(url).origin} within ${timeoutSeconds} s`);
    throw new Error(`${what}: cannot reach ${new URL(url).origin} (${err.cause?.code ?? err.message})`);
  }
}

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function expectOk(r: Response, what: string): Promise<Response> {
  if (r.ok) return r;
  let detail = '';
  try {
    detail = ((await r.json()) as { error?: string }).error ?? '';
  } catch {
    /* not JSON */
  }
  throw new Error(`${what}: HTTP ${r.status}${detail ? `: ${detail}` : ''}`);
}

/** Run float inputs [count × features] through a remote circuit, encrypted end to end. */
export async function inferRemote(baseUrl: string, circuit: string, x: ArrayLike<number>, o: RemoteOptions = {}): Promise<RemoteResult> {
  const log = o.log ?? (() => undefined);
  const base = `${baseUrl.replace(/\/+$/, '')}/circuits/${encodeURIComponent(circuit)}`;
  const timeout = o.timeoutSeconds ?? 600;
  const what = `fetching circuit "${circuit}"`;
  const spec = parseClientSpec(new TextDecoder().decode(await readCapped(await expectOk(await request(base, {}, timeout, what), what), 1 << 20, what)));
  const features = spec.input.features;
  if (x.length === 0 || x.length % features) throw new RangeError(`circuit "${circuit}" takes ${features} features per sample, got ${x.length} values`);
  const count = x.length / features;
  const times: RemoteTimes = { keygen_s: 0, upload_s: 0, encrypt_s: 0, server_s: 0, transfer_s: 0, decrypt_s: 0 };

  let t0 = process.hrtime.bigint();
  const client = FheClient.create(spec);
  try {
    const keyFile = await client.evaluationKeys(o.threads);
    times.keygen_s = seconds(t0);
    log(`keys made in ${times.keygen_s.toFixed(1)} s; uploading ${(keyFile.length / 1e6).toFixed(1)} MB of evaluation keys`);
    t0 = process.hrtime.bigint();
    const up = await expectOk(
      await request(
        `${base}/keys`,
        { method: 'POST', body: bytesBody(keyFile), headers: { 'Content-Type': 'application/octet-stream' } },
        timeout,
        'uploading evaluation keys',
      ),
      'uploading evaluation keys',
    );
    const grant = JSON.parse(new TextDecoder().decode(await readCapped(up, 4096, 'uploading evaluation keys'))) as { keyId?: unknown; token?: unknown };
    if (typeof grant.keyId !== 'string' || typeof grant.token !== 'string')
      throw new Error('uploading evaluation keys: the server answered without a key id and token');
    const { keyId, token } = grant as { keyId: string; token: string };
    times.upload_s = seconds(t0);

    const batch = o.batch ?? 1;
    const levels = new Int32Array(count * spec.output.features);
    let uploadBytes = keyFile.length;
    let downloadBytes = 0;
    // Ctrl-C / a kernel interrupt: stop between batches (keys left on the server expire there).
    const scope = interruptScope();
    try {
      for (let s = 0; s < count; s += batch) {
        scope.throwIfInterrupted(`encrypted inference on ${base} (after ${s} of ${count} samples)`);
        const n = Math.min(batch, count - s);
        t0 = process.hrtime.bigint();
        const query = client.encrypt(Float32Array.from({ length: n * features }, (_, i) => x[s * features + i]));
        times.encrypt_s += seconds(t0);
        t0 = process.hrtime.bigint();
        const r = await expectOk(
          await request(
            `${base}/infer?keys=${encodeURIComponent(keyId)}`,
            {
              method: 'POST',
              body: bytesBody(query),
              headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${token}` },
            },
            timeout,
            'inference',
          ),
          'inference',
        );
        // what n samples' outputs take (digits × ciphertexts, plus the batch header)
        const answer = await readCapped(r, 64 + n * spec.output.features * spec.output.digits * (4 + ciphertextBytes(spec)), 'inference');
        const roundTrip = seconds(t0);
        const server = Number(r.headers.get('x-server-seconds') ?? 0);
        times.server_s += server;
        times.transfer_s += Math.max(0, roundTrip - server);
        uploadBytes += query.length;
        downloadBytes += answer.length;
        t0 = process.hrtime.bigint();
        levels.set(client.decryptLevels(answer), s * spec.output.features);
        times.decrypt_s += seconds(t0);
        log(`samples ${s + n}/${count}: server ${server.toFixed(2)} s`);
      }
    } finally {
      scope.dispose();
    }
    const values = dequantizeFeatures(levels, spec.output);
    // free this client's place in the server's key quota (best effort: the keys expire anyway)
    await request(`${base}/keys/${encodeURIComponent(keyId)}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } }, 30, 'deleting keys').catch(
      () => undefined,
    );
    return { spec, keyId, count, levels, values, times, evaluationKeyBytes: keyFile.length, uploadBytes, downloadBytes };
  } finally {
    client.dispose();
  }
}
