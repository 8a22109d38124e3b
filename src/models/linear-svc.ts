/**
 * Linear support vector classifier (scikit-learn's LinearSVC: squared hinge, L2, C, bias
 * penalized as liblinear does; several classes one-vs-rest). A binary model's circuit ends
 * in a one-bit sign lookup: one PBS per prediction.
 */
import { LinearClassifier } from './linear-model';
import { classesOf, checkX, checkY } from './matrix-input';
import { LinearSolution, oneVsRest, squaredHingeBinary } from './solvers';

export class LinearSVC extends LinearClassifier {
  readonly kind = 'linear-svc' as const;

  constructor(readonly options: { C?: number } = {}) {
    super();
    const c = options.C ?? 1;
    if (!(c > 0) || !Number.isFinite(c)) throw new RangeError(`C must be a positive number, got ${c}`);
  }

  protected solve(x: number[][], y: number[]): LinearSolution {
    checkX(x);
    checkY(y, x.length);
    this.classes = classesOf(y);
    return oneVsRest(x, y, this.classes, squaredHingeBinary, this.options.C ?? 1);
  }
}
