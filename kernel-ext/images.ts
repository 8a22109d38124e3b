/** Image grids (digits, generated samples) shown as PNG outputs. */
import { ImageDataset } from '../src/data/dataset';
import { GridOptions, imageGridPng } from '../src/viz/image-grid';
import { display } from './display';
import { saveFigure } from './figures';

/** What we use of a tfjs tensor, so this module does not load tfjs. */
export interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
}

export interface ImagesOptions extends GridOptions {
  /** Which images of a dataset (default: the first 64). */
  indices?: number[];
  /** Image size for flat tensors [n, h·w]. Default: square. */
  height?: number;
  width?: number;
  /** Save the PNG under figures/ (name without extension). */
  save?: string;
  caption?: string;
}

function isDataset(x: unknown): x is ImageDataset {
  return typeof x === 'object' && x !== null && 'images' in x && 'labels' in x && 'classNames' in x;
}

/** Pixels and geometry of what the caller gave. */
function unpack(
  src: ImageDataset | TensorLike,
  opts: ImagesOptions,
): { pixels: ArrayLike<number>; count: number; h: number; w: number; range: GridOptions['range'] } {
  if (isDataset(src)) {
    const idx = opts.indices ?? Array.from({ length: Math.min(64, src.count) }, (_, i) => i);
    const px = src.height * src.width;
    const pixels = new Uint8Array(idx.length * px);
    idx.forEach((j, k) => {
      if (!Number.isInteger(j) || j < 0 || j >= src.count) throw new RangeError(`index ${j} is outside ${src.name} (${src.count} images)`);
      pixels.set(src.images.subarray(j * px, (j + 1) * px), k * px);
    });
    return { pixels, count: idx.length, h: src.height, w: src.width, range: '[0,255]' };
  }
  const shape = src.shape;
  const count = shape[0];
  let h: number;
  let w: number;
  if (shape.length === 2) {
    w = opts.width ?? Math.round(Math.sqrt(shape[1]));
    h = opts.height ?? shape[1] / w;
    if (!Number.isInteger(h) || h * w !== shape[1])
      throw new RangeError(`cannot lay out ${shape[1]} values per image as ${opts.height ?? '?'}x${w}; pass height and width`);
  } else if (shape.length === 3 || (shape.length === 4 && shape[3] === 1)) {
    h = shape[1];
    w = shape[2];
  } else {
    throw new RangeError(`images must be [n, h·w], [n, h, w] or [n, h, w, 1], got [${shape.join(', ')}]`);
  }
  return { pixels: src.dataSync(), count, h, w, range: opts.range ?? '[-1,1]' };
}

/** The grid as PNG bytes, without showing it. */
export function imagesPng(src: ImageDataset | TensorLike, opts: ImagesOptions = {}): Buffer {
  const { pixels, count, h, w, range } = unpack(src, opts);
  return imageGridPng(pixels, count, h, w, { ...opts, range: opts.range ?? range });
}

/**
 * Show a grid of images from a dataset or a tensor (generator output in [-1, 1] by
 * default; pass range for others).
 */
export function images(src: ImageDataset | TensorLike, opts: ImagesOptions = {}): void {
  const png = imagesPng(src, opts);
  const n = isDataset(src) ? (opts.indices?.length ?? Math.min(64, src.count)) : src.shape[0];
  display({ 'image/png': png.toString('base64'), 'text/plain': opts.caption ?? `<${n} images>` });
  if (opts.save) saveFigure(opts.save, png);
}
