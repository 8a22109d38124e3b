/** numpy's .npz: a zip archive of .npy members (np.savez stores, np.savez_compressed deflates). */
import { unzipSync, zipSync } from 'fflate';
import { DataFileError } from '../data/errors';
import { decodeNpy, encodeNpy, NdArray } from './npy';

/** Decode every member; keys are the member names without ".npy". */
export function decodeNpz(bytes: Uint8Array, name = '<buffer>'): Record<string, NdArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (err) {
    throw new DataFileError(name, `not a valid .npz (zip) archive: ${(err as Error).message}`);
  }
  const out: Record<string, NdArray> = {};
  for (const [member, data] of Object.entries(files)) {
    if (!member.endsWith('.npy')) continue;
    out[member.slice(0, -4)] = decodeNpy(data, `${name}:${member}`);
  }
  return out;
}

export function encodeNpz(arrays: Record<string, { shape: number[]; data: ArrayLike<number> }>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) files[`${k}.npy`] = encodeNpy(v);
  return zipSync(files, { level: 0 });
}
