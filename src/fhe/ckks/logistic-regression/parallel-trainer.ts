/**
 * The compute party on worker threads. SEAL's WebAssembly runs on one thread, and an epoch's work is
 * independent per training ciphertext up to the gradient sum (EncryptedLogisticTrainer.gradientSum),
 * so each worker holds a contiguous share of the ciphertexts and its own copy of the evaluation
 * keys, computes its share's gradient sum for each model, and this thread adds the shares and
 * applies the update. Same result as EncryptedLogisticTrainer.epoch up to CKKS noise.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { CkksContext } from '../context';
import type { CipherText } from '../seal';
import type { CkksEvaluationKeys } from '../keys';
import { encodeEvaluationKeys } from '../run/keys-file';
import { save, loadCiphertext } from '../serialization';
import { addInPlace } from '../add';
import { EncryptedLogisticTrainer, type EncryptedTrainingSet } from './encrypted-training';
import type { TrainingOptions } from './model';
import type { WorkerReply, WorkerRequest } from './worker';
import { requirePositiveInteger } from '../../../util/checks';

class TrainerWorker {
  private readonly worker = new Worker(join(__dirname, 'worker.js'));

  request(m: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const onMessage = (r: WorkerReply): void => {
        this.worker.off('error', onError);
        if (r.type === 'error') reject(new Error(`CKKS worker: ${r.message}`));
        else resolve(r);
      };
      const onError = (e: Error): void => {
        this.worker.off('message', onMessage);
        reject(e);
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
      this.worker.postMessage(m);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class ParallelLogisticTrainer {
  private rows = 0;
  private shares = 0;

  private constructor(
    private readonly ctx: CkksContext,
    private readonly local: EncryptedLogisticTrainer,
    private readonly workers: TrainerWorker[],
  ) {}

  /**
   * Starts `threads` workers (default: the machine's parallelism), each loading its own copy of the
   * keys; more workers than training ciphertexts idle, so callers cap `threads` at that count.
   */
  static async create(
    ctx: CkksContext,
    keys: CkksEvaluationKeys,
    features: number,
    options: Omit<TrainingOptions, 'epochs'> = {},
    threads = availableParallelism(),
  ): Promise<ParallelLogisticTrainer> {
    requirePositiveInteger(threads, 'threads');
    const local = new EncryptedLogisticTrainer(ctx, keys, features, options);
    const keyBytes = encodeEvaluationKeys(ctx, keys, 'none');
    const workers = Array.from({ length: threads }, () => new TrainerWorker());
    const trainer = new ParallelLogisticTrainer(ctx, local, workers);
    try {
      await Promise.all(workers.map((w) => w.request({ type: 'init', parameters: ctx.parameters, keys: keyBytes, features, options })));
      return trainer;
    } catch (e) {
      await trainer.close();
      throw e;
    }
  }

  get levels() {
    return this.local.levels;
  }

  /** Hands each worker a contiguous share of the training ciphertexts (replacing earlier data). */
  async setTrainingSet(data: EncryptedTrainingSet): Promise<void> {
    const n = data.x.length;
    const k = Math.min(this.workers.length, n);
    const bounds = Array.from({ length: k + 1 }, (_, i) => Math.round((i * n) / k));
    await Promise.all(
      this.workers.slice(0, k).map((w, i) => {
        const share = (cts: CipherText[]) => cts.slice(bounds[i], bounds[i + 1]).map((c) => save(this.ctx, c, 'none'));
        return w.request({ type: 'data', x: share(data.x), y: share(data.y) });
      }),
    );
    this.rows = data.rows;
    this.shares = k;
  }

  /** One epoch on the workers' shares; the updated model is owned by the caller. */
  async epoch(model: CipherText): Promise<CipherText> {
    if (this.shares === 0) throw new Error('ParallelLogisticTrainer.epoch: call setTrainingSet first');
    const bytes = save(this.ctx, model, 'none');
    const replies = await Promise.all(this.workers.slice(0, this.shares).map((w) => w.request({ type: 'gradient', model: bytes })));
    let sum: CipherText | undefined;
    try {
      for (const r of replies) {
        if (r.type !== 'gradient') throw new Error(`CKKS worker answered ${r.type} to a gradient request`);
        const g = loadCiphertext(this.ctx, r.bytes);
        if (!sum) sum = g;
        else {
          addInPlace(this.ctx, sum, g);
          g.delete();
        }
      }
      return this.local.update(model, sum as CipherText, this.rows);
    } finally {
      sum?.delete();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
