/**
 * Federated learning's messages on the wire: src/util/tensor-frame.ts's frame (tensors plus
 * JSON metadata, one frame per message, the same bytes over any transport and in the
 * server's checkpoint files), under FL's names. What is FL's own is the error: a frame that
 * fails to decode is a `WireFormatError` ("malformed message: …"), which the server records
 * as the reason it rejected a site's update. messages.ts builds the task and update
 * messages on it.
 */
import { Weights } from './weights';
import {
  DecodeTensorFrameOptions,
  FRAME_KINDS,
  FRAME_MAGIC,
  FRAME_VERSION,
  FrameKind,
  MAX_FRAME_HEADER_BYTES,
  TensorFrame,
  TensorFrameError,
  decodeTensorFrame,
  encodeTensorFrame,
  tensorFrameLimit,
} from '../util/tensor-frame';

export const WIRE_MAGIC = FRAME_MAGIC;
export const WIRE_VERSION = FRAME_VERSION;
export const MESSAGE_KINDS = FRAME_KINDS;
export type MessageKind = FrameKind;
/** Bound on the JSON header: metadata and tensor names are small. */
export const MAX_HEADER_BYTES = MAX_FRAME_HEADER_BYTES;

/** Bytes that are not a well-formed message. The message says what is wrong. */
export class WireFormatError extends TensorFrameError {
  constructor(problem: string) {
    super(problem, 'message');
    this.name = 'WireFormatError';
  }
}

export type Frame = TensorFrame;
export type DecodeOptions = DecodeTensorFrameOptions;

/** Largest frame for tensors of these specs with a header of at most `headerBytes`. */
export const frameLimit = tensorFrameLimit;

export function encodeFrame(kind: MessageKind, meta: Record<string, unknown>, w: Weights): Uint8Array {
  return encodeTensorFrame(kind, meta, w);
}

/** Parse and validate a message. Throws WireFormatError (framing) or WeightsError (tensor names, shapes, non-finite values). */
export function decodeFrame(bytes: Uint8Array, o: DecodeOptions): Frame {
  try {
    return decodeTensorFrame(bytes, o);
  } catch (e) {
    if (e instanceof TensorFrameError && !(e instanceof WireFormatError)) throw new WireFormatError(e.problem);
    throw e;
  }
}
