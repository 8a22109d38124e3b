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

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  privlab?: Record<string, unknown>;
}

/** Load a LayersModel saved in tfjs's layout (any tfjs Keras-converted model, e.g. an InceptionV3). */
export async function loadModel(modelJsonPath: string): Promise<{ model: tf.LayersModel; meta: Record<string, unknown> }> {
  let json: ModelJson;
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
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const file = path.join(dir, p);
      if (!fs.existsSync(file)) throw new DataFileError(file, `weights shard listed in ${modelJsonPath} not found`);
      buffers.push(fs.readFileSync(file));
    }
    specs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const sha = json.privlab?.weightsSha256;
  if (typeof sha === 'string' && createHash('sha256').update(all).digest('hex') !== sha) {
    throw new DataFileError(modelJsonPath, 'weights do not match the SHA-256 recorded in model.json (corrupt or replaced weights file)');
  }
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'float32' || w.dtype === 'int32' ? 4 : 1), 0);
  if (all.length !== expected) throw new DataFileError(modelJsonPath, `weights hold ${all.length} bytes, the manifest needs ${expected}`);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: specs, weightData }),
  );
  return { model, meta: json.privlab ?? {} };
}
