/**
 * A worker thread of ParallelLogisticTrainer: its own SEAL instance (SEAL's WebAssembly is
 * single-threaded), context and evaluation keys; it keeps its share of the training set and
 * returns the gradient sum of that share for each model it is sent. Messages: init → ready,
 * data → ok, gradient → gradient (bytes), each failure → error (message).
 */
import { parentPort } from 'node:worker_threads';
import { createCkksContext, type CkksContext } from '../context';
import type { CkksParameters } from '../parameters';
import type { CipherText } from '../seal';
import { decodeEvaluationKeys, type LoadedEvaluationKeys } from '../run/keys-file';
import { loadCiphertext, save } from '../serialization';
import { EncryptedLogisticTrainer } from './encrypted-training';
import type { TrainingOptions } from './model';

export type WorkerRequest =
  | { type: 'init'; parameters: CkksParameters; keys: Uint8Array; features: number; options: Omit<TrainingOptions, 'epochs'> }
  | { type: 'data'; x: Uint8Array[]; y: Uint8Array[] }
  | { type: 'gradient'; model: Uint8Array };

export type WorkerReply = { type: 'ready' } | { type: 'ok' } | { type: 'gradient'; bytes: Uint8Array } | { type: 'error'; message: string };

let ctx: CkksContext | undefined;
let keys: LoadedEvaluationKeys | undefined;
let trainer: EncryptedLogisticTrainer | undefined;
let features = 0;
const xs: CipherText[] = [];
const ys: CipherText[] = [];

async function handle(m: WorkerRequest): Promise<WorkerReply> {
  if (m.type === 'init') {
    ctx = await createCkksContext(m.parameters);
    keys = decodeEvaluationKeys(ctx, m.keys);
    trainer = new EncryptedLogisticTrainer(ctx, keys, m.features, m.options);
    features = m.features;
    return { type: 'ready' };
  }
  if (!ctx || !trainer) throw new Error('worker not initialized');
  if (m.type === 'data') {
    for (const c of [...xs, ...ys]) c.delete();
    xs.length = 0;
    ys.length = 0;
    for (const b of m.x) xs.push(loadCiphertext(ctx, b));
    for (const b of m.y) ys.push(loadCiphertext(ctx, b));
    return { type: 'ok' };
  }
  const model = loadCiphertext(ctx, m.model);
  try {
    const g = trainer.gradientSum(model, xs, ys, features);
    try {
      return { type: 'gradient', bytes: save(ctx, g, 'none') };
    } finally {
      g.delete();
    }
  } finally {
    model.delete();
  }
}

parentPort?.on('message', (m: WorkerRequest) => {
  handle(m).then(
    (reply) => parentPort?.postMessage(reply),
    (e: unknown) => parentPort?.postMessage({ type: 'error', message: (e as Error).message ?? String(e) } satisfies WorkerReply),
  );
});
