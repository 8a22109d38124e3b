/**
 * The server's durable state after each completed round: global weights, round number and
 * history, in one file (a src/fl/wire.ts 'checkpoint' frame) replaced atomically and flushed
 * to disk — a kill at any moment leaves either the previous round's file or the new one,
 * never a mix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeStaleTemps as removeDeadWritersTemps, writeFileAtomic } from '../util/files';
import { Metrics } from './strategy';
import { TensorSpec, Weights } from './weights';
import { decodeFrame, encodeFrame, frameLimit, MAX_HEADER_BYTES } from './wire';
import { MetaReader } from './messages';
import type { RoundPrivacy } from './privacy-accounting';

export interface SiteAnswer {
  site: string;
  numExamples: number;
  metrics: Metrics;
}

/** What happened in one completed round. */
export interface RoundRecord {
  round: number;
  /** Attempts the round took (a round whose attempt got too few updates is run again). */
  attempts: number;
  seconds: number;
  /** CPU time the server spent since the previous round's record (its checkpoint; this round's serving, validation, averaging). */
  serverCpuSeconds: number;
  /** The sites asked to train this round (all, unless the strategy samples). */
  sampled: string[];
  accepted: SiteAnswer[];
  rejected: { site: string; reason: string }[];
  /** Sites that sent nothing before the round's deadline. */
  missing: string[];
  /** The accepted sites' metrics, weighted by examples. */
  metrics: Metrics;
  /** The DP mode, what the round spent and ε so far (null with the reason when the mode gives none). */
  privacy: RoundPrivacy;
}

export interface ServerState {
  task: string;
  /** Rounds completed; `weights` are the global weights after it (0: the initial weights). */
  round: number;
  history: RoundRecord[];
  /** The sites' evaluation of the final weights, once done. */
  evaluation?: { round: number; sites: SiteAnswer[]; metrics: Metrics };
  weights: Weights;
}

/** A checkpoint file that cannot be used; the message names the file. */
export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

export function saveCheckpoint(file: string, s: ServerState): void {
  writeFileAtomic(file, encodeFrame('checkpoint', { task: s.task, round: s.round, history: s.history, evaluation: s.evaluation ?? null }, s.weights), {
    durable: true,
  });
}

/** Remove temp files a killed writer left beside the checkpoint (writeFileAtomic's `FILE.tmp-…`). */
export function removeStaleTemps(file: string): string[] {
  return removeDeadWritersTemps(path.dirname(path.resolve(file)), path.basename(file));
}

/** Largest checkpoint read when the model's tensors are not known in advance. */
export const MAX_CHECKPOINT_BYTES = 1024 * 1024 * 1024;

/**
 * The state in `file`, or undefined when there is none yet. `expect`: the model's tensors,
 * when known; the file may then be no larger than their frame (checked before reading it).
 */
export function loadCheckpoint(file: string, task: string, expect?: readonly TensorSpec[]): ServerState | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const maxBytes = expect ? frameLimit(expect, MAX_HEADER_BYTES) : MAX_CHECKPOINT_BYTES;
    const size = fs.statSync(file).size;
    if (size > maxBytes) throw new Error(`it is ${size} bytes, more than the ${maxBytes} its model's tensors and header can take`);
    const bytes = new Uint8Array(fs.readFileSync(file));
    const { meta, weights } = decodeFrame(bytes, { kind: 'checkpoint', maxBytes, expect });
    const r = new MetaReader(meta, 'checkpoint');
    const saved = r.string('task');
    if (saved !== task) throw new Error(`it is a checkpoint of task "${saved}", not "${task}"`);
    const round = r.int('round', 0);
    if (!Array.isArray(meta.history) || meta.history.length !== round) throw new Error(`its history does not list ${round} rounds`);
    const evaluation = meta.evaluation as ServerState['evaluation'] | null;
    return { task, round, history: meta.history as RoundRecord[], evaluation: evaluation ?? undefined, weights };
  } catch (e) {
    throw new CheckpointError(file, `cannot resume from it: ${(e as Error).message}`);
  }
}
