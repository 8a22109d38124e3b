/**
 * A K-class head as K one-vs-rest logistic regressions (class k against the others), each trained
 * by the same encrypted gradient descent on the same encrypted features: the feature ciphertexts
 * are encrypted once and shared, each head has its own label ciphertexts (y == k) and its own
 * encrypted model. The prediction is the class whose head has the largest logit. This is the head
 * issue 15's transfer setups train on encrypted features.
 */
import type { CipherText } from '../seal';
import { type LogisticModel, type TrainingOptions, initialModel, logit, checkTrainingData } from './model';
import { trainPlain } from './plain-training';
import type { EncryptedLogisticTrainer, EncryptedTrainingSet, LogisticDataParty } from './encrypted-training';

/** Class labels 0 … K−1 → K binary label vectors. */
export function oneVsRestLabels(y: readonly number[], classes: number): number[][] {
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`classes must be an integer ≥ 2, got ${classes}`);
  y.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw new RangeError(`label ${i} is ${v}, expected an integer in [0, ${classes})`);
  });
  return Array.from({ length: classes }, (_, k) => y.map((v) => (v === k ? 1 : 0)));
}

/** K initial heads, seeded seed, seed + 1, …. */
export function initialHeads(features: number, classes: number, seed: number): LogisticModel[] {
  return Array.from({ length: classes }, (_, k) => initialModel(features, seed + k));
}

export function predictClass(heads: readonly LogisticModel[], x: readonly number[]): number {
  let best = 0;
  let bestLogit = -Infinity;
  heads.forEach((h, k) => {
    const z = logit(h, x);
    if (z > bestLogit) {
      bestLogit = z;
      best = k;
    }
  });
  return best;
}

export function multiclassAccuracy(heads: readonly LogisticModel[], x: readonly number[][], y: readonly number[]): number {
  if (x.length !== y.length || x.length === 0) throw new RangeError(`need as many labels as rows (≥ 1), got ${x.length} rows, ${y.length} labels`);
  return x.reduce((n, row, i) => n + (predictClass(heads, row) === y[i] ? 1 : 0), 0) / x.length;
}

/** The float64 reference: the heads after each epoch. */
export function trainOneVsRestPlain(init: readonly LogisticModel[], x: readonly number[][], y: readonly number[], options: TrainingOptions): LogisticModel[][] {
  const perHead = oneVsRestLabels(y, init.length).map((yk, k) => trainPlain(init[k], x, yk, options));
  return Array.from({ length: options.epochs }, (_, e) => perHead.map((h) => h[e]));
}

/**
 * Encrypted one-vs-rest training, both roles in this process (the data party refreshes each head's
 * model after each epoch, as for one head). Calls `onEpoch` with the decrypted heads.
 */
export function trainOneVsRestEncrypted(
  client: LogisticDataParty,
  server: EncryptedLogisticTrainer,
  init: readonly LogisticModel[],
  x: readonly number[][],
  y: readonly number[],
  epochs: number,
  onEpoch: (epoch: number, heads: LogisticModel[], seconds: number) => void = () => undefined,
): LogisticModel[] {
  const labels = oneVsRestLabels(y, init.length);
  const features = checkTrainingData(x, labels[0]);
  // Features encrypted once (with the first head's labels); the other heads borrow them.
  const first = client.encryptTrainingSet(x, labels[0]);
  const sets: EncryptedTrainingSet[] = [first];
  const models: CipherText[] = [];
  try {
    for (let k = 1; k < labels.length; k++) {
      const yk = client.encryptLabels(labels[k]);
      sets.push({ rows: x.length, features, x: first.x, y: yk, delete: () => yk.forEach((c) => c.delete()) });
    }
    for (const m of init) models.push(client.encryptModel(m));
    let heads = [...init];
    for (let e = 1; e <= epochs; e++) {
      const t0 = performance.now();
      const updated: CipherText[] = [];
      try {
        for (let k = 0; k < sets.length; k++) updated.push(server.epoch(models[k], sets[k]));
        const seconds = (performance.now() - t0) / 1000;
        heads = updated.map((u, k) => {
          const r = client.refresh(u);
          models[k].delete();
          models[k] = r.ciphertext;
          return r.model;
        });
        onEpoch(e, heads, seconds);
      } finally {
        for (const u of updated) u.delete();
      }
    }
    return heads;
  } finally {
    for (const m of models) m.delete();
    for (let k = sets.length - 1; k >= 0; k--) sets[k].delete();
  }
}
