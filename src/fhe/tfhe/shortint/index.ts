/** The shortint role: tfhe interop (parameters, client keys, ciphertexts) and the server. */
export * from './parameters';
export * from './client_key';
export * from './ciphertext';
export * from './encoding';
export * from './evaluation_keys';
export * from './server';
export { BincodeError } from './bincode';
