/**
 * Linear support vector classifier (scikit-learn's LinearSVC: squared hinge, L2, C, bias
 * penalized as liblinear does; several classes one-vs-rest). A binary model's circuit ends
 * in a one-bit sign lookup: one PBS per prediction.
 */
import { RegularizedLinearClassifier } from './linear-model';
import { squaredHingeBinary } from './solvers';

export class LinearSVC extends RegularizedLinearClassifier {
  readonly kind = 'linear-svc' as const;

  constructor(options: { C?: number } = {}) {
    super(squaredHingeBinary, options);
  }
}
