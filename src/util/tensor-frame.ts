/**
 * The tensor frame: named float32 tensors plus JSON metadata in one self-checking byte
 * string. Federated learning sends its messages in it (src/fl/wire.ts, messages.ts) and
 * saves its server checkpoints in it; the resumable checkpoints of the FID classifier
 * (src/metrics/classifier-checkpoint.ts) and of QAT / compression training use it too, so
 * every one of them is parsed by the checks below and nothing else.
 *
 *   offset 0   magic "PLFL" (the format was born as FL's message; the bytes stay as they were)
 *          4   version u16 (1)
 *          6   kind u8 (FRAME_KINDS) · 1 reserved byte (0)
 *          8   header length H u32
 *         12   header: UTF-8 JSON { "meta": {…}, "tensors": [{ "name", "shape" }, …] }
 *     12 + H   zero padding to a multiple of 4
 *              the tensors' float32 values, concatenated in order
 *
 * All integers and floats little endian. Decoding checks every length against the bytes
 * actually present before allocating anything (a header cannot make us allocate more than
 * the frame's own size), requires the frame to end exactly where the tensors end, and
 * rejects non-finite values: a decoded frame never carries NaN or Infinity.
 */
import { TensorSpec, Weights, checkWeights, elementCount } from './named-tensors';

export const FRAME_MAGIC = 'PLFL';
export const FRAME_VERSION = 1;
/**
 * Kind codes, one table for every user of the frame so that no two kinds share a code:
 * `task` and `update` are FL's round messages, `checkpoint` any saved state (its meta's
 * own `format` field, where it has one, says whose).
 */
export const FRAME_KINDS = { task: 1, update: 2, checkpoint: 3 } as const;
export type FrameKind = keyof typeof FRAME_KINDS;

const FIXED_BYTES = 12;
/** Bound on the JSON header: metadata and tensor names are small. */
export const MAX_FRAME_HEADER_BYTES = 1 << 20;
const MAX_RANK = 8;
const MAX_NAME = 256;

/** Bytes that are not a well-formed frame. `problem` says what is wrong. */
export class TensorFrameError extends Error {
  constructor(
    readonly problem: string,
    /** What the bytes were meant to be, for the message ("malformed frame: …"). */
    what = 'frame',
  ) {
    super(`malformed ${what}: ${problem}`);
    this.name = 'TensorFrameError';
  }
}

export interface TensorFrame {
  kind: FrameKind;
  meta: Record<string, unknown>;
  weights: Weights;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Largest frame for tensors of these specs with a header of at most `headerBytes`. */
export function tensorFrameLimit(specs: readonly TensorSpec[], headerBytes = 64 * 1024): number {
  return FIXED_BYTES + pad4(headerBytes) + 4 * specs.reduce((n, s) => n + elementCount(s.shape), 0);
}

export function encodeTensorFrame(kind: FrameKind, meta: Record<string, unknown>, w: Weights): Uint8Array {
  const header = Buffer.from(JSON.stringify({ meta, tensors: w.specs.map((s) => ({ name: s.name, shape: s.shape })) }), 'utf8');
  if (header.length > MAX_FRAME_HEADER_BYTES) throw new RangeError(`message header of ${header.length} bytes exceeds ${MAX_FRAME_HEADER_BYTES}`);
  const dataStart = FIXED_BYTES + pad4(header.length);
  const floats = w.values.reduce((n, v) => n + v.length, 0);
  const out = new Uint8Array(dataStart + 4 * floats);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(FRAME_MAGIC, 'latin1'), 0);
  view.setUint16(4, FRAME_VERSION, true);
  view.setUint8(6, FRAME_KINDS[kind]);
  view.setUint32(8, header.length, true);
  out.set(header, FIXED_BYTES);
  let off = dataStart;
  for (const v of w.values) {
    for (let i = 0; i < v.length; i++) view.setFloat32(off + 4 * i, v[i], true);
    off += 4 * v.length;
  }
  return out;
}

