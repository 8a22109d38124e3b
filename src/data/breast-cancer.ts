/**
 * The 9-feature breast-cancer table shipped in data/breast-cancer/ (see its README for the command
 * that made it): 569 rows, labels 0 = malignant, 1 = benign. Validated on load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from './errors';

export interface TabularDataset {
  x: number[][];
  y: number[];
  featureNames: string[];
}

export const BREAST_CANCER_FILE = join(__dirname, '..', '..', '..', 'data', 'breast-cancer', 'breast-cancer-9.json');

export function loadBreastCancer(file = BREAST_CANCER_FILE): TabularDataset {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataFileError(file, `cannot read the breast-cancer table: ${(e as Error).message}`);
  }
  const d = raw as { x?: unknown; y?: unknown; feature_names?: unknown };
  if (!Array.isArray(d.x) || !Array.isArray(d.y) || !Array.isArray(d.feature_names)) throw new DataFileError(file, 'expected fields x, y, feature_names');
  const f = d.feature_names.length;
  if (d.x.length !== d.y.length || d.x.length === 0) throw new DataFileError(file, `x has ${d.x.length} rows, y ${d.y.length}`);
  d.x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== f || !row.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw new DataFileError(file, `row ${i} is not ${f} finite numbers`);
  });
  d.y.forEach((v, i) => {
    if (v !== 0 && v !== 1) throw new DataFileError(file, `label ${i} is ${String(v)}, expected 0 or 1`);
  });
  return { x: d.x as number[][], y: d.y as number[], featureNames: d.feature_names.map(String) };
}
