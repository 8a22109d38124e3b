/**
 * scikit-learn's digits (UCI optical recognition of handwritten digits, test part): 1,797
 * images of 8x8 pixels with values 0..16, ten classes. Read from the file that Debian's
 * python3-sklearn ships (sklearn/datasets/data/digits.csv.gz: 64 pixel columns, then the
 * label), so no network access is needed. PRIVLAB_DIGITS_CSV overrides the path.
 */
import * as fs from 'node:fs';
import { DataFileError } from './errors';
import { gunzipCapped } from '../util/capped-inflate';
import type { TabularDataset } from './breast-cancer';

export const DIGITS_ROWS = 1797;
export const DIGITS_FEATURES = 64;

export function digitsFile(): string {
  return process.env.PRIVLAB_DIGITS_CSV ?? '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';
}

/** x [1797 × 64] pixel values 0..16, y the digit 0..9. */
export function loadDigits(file = digitsFile()): TabularDataset {
  if (!fs.existsSync(file)) throw new DataFileError(file, 'digits not found: install the Debian package python3-sklearn (the set-up does) or set PRIVLAB_DIGITS_CSV');
  // 1797 lines of ≤ 65 numbers of ≤ 2 digits: about 0.4 MB; 4 MB leaves room and bounds a crafted file.
  const text = gunzipCapped(fs.readFileSync(file), file, { maxBytes: 4 << 20 }).toString('latin1');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== DIGITS_ROWS) throw new DataFileError(file, `${lines.length} rows, expected ${DIGITS_ROWS}`);
  const x: number[][] = [];
  const y: number[] = [];
  lines.forEach((line, i) => {
    const v = line.split(',').map(Number);
    if (v.length !== DIGITS_FEATURES + 1) throw new DataFileError(file, `row ${i + 1} has ${v.length} columns, expected ${DIGITS_FEATURES + 1}`);
    if (!v.every((p, j) => Number.isInteger(p) && p >= 0 && p <= (j < DIGITS_FEATURES ? 16 : 9)))
      throw new DataFileError(file, `row ${i + 1} has a value outside 0..16 (pixels) or 0..9 (label)`);
    x.push(v.slice(0, DIGITS_FEATURES));
    y.push(v[DIGITS_FEATURES]);
  });
  return { x, y, featureNames: Array.from({ length: DIGITS_FEATURES }, (_, j) => `pixel_${j >> 3}_${j & 7}`) };
}
