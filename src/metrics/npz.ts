/** numpy's .npz: a zip archive of .npy members (np.savez stores, np.savez_compressed deflates). */
import { zipSync } from 'fflate';
import { DataFileError } from '../data/errors';
import { CompressedFormatError, DecompressionLimitError, unzipCapped } from '../util/capped-inflate';
import { decodeNpy, encodeNpy, NdArray, npyByteLength } from './npy';

/** Default cap on an archive's decompressed .npy members: a 2048-d pytorch-fid file needs 32 MiB. */
export const MAX_NPZ_BYTES = 512 * 1024 * 1024;
/** Members an archive may list (numpy writes one per array). */
export const MAX_NPZ_MEMBERS = 1024;

export interface DecodeNpzOptions {
  /** Most decompressed bytes over all members (default MAX_NPZ_BYTES). */
  maxBytes?: number;
}

/**
 * Decode every .npy member; keys are the member names without ".npy". Members are
 * inflated under a cap, each stopping at the length its own .npy header declares, so a
 * zip bomb costs at most that much memory.
 */
export function decodeNpz(bytes: Uint8Array, name = '<buffer>', opts: DecodeNpzOptions = {}): Record<string, NdArray> {
  const maxBytes = opts.maxBytes ?? MAX_NPZ_BYTES;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipCapped(bytes, name, {
      maxBytes,
      maxMembers: MAX_NPZ_MEMBERS,
      filter: (member) => member.endsWith('.npy'),
      sizeFromPrefix: (prefix) => npyByteLength(prefix, name),
    });
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    if (err instanceof DecompressionLimitError) throw new DataFileError(err.file, err.problem);
    if (err instanceof CompressedFormatError) throw new DataFileError(err.file, `not a valid .npz (zip) archive: ${err.problem}`);
    throw new DataFileError(name, `not a valid .npz (zip) archive: ${(err as Error).message}`);
  }
  const out: Record<string, NdArray> = {};
  for (const [member, data] of Object.entries(files)) out[member.slice(0, -4)] = decodeNpy(data, `${name}:${member}`);
  return out;
}

export function encodeNpz(arrays: Record<string, { shape: number[]; data: ArrayLike<number> }>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) files[`${k}.npy`] = encodeNpy(v);
  return zipSync(files, { level: 0 });
}
