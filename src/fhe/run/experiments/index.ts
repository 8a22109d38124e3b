/** The encrypted-inference experiments (notebook 03, `privlab bench fhe-mnist|fhe-gan`). */
export { runMnistFcnn, ZAMA_FCNN_REFERENCE } from './mnist-fcnn';
export type { MnistFcnnOptions, MnistFcnnResult } from './mnist-fcnn';
export { runGanFhe, GAN_FHE_REFERENCE } from './gan-fhe';
export type { GanFheOptions, GanFheResult, GanFheRun } from './gan-fhe';
export { trainFcnn, classificationAccuracy } from './fcnn-train';
export { trainCnn } from './cnn-train';
export type { CnnTrainOptions } from './cnn-train';
