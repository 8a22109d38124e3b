import { GaussianNoise } from '../../../src/fl/dp/noise';

/**
 * A noise source that writes its std into every position instead of a random draw, and keeps
 * the stds it was asked for: the mechanism's output is then an exact, hand-computable number,
 * so a test can check the std it asked for and that the noise is added (not subtracted, not
 * dropped) to the coordinate it belongs to.
 */
export class ConstantNoise implements GaussianNoise {
  readonly stds: number[] = [];

  fill(out: Float32Array | Float64Array, std: number): void {
    this.stds.push(std);
    out.fill(std);
  }
}
