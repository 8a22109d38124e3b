/**
 * NaN and ±Infinity in data that feeds linear algebra or training: caught where the data
 * enters (a file, a message), so the user reads which file and field hold them instead of
 * an error from deep inside an eigensolver, or a silent NaN result.
 */

/** Non-finite values where finite ones are required. `where` names the file and field. */
export class NonFiniteError extends RangeError {
  constructor(
    readonly where: string,
    /** Position of the first non-finite value (flat, row-major). */
    readonly index: number,
    readonly value: number,
  ) {
    super(`${where}: value ${index} is ${value}; only finite numbers are accepted`);
    this.name = 'NonFiniteError';
  }
}

/** Throw NonFiniteError at the first NaN or ±Infinity in `values`. */
export function requireFinite(values: ArrayLike<number>, where: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is 0 for finite v and NaN for NaN and ±Infinity: one test for both.
    if (v - v !== 0) throw new NonFiniteError(where, i, v);
  }
}
