/**
 * GAN checkpoints: one binary file, written atomically (temp file + rename), checked in
 * full on load.
 *
 * Layout (all integers little-endian):
 *   bytes 0–7    magic "PRIVLAB\0"
 *   bytes 8–11   uint32 format version (1)
 *   bytes 12–15  uint32 H, the byte length of the JSON header
 *   H bytes      UTF-8 JSON header (below), then zero bytes up to a multiple of 4
 *   the rest     tensor data: float32 little-endian, tensor after tensor
 * Header: { format: "privlab-gan-checkpoint", config: GanConfig, meta: { epoch, seed,
 *   globalStep, createdAt, … }, optimizer: null | { learningRate, beta1, beta2, epsilon,
 *   generatorStep, discriminatorStep }, tensors: [{ name, shape, offset, length }],
 *   dataBytes, sha256 } — offsets and lengths in float32 values from the start of the data;
 *   sha256 is the hex digest of the data section.
 * Tensor names: "generator/layer0/kernel", "discriminator/layer3/bias", and with the
 * optimiser state "optimizer/generator/m/layer0/kernel", ".../v/...".
 * Optional header field `networks`: ["generator"] or ["discriminator"] for a file that holds
 * one network only (shipped models: the generator alone is half the size); absent = both.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/files';
import { NonFiniteError, requireFinite } from '../util/finite';
import { Gan, GanConfig, ganConfig } from './gan';
import { ganOptimizers, GanOptimizers } from './gan-step';

export const CHECKPOINT_MAGIC = Buffer.from('PRIVLAB\0', 'latin1');
export const CHECKPOINT_VERSION = 1;
const FORMAT = 'privlab-gan-checkpoint';

/** Bound on the JSON header: a config, metadata and one entry per tensor. */
export const MAX_CHECKPOINT_HEADER_BYTES = 1 << 20;
/** Largest checkpoint file read (the reference GAN with Adam's moments is 18 MB). */
export const MAX_CHECKPOINT_BYTES = 1024 * 1024 * 1024;
/** Hidden layers per network a checkpoint may declare (the reference GAN has 3). */
export const MAX_HIDDEN_LAYERS = 64;

export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`checkpoint ${file}: ${message}`);
    this.name = 'CheckpointError';
  }
}

