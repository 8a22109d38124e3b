/** Checks of the scikit-learn-style X (rows of features) and y arguments, with the bad value named. */

export function checkX(x: number[][], features?: number, what = 'X'): number {
  if (!Array.isArray(x) || x.length === 0) throw new TypeError(`${what} must be a non-empty array of rows`);
  const f = features ?? x[0]?.length;
  if (!Number.isInteger(f) || f < 1) throw new RangeError(`${what}: rows need at least one feature, got ${String(f)}`);
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== f) throw new RangeError(`${what} row ${i} has ${row?.length} values, expected ${f}`);
    for (let j = 0; j < f; j++) if (!Number.isFinite(row[j])) throw new RangeError(`${what}[${i}][${j}] is ${row[j]}, not a finite number`);
  });
  return f;
}

export function checkY(y: number[], rows: number): void {
  if (!Array.isArray(y) || y.length !== rows) throw new RangeError(`y has ${y?.length} values, X has ${rows} rows`);
  y.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`y[${i}] is ${v}, not a finite number`);
  });
}

/** The sorted distinct labels (scikit-learn's classes_); at least two. */
export function classesOf(y: number[]): number[] {
  const classes = [...new Set(y)].sort((a, b) => a - b);
  if (classes.length < 2) throw new RangeError(`a classifier needs at least two classes in y, got ${classes.length} (${classes.join(', ')})`);
  return classes;
}
