/** Fashion-MNIST (Xiao et al., 70,000 images) from Debian's package dataset-fashion-mnist. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFileError } from './errors';
import { ImageDataset, makeDataset } from './dataset';
import { loadIdxDataset } from './idx-dataset';

export const FASHION_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/** Where Debian installs it; PRIVLAB_FASHION_DIR overrides (a folder with the four standard IDX files). */
export function fashionDir(): string {
  return process.env.PRIVLAB_FASHION_DIR ?? '/usr/share/datasets/fashion-mnist';
}

export type FashionSplit = 'train' | 'test' | 'all';

export function loadFashionMnist(split: FashionSplit = 'all'): ImageDataset {
  const dir = fashionDir();
  if (!fs.existsSync(dir)) {
    throw new DataFileError(dir, 'Fashion-MNIST not found: install the Debian package dataset-fashion-mnist (the set-up does) or set PRIVLAB_FASHION_DIR');
  }
  const part = (prefix: string): ImageDataset =>
    loadIdxDataset(path.join(dir, `${prefix}-images-idx3-ubyte.gz`), path.join(dir, `${prefix}-labels-idx1-ubyte.gz`), {
      name: `fashion-mnist ${prefix === 't10k' ? 'test' : 'train'}`,
      classNames: FASHION_CLASSES,
    });
  if (split === 'train') return part('train');
  if (split === 'test') return part('t10k');
  const a = part('train');
  const b = part('t10k');
  const images = new Uint8Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  const labels = new Uint8Array(a.count + b.count);
  labels.set(a.labels);
  labels.set(b.labels, a.count);
  return makeDataset({ ...a, name: 'fashion-mnist (70k)', images, labels, count: a.count + b.count });
}
