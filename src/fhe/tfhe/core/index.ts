/** The core_crypto role: LWE/GLWE/GGSW algorithms, evaluation keys, native evaluator. */
export * from './parameters';
export * from './torus';
export * from './csprng';
export * from './lwe_encryption';
export * from './glwe_encryption';
export * from './ggsw_encryption';
export * from './lwe_bootstrap_key_generation';
export * from './lwe_keyswitch_key_generation';
export * from './evaluation_keys';
export * from './evaluation_key_file';
export * from './lwe_programmable_bootstrapping';
export * from './lwe_linear_algebra';
export * from './noise_model';
export { loadNative, nativeAddonPath } from './native';
