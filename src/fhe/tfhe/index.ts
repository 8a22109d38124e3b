/**
 * The TFHE scheme, layered as TFHE-rs is: `core` (LWE/GLWE/GGSW entities and one file per
 * algorithm, with our native evaluator), `shortint` (interop with tfhe's own keys and
 * ciphertexts, encodings, parameter sets), `compile` (quantized model → circuit of tables),
 * `run` (simulate / execute, client and server roles).
 */
export * as core from './core';
export * as shortint from './shortint';
export * as compiler from './compile';
export * as run from './run';
