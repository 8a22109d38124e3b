/** Checking the plain arrays every attack and metric takes. */

/** `values` as a Float64Array, after checking it is non-empty and holds no NaN (±Infinity is a valid score). */
export function checkScores(what: string, values: ArrayLike<number>): Float64Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`${what} must be an array of numbers, got ${values === null ? 'null' : typeof values}`);
  }
  if (values.length === 0) throw new RangeError(`${what} is empty: an attack needs at least one score on each side`);
  const out = Float64Array.from(values);
  const bad = out.findIndex((x) => Number.isNaN(x));
  if (bad >= 0) throw new RangeError(`${what}[${bad}] is NaN (from ${String(values[bad])})`);
  return out;
}

/** `values` as a Float64Array of finite numbers (non-empty). */
export function checkFinite(what: string, values: ArrayLike<number>): Float64Array {
  const out = checkScores(what, values);
  const bad = out.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new RangeError(`${what}[${bad}] is ${out[bad]}; expected a finite number`);
  return out;
}
