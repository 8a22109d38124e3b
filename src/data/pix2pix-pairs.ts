/**
 * The paired data of the Pix2Pix experiment: Fashion-MNIST images padded to 32x32 (so five
 * stride-2 halvings reach 1x1, as the original U-Net's eight do from 256x256) and their
 * Sobel edge maps, both in [-1, 1] as [n, 32, 32, 1] NHWC tensors: edges → image.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from './dataset';
import { EdgeMapOptions, sobelEdges } from './edges';
import { FashionSplit, loadFashionMnist } from './fashion';

export interface EdgePairs {
  /** Condition: edge maps in [-1, 1] (−1 no edge, 1 strong edge), [n, size, size, 1]. */
  edges: tf.Tensor4D;
  /** Target: the padded images in [-1, 1] (−1 background), [n, size, size, 1]. */
  images: tf.Tensor4D;
  /** Class of each pair (for per-class views and site splits). */
  labels: Uint8Array;
}

export interface EdgePairOptions extends EdgeMapOptions {
  /** Output side length; the images are centred with zero (background) padding. Default 32. */
  size?: number;
  /** Which images of the dataset, in this order. Default all. */
  indices?: ArrayLike<number>;
}

/**
 * Pixels of the chosen images in [0, 1], centred in size × size frames. Throws when the
 * frame is smaller than the images or the padding cannot be split evenly.
 */
export function padImages(ds: ImageDataset, size: number, indices?: ArrayLike<number>): Float32Array {
  if (!Number.isInteger(size) || size < ds.height || size < ds.width) {
    throw new RangeError(`pad size must be an integer ≥ the ${ds.height}x${ds.width} images, got ${size}`);
  }
  if ((size - ds.height) % 2 !== 0 || (size - ds.width) % 2 !== 0) {
    throw new RangeError(`pad size ${size} does not centre ${ds.height}x${ds.width} images (odd padding)`);
  }
  const idx = indices ?? Uint32Array.from({ length: ds.count }, (_, i) => i);
  const top = (size - ds.height) / 2;
  const left = (size - ds.width) / 2;
  const px = ds.height * ds.width;
  const out = new Float32Array(idx.length * size * size);
  for (let n = 0; n < idx.length; n++) {
    const j = idx[n];
    if (!Number.isInteger(j) || j < 0 || j >= ds.count) throw new RangeError(`index ${j} is outside ${ds.name} (${ds.count} images)`);
    const src = j * px;
    const dst = n * size * size;
    for (let y = 0; y < ds.height; y++) {
      for (let x = 0; x < ds.width; x++) out[dst + (y + top) * size + x + left] = ds.images[src + y * ds.width + x] / 255;
    }
  }
  return out;
}

/** edges → image pairs of a dataset (any single-channel ImageDataset; Fashion-MNIST in the experiment). */
export function edgePairs(ds: ImageDataset, opts: EdgePairOptions = {}): EdgePairs {
  const size = opts.size ?? 32;
  const idx = opts.indices ?? Uint32Array.from({ length: ds.count }, (_, i) => i);
  const n = idx.length;
  if (n === 0) throw new RangeError('edge pairs: no images selected');
  const img01 = padImages(ds, size, idx);
  const edge01 = sobelEdges(img01, n, size, size, opts);
  const toSigned = (a: Float32Array): Float32Array => a.map((v) => v * 2 - 1);
  const labels = Uint8Array.from({ length: n }, (_, i) => ds.labels[idx[i]]);
  return {
    edges: tf.tensor4d(toSigned(edge01), [n, size, size, 1], 'float32'),
    images: tf.tensor4d(toSigned(img01), [n, size, size, 1], 'float32'),
    labels,
  };
}

/** The first `count` pairs (default all) of a Fashion-MNIST split. */
export function fashionEdgePairs(split: FashionSplit = 'train', opts: EdgePairOptions & { count?: number } = {}): EdgePairs {
  const ds = loadFashionMnist(split);
  const count = opts.count ?? ds.count;
  if (!Number.isInteger(count) || count < 1 || count > ds.count) throw new RangeError(`count must be in [1, ${ds.count}], got ${count}`);
  return edgePairs(ds, { ...opts, indices: opts.indices ?? Uint32Array.from({ length: count }, (_, i) => i) });
}

/**
 * The centred size x size crop of [n, s, s, c] images: undoes padImages, e.g. to give Pix2Pix's
 * 32x32 outputs to a 28x28 Fashion-MNIST feature model without resizing them.
 */
export function cropCentre(images: tf.Tensor4D, size = 28): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  if (!Number.isInteger(size) || size < 1 || size > h || size > w || (h - size) % 2 !== 0 || (w - size) % 2 !== 0) {
    throw new RangeError(`cannot crop ${h}x${w} images to a centred ${size}x${size}`);
  }
  return tf.slice(images, [0, (h - size) / 2, (w - size) / 2, 0], [n, size, size, c]);
}
