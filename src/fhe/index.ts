/**
 * privlab's FHE schemes, one folder each: `tfhe` (TFHE-rs's tfhe in wasm on the client,
 * our native evaluator on the server; programmable bootstrapping for quantized networks) and
 * `ckks` (Microsoft SEAL through node-seal: approximate arithmetic on packed real vectors,
 * encrypted training of small models).
 *
 * NOT AUDITED. This is research code: no constant-time guarantees, no side-channel
 * review, the evaluation-key file is checksummed but not authenticated, and the noise
 * analysis is the project's own model checked by its tests, not TFHE-rs's proofs. The
 * modulus switch is our mean-corrected one whatever the parameter set's own switch type,
 * so TFHE-rs's stated 2^-128 failure probability is not claimed for our evaluator.
 */
export * as tfhe from './tfhe';
export * as ckks from './ckks';
// The TFHE layers at the top level too, as the notebooks and the CLI have used them.
export * as core from './tfhe/core';
export * as shortint from './tfhe/shortint';
export * as compiler from './tfhe/compile';
export * as run from './tfhe/run';