export interface CheckpointMeta {
  /** Epochs trained. */
  epoch: number;
  seed: number;
  /** Training steps taken. */
  globalStep: number;
  createdAt: string;
  /** Free-form extras (dataset name, backend, …). */
  [key: string]: unknown;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface OptimizerHeader {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  generatorStep: number;
  discriminatorStep: number;
}

interface Header {
  format: string;
  config: GanConfig;
  meta: CheckpointMeta;
  optimizer: OptimizerHeader | null;
  tensors: TensorEntry[];
  dataBytes: number;
  sha256: string;
  networks?: Network[];
}

export type Network = 'generator' | 'discriminator';
const BOTH: readonly Network[] = ['generator', 'discriminator'];

/** Every tensor of a GAN (and its optimisers) under its checkpoint name (resume checkpoints use the same names). */
export function namedVariables(gan: Gan, optimizers?: GanOptimizers, networks: readonly Network[] = BOTH): Array<[string, tf.Variable]> {
  const out: Array<[string, tf.Variable]> = [];
  for (const [net, mlp] of [
    ['generator', gan.generator],
    ['discriminator', gan.discriminator],
  ] as const) {
    if (!networks.includes(net)) continue;
    mlp.variableNames().forEach((n, i) => out.push([`${net}/${n}`, mlp.variables()[i]]));
  }
  if (optimizers) {
    for (const [net, mlp, opt] of [
      ['generator', gan.generator, optimizers.generator],
      ['discriminator', gan.discriminator, optimizers.discriminator],
    ] as const) {
      mlp.variableNames().forEach((n, i) => {
        out.push([`optimizer/${net}/m/${n}`, opt.m[i]]);
        out.push([`optimizer/${net}/v/${n}`, opt.v[i]]);
      });
    }
  }
  return out;
}

export interface SaveCheckpointOptions {
  /** Include Adam's moments and step counts, to resume training exactly. Default: when given. */
  optimizers?: GanOptimizers;
  meta: { epoch: number; seed: number; globalStep: number; createdAt?: string; [key: string]: unknown };
  /** Save only these networks (no optimiser state then). Default both. */
  networks?: Network[];
}

/** Write `gan` (and its optimisers) to `file` atomically. Returns the bytes written. */
export function saveGanCheckpoint(file: string, gan: Gan, opts: SaveCheckpointOptions): number {
  if (os.endianness() !== 'LE') throw new Error('checkpoints are written on little-endian hosts only');
  const networks = opts.networks ?? [...BOTH];
  if (networks.length === 0 || !networks.every((n) => BOTH.includes(n)))
    throw new RangeError(`networks must be generator and/or discriminator, got [${networks}]`);
  const partial = networks.length < BOTH.length;
  if (partial && opts.optimizers) throw new RangeError('optimiser state is saved with both networks only');
  const named = namedVariables(gan, opts.optimizers, networks);
  const tensors: TensorEntry[] = [];
  let offset = 0;
  for (const [name, v] of named) {
    tensors.push({ name, shape: [...v.shape], offset, length: v.size });
    offset += v.size;
  }
  const data = Buffer.alloc(offset * 4);
  for (const [i, [, v]] of named.entries()) {
    const values = v.dataSync() as Float32Array;
    Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(data, tensors[i].offset * 4);
  }
  const o = opts.optimizers;
  const header: Header = {
    format: FORMAT,
    config: gan.config,
    meta: { ...opts.meta, createdAt: opts.meta.createdAt ?? new Date().toISOString() },
    optimizer: o ? { ...o.generator.hyper, generatorStep: o.generator.step, discriminatorStep: o.discriminator.step } : null,
    tensors,
    dataBytes: data.length,
    sha256: crypto.createHash('sha256').update(data).digest('hex'),
    ...(partial ? { networks } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((16 + json.length) % 4)) % 4;
  const prefix = Buffer.alloc(16);
  CHECKPOINT_MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(CHECKPOINT_VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  const bytes = Buffer.concat([prefix, json, Buffer.alloc(pad), data]);
  writeFileAtomic(file, bytes);
  return bytes.length;
}

export interface LoadedCheckpoint {
  gan: Gan;
  /** Present when the checkpoint holds optimiser state. */
  optimizers?: GanOptimizers;
  meta: CheckpointMeta;
  config: GanConfig;
  /** The networks the file held; the others keep their seeded initial weights. */
  networks: Network[];
}

/** Parse and check a checkpoint's header; throws CheckpointError naming what is wrong. */
export function readCheckpointHeader(file: string, bytes: Buffer): { header: Header; dataStart: number } {
  const fail = (msg: string): never => {
    throw new CheckpointError(file, msg);
  };
  if (bytes.length < 16 || !bytes.subarray(0, 8).equals(CHECKPOINT_MAGIC)) fail('not a privlab checkpoint (bad magic bytes)');
  const version = bytes.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) fail(`unsupported format version ${version} (this privlab reads version ${CHECKPOINT_VERSION})`);
  const h = bytes.readUInt32LE(12);
  if (h > MAX_CHECKPOINT_HEADER_BYTES) fail(`header of ${h} bytes is longer than ${MAX_CHECKPOINT_HEADER_BYTES}`);
  if (16 + h > bytes.length) fail(`truncated: the header needs ${h} bytes, the file has ${bytes.length - 16} after the prefix`);
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(16, 16 + h).toString('utf8')) as Header;
  } catch (err) {
    return fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (header?.format !== FORMAT) fail(`header format is "${String(header?.format)}", expected "${FORMAT}"`);
  if (!Array.isArray(header.tensors) || typeof header.dataBytes !== 'number' || typeof header.sha256 !== 'string' || !header.meta || !header.config) {
    fail('header lacks tensors, dataBytes, sha256, meta or config');
  }
  if (header.networks !== undefined && (!Array.isArray(header.networks) || header.networks.length === 0 || !header.networks.every((n) => BOTH.includes(n)))) {
    fail(`header networks must be a non-empty list of "generator" and "discriminator", got ${JSON.stringify(header.networks)}`);
  }
  const dataStart = 16 + h + ((4 - ((16 + h) % 4)) % 4);
  const found = bytes.length - dataStart;
  if (found !== header.dataBytes) {
    fail(
      found < header.dataBytes
        ? `truncated: expected ${header.dataBytes} bytes of tensor data, found ${Math.max(0, found)}`
        : `${found - header.dataBytes} unexpected bytes after the tensor data`,
    );
  }
  checkDeclaredSizes(header, fail);
  return { header, dataStart };
}

/** Values of the networks `config` describes, counted without building them: Σ (in + 1)·out per layer. */
export function ganParameterCount(c: GanConfig, networks: readonly Network[]): number {
  const sizes: Record<Network, number[]> = {
    generator: [c.latentDim + c.numClasses, ...c.generatorHidden, c.imageSize],
    discriminator: [c.imageSize + c.numClasses, ...c.discriminatorHidden, 1],
  };
  let n = 0;
  for (const net of networks) for (let i = 0; i + 1 < sizes[net].length; i++) n += (sizes[net][i] + 1) * sizes[net][i + 1];
  return n;
}

/**
 * The model the header's config describes must be exactly what the data section holds,
 * before anything is allocated for it: a small file cannot declare a model of gigabytes
 * (the model is built before its tensors are read) nor thousands of layers.
 */
function checkDeclaredSizes(header: Header, fail: (msg: string) => never): void {
  const c = header.config as Partial<GanConfig>;
  for (const key of ['generatorHidden', 'discriminatorHidden'] as const) {
    const h = c[key];
    if (!Array.isArray(h) || h.length > MAX_HIDDEN_LAYERS) {
      fail(`config.${key} must list at most ${MAX_HIDDEN_LAYERS} layer widths, got ${Array.isArray(h) ? `${h.length} layers` : JSON.stringify(h)}`);
    }
  }
  let config: GanConfig;
  try {
    config = ganConfig(c);
  } catch (err) {
    return fail(`invalid GAN config: ${(err as Error).message}`);
  }
  const networks = header.networks ?? [...BOTH];
  const withOptimizer = header.optimizer !== null && header.optimizer !== undefined && networks.length === BOTH.length;
  // Adam's two moments per value when the optimiser state is saved.
  const values = ganParameterCount(config, networks) * (withOptimizer ? 3 : 1);
  if (values * 4 !== header.dataBytes) {
    fail(`its config describes ${values} values (${values * 4} bytes), the data section holds ${header.dataBytes} bytes`);
  }
  const layers = 2 + config.generatorHidden.length + config.discriminatorHidden.length;
  const maxEntries = 2 * layers * (withOptimizer ? 3 : 1);
  if (header.tensors.length > maxEntries) fail(`lists ${header.tensors.length} tensors, its config has ${maxEntries}`);
  header.tensors.forEach((t, i) => {
    const ok =
      t !== null &&
      typeof t === 'object' &&
      typeof t.name === 'string' &&
      Array.isArray(t.shape) &&
      t.shape.length <= 2 &&
      t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
      Number.isSafeInteger(t.offset) &&
      Number.isSafeInteger(t.length);
    if (!ok) fail(`tensor entry ${i} is not { name, shape, offset, length }`);
  });
  const seed = header.meta.seed;
  if (seed !== undefined && !Number.isSafeInteger(seed)) fail(`meta.seed must be an integer, got ${JSON.stringify(seed)}`);
  const o = header.optimizer;
  if (o !== null && o !== undefined) {
    const fields = ['learningRate', 'beta1', 'beta2', 'epsilon', 'generatorStep', 'discriminatorStep'] as const;
    const badField = fields.find((k) => typeof o[k] !== 'number' || !Number.isFinite(o[k]));
    if (badField) fail(`optimizer.${badField} must be a finite number, got ${JSON.stringify(o[badField])}`);
  }
}

/** Load a checkpoint into a new Gan (and optimisers, if saved and wanted). */
export function loadGanCheckpoint(file: string, opts: { withOptimizers?: boolean } = {}): LoadedCheckpoint {
  if (os.endianness() !== 'LE') throw new Error('checkpoints are read on little-endian hosts only');
  let bytes: Buffer;
  let size: number;
  try {
    size = fs.statSync(file).size;
    bytes = size > MAX_CHECKPOINT_BYTES ? Buffer.alloc(0) : fs.readFileSync(file);
  } catch (err) {
    throw new CheckpointError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (size > MAX_CHECKPOINT_BYTES) throw new CheckpointError(file, `${size} bytes is more than the limit of ${MAX_CHECKPOINT_BYTES}`);
  const { header, dataStart } = readCheckpointHeader(file, bytes);
  const data = bytes.subarray(dataStart);
  if (crypto.createHash('sha256').update(data).digest('hex') !== header.sha256) {
    throw new CheckpointError(file, 'tensor data does not match its sha256 checksum (the file is corrupted)');
  }
  let config: GanConfig;
  try {
    config = ganConfig(header.config);
  } catch (err) {
    throw new CheckpointError(file, `invalid GAN config: ${(err as Error).message}`);
  }
  const gan = new Gan(config, header.meta.seed ?? 0);
  const networks = header.networks ?? [...BOTH];
  const withOpt = (opts.withOptimizers ?? true) && header.optimizer != null && networks.length === BOTH.length;
  let optimizers: GanOptimizers | undefined;
  try {
    if (withOpt) {
      const o = header.optimizer as OptimizerHeader;
      optimizers = ganOptimizers(gan, { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2 });
      optimizers.generator.step = o.generatorStep;
      optimizers.discriminator.step = o.discriminatorStep;
    }
    const entries = new Map(header.tensors.map((t) => [t.name, t]));
    for (const [name, v] of namedVariables(gan, optimizers, networks)) {
      const t = entries.get(name);
      if (!t) throw new CheckpointError(file, `missing tensor ${name}`);
      if (!tf.util.arraysEqual(t.shape, v.shape)) throw new CheckpointError(file, `tensor ${name} has shape [${t.shape}], the model needs [${v.shape}]`);
      if (!Number.isSafeInteger(t.offset) || t.length !== v.size || t.offset < 0 || (t.offset + t.length) * 4 > data.length) {
        throw new CheckpointError(file, `tensor ${name} lies outside the data section`);
      }
      // A copy: the variable must own its storage (and Buffer offsets need not be 4-aligned).
      const values = new Float32Array(t.length);
      Buffer.from(values.buffer).set(data.subarray(t.offset * 4, (t.offset + t.length) * 4));
      try {
        requireFinite(values, `tensor ${name}`);
      } catch (e) {
        if (e instanceof NonFiniteError) throw new CheckpointError(file, e.message);
        throw e;
      }
      const tensor = tf.tensor(values, v.shape, 'float32');
      v.assign(tensor);
      tensor.dispose();
    }
  } catch (err) {
    gan.dispose();
    optimizers?.generator.dispose();
    optimizers?.discriminator.dispose();
    throw err;
  }
  return { gan, optimizers, meta: header.meta, config, networks };
}
