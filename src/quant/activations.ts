/** Scalar activations of quantized models, by the same names as the training ops (src/backend/ops). */
export type ActivationName = 'linear' | 'relu' | 'relu6' | 'leakyrelu' | 'sigmoid' | 'elu' | 'tanh';

export const ACTIVATION_NAMES: readonly ActivationName[] = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'tanh'];

export function activationFn(name: ActivationName, alpha = 0.2): (x: number) => number {
  switch (name) {
    case 'linear':
      return (x) => x;
    case 'relu':
      return (x) => (x > 0 ? x : 0);
    case 'relu6':
      return (x) => Math.min(6, Math.max(0, x));
    case 'leakyrelu':
      return (x) => (x > 0 ? x : alpha * x);
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'elu':
      return (x) => (x > 0 ? x : Math.exp(x) - 1);
    case 'tanh':
      return Math.tanh;
  }
}
