/**
 * tfjs models on disk in tfjs's own layout (model.json + weights .bin shards), without
 * tfjs-node: its file:// handler lives there, and tfjs-node cannot be installed here.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataFileError } from '../data/errors';
import { writeFileAtomic } from '../util/files';

/**
 * Save a LayersModel to dir/model.json + dir/weights.bin. Extra fields go into model.json under
 * "privlab", with the weights' SHA-256 (`weightsSha256`), which loadModel checks.
 */
export async function saveModel(model: tf.LayersModel, dir: string, meta: Record<string, unknown> = {}): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData as ArrayBuffer;
      writeFileAtomic(path.join(dir, 'weights.bin'), new Uint8Array(weights));
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        privlab: { ...meta, weightsSha256: createHash('sha256').update(new Uint8Array(weights)).digest('hex') },
      };
      writeFileAtomic(path.join(dir, 'model.json'), `${JSON.stringify(json)}\n`);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

/** Largest model.json read (topology and manifest; Inception's is about 1 MB). */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** Largest total of weight shards read (InceptionV3 in float32 is about 95 MB). */
export const MAX_WEIGHTS_BYTES = 1024 * 1024 * 1024;

/** Size of `file`, refused above `max` before anything is read. */
function boundedSize(file: string, max: number, what: string): number {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(file, code === 'ENOENT' ? `${what} not found` : `cannot read ${what} (${code ?? String(err)})`);
  }
  if (size > max) throw new DataFileError(file, `${what} of ${size} bytes is more than the limit of ${max}`);
  return size;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  privlab?: Record<string, unknown>;
}

/** Load a LayersModel saved in tfjs's layout (any tfjs Keras-converted model, e.g. an InceptionV3). */
export async function loadModel(modelJsonPath: string): Promise<{ model: tf.LayersModel; meta: Record<string, unknown> }> {
  let json: ModelJson;
  boundedSize(modelJsonPath, MAX_MODEL_JSON_BYTES, 'file');
  try {
    json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(modelJsonPath, code === 'ENOENT' ? 'file not found' : `not a readable model.json (${(err as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new DataFileError(modelJsonPath, 'not a tfjs layers model (model.json needs modelTopology and weightsManifest)');
  }
  const dir = path.dirname(modelJsonPath);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const files: string[] = [];
  for (const group of json.weightsManifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights) || !group.paths.every((p) => typeof p === 'string')) {
      throw new DataFileError(modelJsonPath, 'each weightsManifest group needs paths and weights lists');
    }
    files.push(...group.paths.map((p) => path.join(dir, p)));
    specs.push(...group.weights);
  }
  // Declared sizes are checked against the limit and against the shards' real sizes before reading any.
  let declared = 0;
  for (const [i, w] of specs.entries()) {
    const ok = w && typeof w.name === 'string' && Array.isArray(w.shape) && w.shape.every((d) => Number.isSafeInteger(d) && d >= 0) && w.dtype in DTYPE_BYTES;
    if (!ok || w.quantization) throw new DataFileError(modelJsonPath, `weight ${i} is not an unquantized { name, shape, dtype: float32 | int32 | bool } entry`);
    declared += w.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[w.dtype];
    if (declared > MAX_WEIGHTS_BYTES) throw new DataFileError(modelJsonPath, `the manifest declares more than ${MAX_WEIGHTS_BYTES} bytes of weights`);
  }
  const onDisk = files.reduce((s, f) => s + boundedSize(f, MAX_WEIGHTS_BYTES, `weights shard listed in ${modelJsonPath}`), 0);
  if (onDisk !== declared) throw new DataFileError(modelJsonPath, `weights hold ${onDisk} bytes, the manifest needs ${declared}`);
  const buffers = files.map((f) => fs.readFileSync(f));
  const all = Buffer.concat(buffers);
  const sha = json.privlab?.weightsSha256;
  if (typeof sha === 'string' && createHash('sha256').update(all).digest('hex') !== sha) {
    throw new DataFileError(modelJsonPath, 'weights do not match the SHA-256 recorded in model.json (corrupt or replaced weights file)');
  }
  if (all.length !== declared) throw new DataFileError(modelJsonPath, `weights hold ${all.length} bytes, the manifest needs ${declared}`);
  // NaN/Inf weights would make every feature NaN, and FID fail far from the cause.
  let at = 0;
  for (const w of specs) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (w.dtype === 'float32') {
      for (let i = 0; i < n; i++) {
        const v = all.readFloatLE(at + 4 * i);
        if (!Number.isFinite(v)) throw new DataFileError(modelJsonPath, `weight ${w.name} holds ${v} at index ${i}`);
      }
    }
    at += n * DTYPE_BYTES[w.dtype];
  }
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: specs, weightData }),
  );
  return { model, meta: json.privlab ?? {} };
}
