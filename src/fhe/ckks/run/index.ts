/** What crosses between the data party and the compute party: bundles of SEAL objects, validated. */
export * from './bundle';
export * from './keys-file';
export * from './ciphertexts-file';
