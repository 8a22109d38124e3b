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
  log?: (line: string) => void;
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
  const spec = parseClientSpec(await (await expectOk(await fetch(base), `fetching circuit "${circuit}"`)).text());
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
    const up = await expectOk(await fetch(`${base}/keys`, { method: 'POST', body: bytesBody(keyFile), headers: { 'Content-Type': 'application/octet-stream' } }), 'uploading evaluation keys');
    const { keyId } = (await up.json()) as { keyId: string };
    times.upload_s = seconds(t0);

    const batch = o.batch ?? 1;
    const levels = new Int32Array(count * spec.output.features);
    let uploadBytes = keyFile.length;
    let downloadBytes = 0;
    for (let s = 0; s < count; s += batch) {
      const n = Math.min(batch, count - s);
      t0 = process.hrtime.bigint();
      const query = client.encrypt(Float32Array.from({ length: n * features }, (_, i) => x[s * features + i]));
      times.encrypt_s += seconds(t0);
      t0 = process.hrtime.bigint();
      const r = await expectOk(await fetch(`${base}/infer?keys=${keyId}`, { method: 'POST', body: bytesBody(query), headers: { 'Content-Type': 'application/octet-stream' } }), 'inference');
      const answer = new Uint8Array(await r.arrayBuffer());
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
    const values = dequantizeFeatures(levels, spec.output);
    return { spec, keyId, count, levels, values, times, evaluationKeyBytes: keyFile.length, uploadBytes, downloadBytes };
  } finally {
    client.dispose();
  }
}