function parseHeader(bytes: Uint8Array, length: number): { meta: Record<string, unknown>; specs: TensorSpec[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED_BYTES, FIXED_BYTES + length)));
  } catch (e) {
    throw new TensorFrameError(`header is not UTF-8 JSON (${(e as Error).message})`);
  }
  const h = parsed as { meta?: unknown; tensors?: unknown };
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new TensorFrameError('header is not a JSON object');
  if (typeof h.meta !== 'object' || h.meta === null || Array.isArray(h.meta)) throw new TensorFrameError('header has no "meta" object');
  if (!Array.isArray(h.tensors)) throw new TensorFrameError('header has no "tensors" array');
  const names = new Set<string>();
  const specs = h.tensors.map((t: unknown, i: number): TensorSpec => {
    const { name, shape } = (t ?? {}) as { name?: unknown; shape?: unknown };
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) throw new TensorFrameError(`tensor ${i} has no valid name`);
    if (names.has(name)) throw new TensorFrameError(`tensor name "${name}" appears twice`);
    names.add(name);
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) {
      throw new TensorFrameError(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)?.slice(0, 80)}`);
    }
    return { name, shape: shape as number[] };
  });
  return { meta: h.meta as Record<string, unknown>, specs };
}

export interface DecodeTensorFrameOptions {
  /** The kind the receiver expects; another kind is rejected. */
  kind: FrameKind;
  /** Reject larger frames before looking inside. */
  maxBytes: number;
  /** When given, the tensors must have exactly these names and shapes. */
  expect?: readonly TensorSpec[];
}

/** Parse and validate a frame. Throws TensorFrameError (framing) or WeightsError (tensor names, shapes, non-finite values). */
export function decodeTensorFrame(bytes: Uint8Array, o: DecodeTensorFrameOptions): TensorFrame {
  if (bytes.length > o.maxBytes) throw new TensorFrameError(`${bytes.length} bytes exceeds the limit of ${o.maxBytes}`);
  if (bytes.length < FIXED_BYTES) throw new TensorFrameError(`${bytes.length} bytes is shorter than the ${FIXED_BYTES}-byte preamble`);
  const magic = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
  if (magic !== FRAME_MAGIC) throw new TensorFrameError(`bad magic "${magic.replace(/[^\x20-\x7e]/g, '?')}" (expected "${FRAME_MAGIC}")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== FRAME_VERSION) throw new TensorFrameError(`version ${version} (this build reads version ${FRAME_VERSION})`);
  const code = view.getUint8(6);
  const kind = (Object.keys(FRAME_KINDS) as FrameKind[]).find((k) => FRAME_KINDS[k] === code);
  if (!kind) throw new TensorFrameError(`unknown message kind ${code}`);
  if (kind !== o.kind) throw new TensorFrameError(`got a "${kind}" message, expected "${o.kind}"`);
  const headerLength = view.getUint32(8, true);
  if (headerLength > MAX_FRAME_HEADER_BYTES || FIXED_BYTES + headerLength > bytes.length) {
    throw new TensorFrameError(`header claims ${headerLength} bytes, ${bytes.length - FIXED_BYTES} present`);
  }
  const { meta, specs } = parseHeader(bytes, headerLength);
  const dataStart = FIXED_BYTES + pad4(headerLength);
  // Count the declared floats against the bytes present before allocating any of them.
  let floats = 0;
  for (const s of specs) {
    floats += elementCount(s.shape);
    if (dataStart + 4 * floats > bytes.length)
      throw new TensorFrameError(`truncated: tensors up to "${s.name}" need ${dataStart + 4 * floats} bytes, message has ${bytes.length}`);
  }
  if (dataStart + 4 * floats !== bytes.length) throw new TensorFrameError(`${bytes.length - dataStart - 4 * floats} trailing bytes after the tensors`);
  let off = dataStart;
  const values = specs.map((s) => {
    const v = new Float32Array(elementCount(s.shape));
    for (let i = 0; i < v.length; i++) v[i] = view.getFloat32(off + 4 * i, true);
    off += 4 * v.length;
    return v;
  });
  const weights: Weights = { specs, values };
  checkWeights(weights, o.expect ?? specs, `${kind} tensors`);
  return { kind, meta, weights };
}
