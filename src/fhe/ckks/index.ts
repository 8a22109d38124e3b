/**
 * The CKKS scheme on Microsoft SEAL (node-seal 6.0.3, WebAssembly): approximate arithmetic on
 * packed real vectors. Layers, bottom up: `seal` (loading, heap size) and `scope` (deleting SEAL's
 * objects); `parameters` and `context` (modulus chain as levels); `encoder`, `keys`, `encryptor`,
 * `decryptor`; the evaluator operations, one file each (`add`, `multiply`, `rotate`,
 * `rotate-and-sum`, `dot-product`, `matrix-vector`, `polynomial`) with `levels` steering levels and
 * scales exactly; `sigmoid` (polynomial approximations); `serialization` (SEAL's format, validated);
 * `logistic-regression/` (encrypted training, TenSEAL's tutorial on packed ciphertexts), `mlp/`
 * (encrypted inference with clear weights), `run/` (bundles that cross between the two roles).
 *
 * NOT AUDITED research code. SEAL's WebAssembly is single-threaded.
 */
export * from './seal';
export * from './scope';
export * from './parameters';
export * from './context';
export * from './encoder';
export * from './keys';
export * from './encryptor';
export * from './decryptor';
export * from './levels';
export * from './add';
export * from './multiply';
export * from './rotate';
export * from './rotate-and-sum';
export * from './dot-product';
export * from './matrix-vector';
export * from './polynomial';
export * from './sigmoid';
export * from './serialization';
export * as logisticRegression from './logistic-regression';
export * as run from './run';
export * as mlp from './mlp';
