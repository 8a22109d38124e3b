/**
 * Pix2Pix (Isola et al. 2017) for 32x32 images: U-Net generator, PatchGAN discriminator,
 * the cGAN + λ·L1 objective and the training step — the model of the federated Pix2Pix
 * experiment. Parameters are plain tf.Variables with stable names.
 */
export * from './layers';
export * from './unet-generator';
export * from './patch-discriminator';
export * from './losses';
export * from './model';
export * from './train-step';
