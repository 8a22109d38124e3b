/** Image datasets stored as a pair of IDX files (images idx3, labels idx1), as MNIST and Fashion-MNIST ship. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFileError } from './errors';
import { DIGIT_CLASSES, ImageDataset, makeDataset } from './dataset';
import { readIdx } from './idx';

/** Load images + labels from IDX files. Class names default to the digits 0–9. */
export function loadIdxDataset(imagesFile: string, labelsFile: string, opts: { name?: string; classNames?: readonly string[] } = {}): ImageDataset {
  const img = readIdx(imagesFile);
  if (img.type !== 'uint8' || img.dims.length !== 3) {
    throw new DataFileError(imagesFile, `expected images as a 3-D uint8 array (count x height x width), found ${img.dims.length}-D ${img.type}`);
  }
  const lab = readIdx(labelsFile);
  if (lab.type !== 'uint8' || lab.dims.length !== 1) {
    throw new DataFileError(labelsFile, `expected labels as a 1-D uint8 array, found ${lab.dims.length}-D ${lab.type}`);
  }
  const [count, height, width] = img.dims;
  if (lab.dims[0] !== count) {
    throw new DataFileError(labelsFile, `${lab.dims[0]} labels do not match the ${count} images in ${imagesFile}`);
  }
  const classNames = opts.classNames ?? DIGIT_CLASSES;
  const labels = lab.data as Uint8Array;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classNames.length) throw new DataFileError(labelsFile, `label ${labels[i]} at index ${i} is outside the ${classNames.length} classes`);
  }
  return makeDataset({ name: opts.name ?? imagesFile, images: img.data as Uint8Array, labels, count, height, width, classNames });
}

/**
 * The labels file that goes with an images file by the standard naming
 * (…-images-idx3-ubyte[.gz] → …-labels-idx1-ubyte[.gz]).
 */
export function labelsFileFor(imagesFile: string): string {
  if (!fs.existsSync(imagesFile)) throw new DataFileError(imagesFile, 'file not found');
  const base = path.basename(imagesFile);
  if (!base.includes('images-idx3')) {
    throw new DataFileError(imagesFile, 'cannot infer the labels file: the name does not contain "images-idx3" (give the labels file explicitly)');
  }
  const candidate = path.join(path.dirname(imagesFile), base.replace('images-idx3', 'labels-idx1'));
  if (fs.existsSync(candidate)) return candidate;
  const alt = candidate.endsWith('.gz') ? candidate.slice(0, -3) : `${candidate}.gz`;
  if (fs.existsSync(alt)) return alt;
  throw new DataFileError(candidate, `labels file for ${imagesFile} not found`);
}
