/** Grids of small grayscale images (digits, generated samples) encoded as PNG. */
import { PNG } from 'pngjs';

export interface GridOptions {
  /** Images per row. Default: ceil(sqrt(count)). */
  columns?: number;
  /** Integer upscaling of each pixel (nearest neighbour), so 28x28 digits are visible. Default 2. */
  scale?: number;
  /** Pixels between tiles. Default 2. */
  padding?: number;
  /** Value range of the input pixels: [0,255] bytes (default for Uint8Array), [0,1] or [-1,1] floats. */
  range?: '[0,255]' | '[0,1]' | '[-1,1]';
  /** Draw ink dark on white (as on paper) instead of white on black. Default false. */
  invert?: boolean;
}

/**
 * Tile `count` images of height×width (row-major, one after another in `pixels`) into
 * one PNG. Values outside the range are clipped.
 */
export function imageGridPng(pixels: ArrayLike<number>, count: number, height: number, width: number, opts: GridOptions = {}): Buffer {
  if (!Number.isInteger(count) || count <= 0) throw new RangeError(`image grid needs a positive image count, got ${count}`);
  if (pixels.length !== count * height * width) {
    throw new RangeError(`${count} images of ${height}x${width} need ${count * height * width} values, got ${pixels.length}`);
  }
  const columns = Math.max(1, Math.min(count, opts.columns ?? Math.ceil(Math.sqrt(count))));
  const rows = Math.ceil(count / columns);
  const scale = Math.max(1, Math.floor(opts.scale ?? 2));
  const pad = Math.max(0, Math.floor(opts.padding ?? 2));
  const range = opts.range ?? (pixels instanceof Uint8Array ? '[0,255]' : '[0,1]');
  const [lo, hi] = range === '[0,255]' ? [0, 255] : range === '[0,1]' ? [0, 1] : [-1, 1];
  const tileW = width * scale;
  const tileH = height * scale;
  const W = columns * tileW + (columns + 1) * pad;
  const H = rows * tileH + (rows + 1) * pad;
  const png = new PNG({ width: W, height: H, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  // pngjs keeps RGBA internally: opaque mid grey background (an alpha below 255 would be
  // blended with white when written as grayscale), so tile borders show in both modes.
  for (let o = 0; o < png.data.length; o += 4) {
    png.data[o] = png.data[o + 1] = png.data[o + 2] = 128;
    png.data[o + 3] = 255;
  }
  for (let k = 0; k < count; k++) {
    const r = Math.floor(k / columns);
    const c = k % columns;
    const x0 = pad + c * (tileW + pad);
    const y0 = pad + r * (tileH + pad);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = pixels[k * height * width + y * width + x];
        let g = Math.round(((v - lo) / (hi - lo)) * 255);
        g = Math.min(255, Math.max(0, Number.isFinite(g) ? g : 0));
        if (opts.invert) g = 255 - g;
        for (let dy = 0; dy < scale; dy++) {
          let o = ((y0 + y * scale + dy) * W + x0 + x * scale) * 4;
          for (let dx = 0; dx < scale; dx++, o += 4) {
            png.data[o] = g;
            png.data[o + 1] = g;
            png.data[o + 2] = g;
            png.data[o + 3] = 255;
          }
        }
      }
    }
  }
  return PNG.sync.write(png, { colorType: 0 });
}
