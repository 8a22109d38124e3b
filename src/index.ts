/** privlab: the library. Notebooks import privlab/kernel-ext, which re-exports what they need. */
export * as data from './data';
export * as viz from './viz';
export { SeededRng } from './util/rng';
export * as privacy from './privacy';
export * as models from './models';
