/**
 * privlab's FHE: tfhe (TFHE-rs in wasm) on the client, our native evaluator on the server.
 *
 * NOT AUDITED. This is research code: no constant-time guarantees, no side-channel
 * review, the evaluation-key file is checksummed but not authenticated, and the noise
 * analysis is the project's own model checked by its tests, not TFHE-rs's proofs. The
 * modulus switch is our mean-corrected one whatever the parameter set's own switch type,
 * so TFHE-rs's stated 2^-128 failure probability is not claimed for our evaluator.
 */
export * as core from './core';
export * as shortint from './tfhe';
export * as compiler from './compile';
export * as run from './run';
export * as experiments from './run/experiments';
