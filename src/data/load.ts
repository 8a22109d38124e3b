/** One entry point for the CLI and notebooks: a dataset by name or path. */
import { ImageDataset } from './dataset';
import { loadMnist } from './mnist';
import { loadFashionMnist } from './fashion';
import { labelsFileFor, loadIdxDataset } from './idx-dataset';

/**
 * 'mnist' (embedded 10k digits), 'fashion' (Debian's 70k Fashion-MNIST), or the path of an
 * images IDX file (…-images-idx3-ubyte[.gz]) whose labels file sits beside it.
 */
export function loadDataset(spec: string): ImageDataset {
  if (spec === 'mnist') return loadMnist();
  if (spec === 'fashion' || spec === 'fashion-mnist') return loadFashionMnist('all');
  return loadIdxDataset(spec, labelsFileFor(spec));
}
