/**
 * Scores or losses from a file, for `privlab privacy mia`: a numpy .npy (float32/float64, shape
 * (N,) or (N, 1)) or plain text with one number per line (blank lines and lines starting with
 * '#' are skipped).
 */
import * as fs from 'node:fs';
import { DataFileError } from '../data/errors';
import { decodeNpy } from '../metrics/npy';

/**
 * Files are read whole: a .npy becomes a Float64Array and a text file a JavaScript string
 * (V8 caps strings near 512 MiB). 256 MiB (32 million float64 scores) stays clear of both.
 */
export const MAX_SCORE_FILE_BYTES = 256 * 1024 * 1024;

function readBytes(file: string): Buffer {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFileError(file, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`);
  }
  if (size > MAX_SCORE_FILE_BYTES) throw new DataFileError(file, `${size} bytes is more than the ${MAX_SCORE_FILE_BYTES} a score file may have`);
  return fs.readFileSync(file);
}

function fromNpy(file: string, bytes: Buffer): Float64Array {
  const arr = decodeNpy(bytes, file);
  const [n, cols] = arr.shape;
  if (!(arr.shape.length === 1 || (arr.shape.length === 2 && cols === 1))) {
    throw new DataFileError(file, `expected one score per example, shape (N,) or (N, 1); got (${arr.shape.join(', ')})`);
  }
  if (n === 0) throw new DataFileError(file, 'holds no scores');
  const bad = arr.data.findIndex((v) => Number.isNaN(v));
  if (bad >= 0) throw new DataFileError(file, `value ${bad} is NaN`);
  return arr.data;
}

function fromText(file: string, bytes: Buffer): Float64Array {
  const out: number[] = [];
  bytes
    .toString('utf8')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const v = Number(line);
      if (Number.isNaN(v))
        throw new DataFileError(file, `line ${i + 1}: "${line.length > 40 ? line.slice(0, 40) + '…' : line}" is not a number (one score per line)`);
      out.push(v);
    });
  if (out.length === 0) throw new DataFileError(file, 'holds no scores');
  return Float64Array.from(out);
}

/** The numbers in `file`: .npy by its magic bytes, otherwise text. */
export function readScoreFile(file: string): Float64Array {
  const bytes = readBytes(file);
  return bytes.length >= 6 && bytes[0] === 0x93 && bytes.toString('latin1', 1, 6) === 'NUMPY' ? fromNpy(file, bytes) : fromText(file, bytes);
}
