/**
 * The trained generators shipped in data/gan/, so notebooks show digits without training
 * first ("defaults show results"). Each folder holds its files and a manifest.json with
 * the command that made them, each file's SHA-256 (checked on every load) and the
 * generator's measured FID and mode coverage.
 *
 *   data/gan/regular/        generator.ckpt + discriminator.ckpt (float, no optimiser state)
 *   data/gan/qat4-pruned50/  generator.quantized.json (the FHE compiler's integer model)
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFileError } from '../data/errors';
import { Gan } from '../nn/gan';
import { loadGanCheckpoint } from '../nn/checkpoint';
import { loadQuantizedModel, QuantizedModel } from '../quant/quantized-model';
import { packageRoot, writeFileAtomic } from '../util/files';

export type ShippedGeneratorName = 'regular' | 'qat4-pruned50';
export const SHIPPED_GENERATORS: readonly ShippedGeneratorName[] = ['regular', 'qat4-pruned50'];
export const MANIFEST_FILE = 'manifest.json';

export interface ShippedManifest {
  what: string;
  /** The commands that reproduce the files, in order. */
  commands: string[];
  /** File name → its SHA-256 (hex) and size. */
  files: Record<string, { sha256: string; bytes: number }>;
  /** Measured quality (LeNet FID vs the 10,000 test digits, mode coverage), when known. */
  quality?: Record<string, unknown>;
}

export function shippedGeneratorDir(name: ShippedGeneratorName, root = path.join(packageRoot(), 'data', 'gan')): string {
  if (!SHIPPED_GENERATORS.includes(name)) throw new RangeError(`no shipped generator "${name}" (there are: ${SHIPPED_GENERATORS.join(', ')})`);
  return path.join(root, name);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Write `dir`/manifest.json for the given files of `dir` (hashing them now). */
export function writeShippedManifest(dir: string, m: Omit<ShippedManifest, 'files'> & { files: string[] }): ShippedManifest {
  const files: ShippedManifest['files'] = {};
  for (const f of m.files) {
    const bytes = fs.readFileSync(path.join(dir, f));
    files[f] = { sha256: sha256(bytes), bytes: bytes.length };
  }
  const manifest: ShippedManifest = { what: m.what, commands: m.commands, files, ...(m.quality ? { quality: m.quality } : {}) };
  writeFileAtomic(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Read a shipped folder's manifest and check every file it lists against its SHA-256. */
export function verifyShippedDir(dir: string): ShippedManifest {
  const mf = path.join(dir, MANIFEST_FILE);
  let m: ShippedManifest;
  try {
    m = JSON.parse(fs.readFileSync(mf, 'utf8')) as ShippedManifest;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(
      mf,
      code === 'ENOENT' ? 'file not found (is data/gan/ shipped with this checkout?)' : `not a readable manifest (${(err as Error).message})`,
    );
  }
  if (!m || typeof m.files !== 'object' || m.files === null) throw new DataFileError(mf, 'manifest lacks "files"');
  for (const [name, f] of Object.entries(m.files)) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new DataFileError(file, `listed in ${mf} but not found`);
    if (sha256(fs.readFileSync(file)) !== f.sha256) throw new DataFileError(file, `does not match the SHA-256 recorded in ${mf} (corrupt or replaced file)`);
  }
  return m;
}

/**
 * A GAN from a checkpoint file, or from a folder with generator.ckpt and (for fine-tuning)
 * discriminator.ckpt — the shipped layout, checked against its manifest when it has one.
 */
export function loadGanFrom(from: string): Gan {
  return loadTrainedGan(from).gan;
}

/** loadGanFrom, with the epochs the GAN had trained (its checkpoint's meta.epoch): fine-tuning numbers its epochs on from there. */
export function loadTrainedGan(from: string): { gan: Gan; epochs: number } {
  if (!fs.existsSync(from)) throw new DataFileError(from, 'not found');
  if (!fs.statSync(from).isDirectory()) {
    const c = loadGanCheckpoint(from);
    return { gan: c.gan, epochs: c.meta.epoch };
  }
  if (fs.existsSync(path.join(from, MANIFEST_FILE))) verifyShippedDir(from);
  const g = loadGanCheckpoint(path.join(from, 'generator.ckpt'));
  if (!g.networks.includes('generator')) throw new DataFileError(path.join(from, 'generator.ckpt'), 'holds no generator');
  const dFile = path.join(from, 'discriminator.ckpt');
  if (fs.existsSync(dFile)) {
    const d = loadGanCheckpoint(dFile);
    try {
      if (!d.networks.includes('discriminator')) throw new DataFileError(dFile, 'holds no discriminator');
      if (JSON.stringify(d.config) !== JSON.stringify(g.config)) throw new DataFileError(dFile, "its GAN configuration differs from generator.ckpt's");
      const to = g.gan.discriminator.variables();
      d.gan.discriminator.variables().forEach((v, i) => to[i].assign(v));
    } finally {
      d.gan.dispose();
    }
  }
  return { gan: g.gan, epochs: g.meta.epoch };
}

export type ShippedGenerator =
  | { name: 'regular'; kind: 'float'; gan: Gan; /** Epochs it was trained. */ epochs: number; manifest: ShippedManifest }
  | { name: 'qat4-pruned50'; kind: 'quantized'; model: QuantizedModel; manifest: ShippedManifest };

/**
 * A shipped generator, checked against its manifest: 'regular' as a Gan (float; its
 * discriminator too, for fine-tuning), 'qat4-pruned50' as the integer model (run it with
 * runQuantized, or compile it for FHE).
 */
export function loadShippedGenerator(name: ShippedGeneratorName, root?: string): ShippedGenerator {
  const dir = shippedGeneratorDir(name, root);
  const manifest = verifyShippedDir(dir);
  if (name === 'regular') return { name, kind: 'float', ...loadTrainedGan(dir), manifest };
  return { name, kind: 'quantized', model: loadQuantizedModel(path.join(dir, 'generator.quantized.json')), manifest };
}
