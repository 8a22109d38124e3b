/**
 * privlab's own kernels, beside tfjs's. Ops in ./ops run them when the active backend has
 * them (the native backend does) and fall back to compositions of standard ops otherwise.
 */

/** x[m,k]·w[k,n] + bias[n], then an activation (tfjs's set plus tanh); gradient registered. */
export const PrivlabDense = 'PrivlabDense';
/** dx = dy·f'(x), computed from the activation's output y. */
export const PrivlabActivationGrad = 'PrivlabActivationGrad';
/** One Adam step on a variable and its two moment variables. */
export const PrivlabAdamUpdate = 'PrivlabAdamUpdate';
/** Batch normalisation over N, H, W of NHWC with the batch's statistics: outputs y, mean [C], 1/σ [C]. */
export const PrivlabBatchNorm = 'PrivlabBatchNorm';
/** Its gradient from dy, x, mean, 1/σ and γ: outputs dx, dγ, dβ. */
export const PrivlabBatchNormGrad = 'PrivlabBatchNormGrad';
