/**
 * Training speed on the CPU: backend selection, the 'privlab-native' tfjs backend
 * (OpenBLAS GEMM and im2col convolutions under tfjs's cpu backend), and the ops that
 * keep training steps fused (dense layers, activation gradients, Adam updates).
 */
export { selectBackend, selectedBackend, ensureBackend, parseBackendChoice } from './select';
export type { BackendInfo, SelectBackendOptions } from './select';
export { registerNativeBackend, NATIVE_BACKEND_NAME, NATIVE_KERNELS } from './native-backend';
export type { RegistrationResult } from './native-backend';
export { configureBlasThreads, loadNativeKernels, nativeKernelsError, nativeAddonPath } from './native-addon';
export type { GemmThreading } from './native-addon';
export * as kernelNames from './kernel-names';
export { dense } from './ops/dense';
export type { DenseOptions } from './ops/dense';
export { ACTIVATIONS, activate, applyActivation, activationGradFromOutput, checkActivation } from './ops/activation';
export type { Activation } from './ops/activation';
export { adamUpdate } from './ops/adam-update';
export { batchNorm, batchNormReference } from './ops/batch-norm';
export type { AdamHyperparameters } from './ops/adam-update';
