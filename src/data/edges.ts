/**
 * Sobel edge maps of single-channel images: the "edges" half of the edges→image task that
 * privlab's Pix2Pix learns (the source's edges2shoes-style pairs, made from Fashion-MNIST).
 * Plain loops on typed arrays: edges are computed once when the pairs are built, not in
 * training, so no tensor backend is involved.
 */

/** Sobel kernels as correlations: gx responds to dark→bright from left to right, gy top to bottom. */
export const SOBEL_X: readonly number[] = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
export const SOBEL_Y: readonly number[] = [-1, -2, -1, 0, 0, 0, 1, 2, 1];

export interface SobelResult {
  gx: Float32Array;
  gy: Float32Array;
  /** sqrt(gx² + gy²) */
  magnitude: Float32Array;
}

function checkImages(pixels: ArrayLike<number>, count: number, height: number, width: number): void {
  for (const [name, v] of [['count', count], ['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`Sobel: ${name} must be a positive integer, got ${v}`);
  }
  if (pixels.length !== count * height * width) {
    throw new RangeError(`Sobel: ${count} images of ${height}x${width} need ${count * height * width} pixels, got ${pixels.length}`);
  }
}

/**
 * The Sobel gradients of `count` row-major images of height × width, with zero padding
 * outside the image (the datasets here have a black background, so zero is what lies beyond
 * the border).
 */
export function sobel(pixels: ArrayLike<number>, count: number, height: number, width: number): SobelResult {
  checkImages(pixels, count, height, width);
  const n = count * height * width;
  const gx = new Float32Array(n);
  const gy = new Float32Array(n);
  const magnitude = new Float32Array(n);
  const at = (base: number, y: number, x: number): number => (y < 0 || y >= height || x < 0 || x >= width ? 0 : pixels[base + y * width + x]);
  for (let b = 0; b < count; b++) {
    const base = b * height * width;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sx = 0;
        let sy = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const v = at(base, y + dy, x + dx);
            const k = (dy + 1) * 3 + (dx + 1);
            sx += SOBEL_X[k] * v;
            sy += SOBEL_Y[k] * v;
          }
        }
        const i = base + y * width + x;
        gx[i] = sx;
        gy[i] = sy;
        magnitude[i] = Math.sqrt(sx * sx + sy * sy);
      }
    }
  }
  return { gx, gy, magnitude };
}

export interface EdgeMapOptions {
  /**
   * Magnitude that maps to full edge strength. Default 2: half the response of the Sobel
   * operator to a full-contrast step edge (4 on [0, 1] pixels), so clear garment outlines
   * saturate while texture stays grey.
   */
  scale?: number;
  /** When set, edges are binary: magnitude/scale ≥ threshold → 1, else 0 (crisper, like drawn outlines). */
  threshold?: number;
}

/**
 * Edge strength in [0, 1] of images whose pixels are in [0, 1]: min(|∇I| / scale, 1), or
 * binarised at `threshold`.
 */
export function sobelEdges(pixels: ArrayLike<number>, count: number, height: number, width: number, opts: EdgeMapOptions = {}): Float32Array {
  const scale = opts.scale ?? 2;
  if (!(scale > 0)) throw new RangeError(`edge scale must be positive, got ${scale}`);
  if (opts.threshold !== undefined && !(opts.threshold > 0 && opts.threshold <= 1)) {
    throw new RangeError(`edge threshold must be in (0, 1], got ${opts.threshold}`);
  }
  const { magnitude } = sobel(pixels, count, height, width);
  const out = new Float32Array(magnitude.length);
  for (let i = 0; i < out.length; i++) {
    const e = Math.min(magnitude[i] / scale, 1);
    out[i] = opts.threshold === undefined ? e : e >= opts.threshold ? 1 : 0;
  }
  return out;
}
