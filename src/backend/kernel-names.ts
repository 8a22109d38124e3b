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
/** x ↦ (clamp(round(x/s) + zp, qmin, qmax) − zp)·s, parameters per tensor (length 1) or per last-axis column (src/quant). */
export const PrivlabFakeQuantAffine = 'PrivlabFakeQuantAffine';
/** Kernel [in × out] ↦ symmetric per-column fake quantization with scale max|w|/qmax. */
export const PrivlabFakeQuantSymmetricColumns = 'PrivlabFakeQuantSymmetricColumns';
/** (dy, x) ↦ dy where lo ≤ x ≤ hi, else 0: the straight-through estimator's gradient. */
export const PrivlabFakeQuantAffineGrad = 'PrivlabFakeQuantAffineGrad';
/** Batch normalisation over N, H, W of NHWC with the batch's statistics: outputs y, mean [C], 1/σ [C]. */
export const PrivlabBatchNorm = 'PrivlabBatchNorm';
/** Its gradient from dy, x, mean, 1/σ and γ: outputs dx, dγ, dβ. */
export const PrivlabBatchNormGrad = 'PrivlabBatchNormGrad';
