/** Ordinary least squares (scikit-learn's LinearRegression); the score is R². */
import { LinearHead } from './linear-quantization';
import { LinearModel, LinearOutputs, ModelPredictOptions } from './linear-model';
import { checkY } from './matrix-input';
import { LinearSolution, leastSquares } from './solvers';

export class LinearRegression extends LinearModel {
  readonly kind = 'linear-regression' as const;

  protected solve(x: number[][], y: number[]): LinearSolution {
    return leastSquares(x, y);
  }

  protected head(_outputBits: number | undefined): LinearHead {
    return 'linear';
  }

  protected defaultOutputBits(): number {
    return 8;
  }

  predictFromOutputs(out: LinearOutputs): number[] {
    return out.values.map((v) => v[0]);
  }

  /** Coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)². */
  async score(x: number[][], y: number[], o: ModelPredictOptions = {}): Promise<number> {
    checkY(y, x.length);
    const p = await this.predict(x, o);
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    const ssRes = y.reduce((s, v, i) => s + (v - p[i]) ** 2, 0);
    const ssTot = y.reduce((s, v) => s + (v - mean) ** 2, 0);
    return 1 - ssRes / ssTot;
  }
}
