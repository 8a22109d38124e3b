/**
 * L2-regularized logistic regression (scikit-learn's LogisticRegression with C; several
 * classes one-vs-rest, its multi_class="ovr"). A binary model's circuit ends in the sign
 * (one bit: the class) unless compiled with outputBits > 1, which gives a sigmoid on that
 * many bits, so that predictProba is encrypted too (with the sign head it is 0 or 1).
 */
import { LinearHead } from './linear-quantization';
import { ModelPredictOptions, RegularizedLinearClassifier } from './linear-model';
import { logisticBinary } from './solvers';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export class LogisticRegression extends RegularizedLinearClassifier {
  readonly kind = 'logistic-regression' as const;

  constructor(options: { C?: number } = {}) {
    super(logisticBinary, options);
  }

  /**
   * A model trained elsewhere (src/models/federated.ts: privlab's FL engine): coef
   * [classes × features] (one row for two classes: the second class's decision), intercept,
   * class labels. Ready to compile; `fit` would retrain it.
   */
  static fromWeights(coef: number[][], intercept: number[], classes: number[]): LogisticRegression {
    return new LogisticRegression().setClassWeights(coef, intercept, classes);
  }

  protected override head(outputBits: number | undefined): LinearHead {
    if (this.classesOrThrow().length > 2) return 'linear';
    return outputBits !== undefined && outputBits > 1 ? 'sigmoid' : 'sign';
  }

  /** [rows × classes] probabilities; several classes: the one-vs-rest sigmoids normalized (scikit-learn's ovr). */
  async predictProba(x: number[][], o: ModelPredictOptions = {}): Promise<number[][]> {
    const out = await this.outputs(x, o);
    const quantized = o.fhe !== undefined;
    if (this.classesOrThrow().length === 2) {
      return out.values.map((v) => {
        const p = quantized ? v[0] : sigmoid(v[0]);
        return [1 - p, p];
      });
    }
    return out.values.map((v) => {
      const s = v.map(sigmoid);
      const total = s.reduce((a, b) => a + b, 0);
      return s.map((p) => p / total);
    });
  }
}
