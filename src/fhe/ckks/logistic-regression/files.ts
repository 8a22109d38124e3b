/**
 * Encrypted training across processes: the data party writes the evaluation keys, the encrypted
 * training set and the encrypted model as bundles (run/); the compute party — another process that
 * never sees a secret key — reads them, runs one epoch and writes the updated model
 * (`privlab ckks logreg-epoch`). The compute party builds its context from the parameters in the
 * key bundle, so SEAL's 128-bit check runs on its side too.
 */
import { createCkksContext, type CkksContext } from '../context';
import type { CipherText } from '../seal';
import { decodeBundle, readBytes } from '../run/bundle';
import { decodeEvaluationKeys, EVALUATION_KEYS_KIND } from '../run/keys-file';
import { encodeCiphertexts, decodeCiphertexts } from '../run/ciphertexts-file';
import { writeFileAtomic } from '../../../util/files';
import { EncryptedLogisticTrainer, type EncryptedTrainingSet } from './encrypted-training';
import type { TrainingOptions } from './model';

export const TRAINING_SET_KIND = 'ckks-logreg-training-set';
export const MODEL_KIND = 'ckks-logreg-model';

export function encodeTrainingSet(ctx: CkksContext, set: EncryptedTrainingSet): Uint8Array {
  const cts = [...set.x.map((ct, i) => ({ name: `x${i}`, ct })), ...set.y.map((ct, i) => ({ name: `y${i}`, ct }))];
  return encodeCiphertexts(ctx, TRAINING_SET_KIND, cts, { rows: set.rows, features: set.features, ciphertexts: set.x.length });
}

export function decodeTrainingSet(ctx: CkksContext, bytes: Uint8Array, what = 'training set'): EncryptedTrainingSet {
  const { cts, meta } = decodeCiphertexts(ctx, bytes, TRAINING_SET_KIND, what);
  const x: CipherText[] = [];
  const y: CipherText[] = [];
  const set: EncryptedTrainingSet = {
    rows: meta.rows as number,
    features: meta.features as number,
    x,
    y,
    delete() {
      for (const c of cts.values()) c.delete();
      cts.clear();
    },
  };
  const n = meta.ciphertexts;
  if (!Number.isInteger(n) || !Number.isInteger(meta.rows) || !Number.isInteger(meta.features) || cts.size !== 2 * (n as number)) {
    set.delete();
    throw new TypeError(`${what}: meta ${JSON.stringify(meta)} does not describe its ${cts.size} ciphertexts`);
  }
  for (let i = 0; i < (n as number); i++) {
    const xi = cts.get(`x${i}`);
    const yi = cts.get(`y${i}`);
    if (!xi || !yi) {
      set.delete();
      throw new TypeError(`${what}: missing x${i} or y${i}`);
    }
    x.push(xi);
    y.push(yi);
  }
  return set;
}

export function encodeModel(ctx: CkksContext, ct: CipherText, features: number): Uint8Array {
  return encodeCiphertexts(ctx, MODEL_KIND, [{ name: 'model', ct }], { features });
}

export function decodeModel(ctx: CkksContext, bytes: Uint8Array, what = 'model'): { ct: CipherText; features: number } {
  const { cts, meta } = decodeCiphertexts(ctx, bytes, MODEL_KIND, what);
  const ct = cts.get('model');
  if (!ct || cts.size !== 1 || !Number.isInteger(meta.features)) {
    for (const c of cts.values()) c.delete();
    throw new TypeError(`${what}: expected one entry "model" and meta.features`);
  }
  return { ct, features: meta.features as number };
}

export interface EpochFiles {
  keys: string;
  data: string;
  model: string;
  out: string;
  options?: Omit<TrainingOptions, 'epochs'>;
}

/** The compute party's epoch from files to file; returns what it did. */
export async function logregEpochFromFiles(f: EpochFiles): Promise<{ seconds: number; level: number; ciphertexts: number; rows: number }> {
  const keyBytes = readBytes(f.keys);
  const dataBytes = readBytes(f.data);
  const modelBytes = readBytes(f.model);
  const parameters = decodeBundle(keyBytes, f.keys, { kind: EVALUATION_KEYS_KIND }).parameters;
  // Cheap checks of the other files' framing before the keys (tens of MB) are loaded.
  decodeBundle(dataBytes, f.data, { kind: TRAINING_SET_KIND });
  decodeBundle(modelBytes, f.model, { kind: MODEL_KIND });
  const ctx = await createCkksContext(parameters);
  let keys, data, model;
  try {
    keys = decodeEvaluationKeys(ctx, keyBytes, f.keys);
    data = decodeTrainingSet(ctx, dataBytes, f.data);
    model = decodeModel(ctx, modelBytes, f.model);
    if (model.features !== data.features) throw new TypeError(`${f.model}: model has ${model.features} features, the training set ${data.features}`);
    const trainer = new EncryptedLogisticTrainer(ctx, keys, data.features, f.options);
    const t0 = performance.now();
    const updated = trainer.epoch(model.ct, data);
    const seconds = (performance.now() - t0) / 1000;
    try {
      writeFileAtomic(f.out, encodeModel(ctx, updated, data.features));
      return { seconds, level: ctx.levelOf(updated), ciphertexts: data.x.length, rows: data.rows };
    } finally {
      updated.delete();
    }
  } finally {
    model?.ct.delete();
    data?.delete();
    keys?.delete();
    ctx.delete();
  }
}
