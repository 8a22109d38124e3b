/**
 * Encrypted inference across processes (setup 1 of the transfer experiment): the data party writes
 * the evaluation keys and its encrypted inputs (batched layout, as bundles of run/); the compute
 * party — another process holding its own base model in the clear and no secret key — reads them,
 * runs the network on every ciphertext and writes the encrypted outputs (`privlab ckks mlp-infer`).
 * It builds its context from the parameters in the key bundle, so SEAL's 128-bit check runs there.
 *
 * Model file (JSON): { "kind": "privlab-ckks-mlp", "layers": DenseLayer[] }, checked on load.
 */
import { createCkksContext, type CkksContext } from '../context';
import type { CipherText } from '../seal';
import { decodeBundle, readBytes } from '../run/bundle';
import { decodeEvaluationKeys, EVALUATION_KEYS_KIND } from '../run/keys-file';
import { encodeCiphertexts, decodeCiphertexts } from '../run/ciphertexts-file';
import { writeFileAtomic } from '../../../util/files';
import { inferEncrypted, networkDepth, type DenseLayer, type Activation } from './inference';

export const MLP_MODEL_KIND = 'privlab-ckks-mlp';
export const MLP_INPUTS_KIND = 'ckks-mlp-inputs';
export const MLP_OUTPUTS_KIND = 'ckks-mlp-outputs';

export function encodeMlpModel(layers: readonly DenseLayer[]): string {
  return JSON.stringify({ kind: MLP_MODEL_KIND, layers });
}

function numbers(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new TypeError(`${what} must be an array of finite numbers`);
  return v as number[];
}

function activation(v: unknown, what: string): Activation {
  if (v === 'none' || v === 'square') return v;
  if (v && typeof v === 'object' && 'polynomial' in v) return { polynomial: numbers((v as { polynomial: unknown }).polynomial, `${what}.polynomial`) };
  throw new TypeError(`${what} must be "none", "square" or { polynomial: [...] }, got ${JSON.stringify(v)}`);
}

/** The layers of a model file's text; TypeErrors name the file and the bad field. */
export function decodeMlpModel(text: string, what = 'model'): DenseLayer[] {
  let parsed: { kind?: unknown; layers?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TypeError(`${what}: not JSON (${(e as Error).message})`);
  }
  if (parsed?.kind !== MLP_MODEL_KIND || !Array.isArray(parsed.layers) || parsed.layers.length === 0)
    throw new TypeError(`${what}: not a ${MLP_MODEL_KIND} file with a non-empty layers array`);
  return parsed.layers.map((l: Record<string, unknown>, i: number) => {
    const at = `${what}: layers[${i}]`;
    if (!Array.isArray(l?.weights) || l.weights.length === 0) throw new TypeError(`${at}.weights must be a non-empty array of rows`);
    const layer: DenseLayer = {
      weights: l.weights.map((r: unknown, j: number) => numbers(r, `${at}.weights[${j}]`)),
      bias: numbers(l.bias, `${at}.bias`),
      activation: activation(l.activation, `${at}.activation`),
    };
    if (l.offset !== undefined) layer.offset = numbers(l.offset, `${at}.offset`);
    return layer;
  });
}

/** Input or output ciphertexts of a batch run, with how many inputs each holds. */
export function encodeMlpBatch(
  ctx: CkksContext,
  kind: typeof MLP_INPUTS_KIND | typeof MLP_OUTPUTS_KIND,
  cts: readonly CipherText[],
  counts: readonly number[],
): Uint8Array {
  if (counts.length !== cts.length) throw new RangeError(`${cts.length} ciphertexts but ${counts.length} counts`);
  return encodeCiphertexts(
    ctx,
    kind,
    cts.map((ct, i) => ({ name: `c${i}`, ct })),
    { counts: [...counts] },
  );
}

export function decodeMlpBatch(
  ctx: CkksContext,
  bytes: Uint8Array,
  kind: typeof MLP_INPUTS_KIND | typeof MLP_OUTPUTS_KIND,
  what: string,
): { cts: CipherText[]; counts: number[] } {
  const { cts, meta } = decodeCiphertexts(ctx, bytes, kind, what);
  const counts = meta.counts;
  const ordered = Array.from({ length: cts.size }, (_, i) => cts.get(`c${i}`));
  if (!Array.isArray(counts) || counts.length !== cts.size || !counts.every((c) => Number.isInteger(c) && c > 0) || ordered.some((c) => !c)) {
    for (const c of cts.values()) c.delete();
    throw new TypeError(`${what}: meta.counts ${JSON.stringify(counts)} does not describe its ${cts.size} ciphertexts c0 …`);
  }
  return { cts: ordered as CipherText[], counts: counts as number[] };
}

export interface MlpInferFiles {
  keys: string;
  model: string;
  data: string;
  out: string;
}

/** The compute party's inference from files to file; returns what it did. */
export async function mlpInferFromFiles(f: MlpInferFiles): Promise<{ seconds: number; ciphertexts: number; inputs: number; depth: number; level: number }> {
  const keyBytes = readBytes(f.keys);
  const dataBytes = readBytes(f.data);
  const layers = decodeMlpModel(Buffer.from(readBytes(f.model)).toString('utf8'), f.model);
  const parameters = decodeBundle(keyBytes, f.keys, { kind: EVALUATION_KEYS_KIND }).parameters;
  decodeBundle(dataBytes, f.data, { kind: MLP_INPUTS_KIND });
  const ctx = await createCkksContext(parameters);
  let keys;
  let inputs: { cts: CipherText[]; counts: number[] } | undefined;
  const outputs: CipherText[] = [];
  try {
    keys = decodeEvaluationKeys(ctx, keyBytes, f.keys);
    inputs = decodeMlpBatch(ctx, dataBytes, MLP_INPUTS_KIND, f.data);
    const t0 = performance.now();
    for (const ct of inputs.cts) outputs.push(inferEncrypted(ctx, layers, ct, keys, 'batched'));
    const seconds = (performance.now() - t0) / 1000;
    writeFileAtomic(f.out, encodeMlpBatch(ctx, MLP_OUTPUTS_KIND, outputs, inputs.counts));
    return {
      seconds,
      ciphertexts: outputs.length,
      inputs: inputs.counts.reduce((a, b) => a + b, 0),
      depth: networkDepth(layers),
      level: outputs.length > 0 ? ctx.levelOf(outputs[0]) : ctx.topLevel,
    };
  } finally {
    for (const c of outputs) c.delete();
    for (const c of inputs?.cts ?? []) c.delete();
    keys?.delete();
    ctx.delete();
  }
}
