/**
 * The check both DP discriminator-gradient tests make: for clipping off (huge C) and fully on
 * (C below every example's norm), `gradient(C)` equals Σ_i min(1, C/‖g_i‖)·g_i / (q·n) + the
 * generated batch's mean gradient, computed here from the independent per-example gradients.
 */
import assert from 'node:assert/strict';

export function assertClippedSum(
  perExample: Float32Array[][],
  fakeGrad: Float32Array[],
  expectedBatchSize: number,
  gradient: (clipNorm: number) => Float32Array[],
): void {
  const norms = perExample.map((g) => Math.sqrt(g.reduce((s, a) => s + a.reduce((t, x) => t + x * x, 0), 0)));
  for (const clipNorm of [1e6, Math.min(...norms) / 4]) {
    let maxErr = 0,
      maxAbs = 0;
    gradient(clipNorm).forEach((part, k) =>
      part.forEach((v, j) => {
        const want = perExample.reduce((s, g, i) => s + g[k][j] * Math.min(1, clipNorm / norms[i]), 0) / expectedBatchSize + fakeGrad[k][j];
        maxErr = Math.max(maxErr, Math.abs(v - want));
        maxAbs = Math.max(maxAbs, Math.abs(want));
      }),
    );
    assert.ok(maxAbs > 1e-3, `a gradient worth comparing (${maxAbs})`);
    assert.ok(maxErr < 1e-5 * Math.max(1, maxAbs), `clip ${clipNorm}: max |diff| ${maxErr} (largest entry ${maxAbs})`);
  }
}
