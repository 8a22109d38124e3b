/** Vectors split into one Float32Array per model variable (an update or a gradient). */

/** The L2 norm over all the parts jointly, accumulated in double precision. */
export function l2Norm(parts: readonly Float32Array[]): number {
  let s = 0;
  for (const p of parts) for (let j = 0; j < p.length; j++) s += p[j] * p[j];
  return Math.sqrt(s);
}

/** Throws unless `parts` has the same number of parts with the same lengths as `like`. */
export function checkSameLayout(parts: readonly Float32Array[], like: readonly Float32Array[], what: string): void {
  if (parts.length !== like.length) throw new RangeError(`${what} has ${parts.length} arrays, expected ${like.length}`);
  parts.forEach((p, k) => {
    if (p.length !== like[k].length) throw new RangeError(`${what}: array ${k} has ${p.length} values, expected ${like[k].length}`);
  });
}
