/** Reading a classifier's outputs. */

/** Index of the largest of each sample's `features` scores ([samples × features], row-major); ties go to the first. */
export function argmax(scores: ArrayLike<number>, features: number): Int32Array {
  const out = new Int32Array(scores.length / features);
  for (let s = 0; s < out.length; s++) {
    let best = 0;
    for (let j = 1; j < features; j++) if (scores[s * features + j] > scores[s * features + best]) best = j;
    out[s] = best;
  }
  return out;
}
