/** Models and training loops: the reference MLP GAN, its conditional variant, Adam, checkpoints. */
export * from './variables';
export * from './random';
export * from './mlp';
export * from './losses';
export * from './adam';
export * from './gan';
export * from './gan-step';
export * from './batches';
export * from './train-gan';
export * from './checkpoint';
export * from './cnn';
export * from './classify';
export * from './dropout';
export * as pix2pix from './pix2pix';
export * from './square-mlp';
