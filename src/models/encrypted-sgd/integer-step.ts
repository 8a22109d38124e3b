/**
 * One SGD step as the integer program the encrypted run computes (plan.ts), in the clear:
 *
 *   A_i = Σ_j w_j·x_ij                    (exact: the products' reads are exact)
 *   p_i = sigmoidTable[pos(A_i·ΔA)]       (coarse read)
 *   e_i = p_i − P·y_i
 *   G_j = Σ_i x_ij·e_i
 *   w'_j = updateTable[pos((K·w_j − G_j + u_j)·ΔV)]   (coarse read: clip(floor(w_j − (G_j − u_j)/K)))
 *
 * pos() is the native modulus switch of the exact phase, so without noise this is what
 * execute computes whenever its reads stay on their steps. With `noise`, every read's
 * position gets the noise model's Gaussian read noise (seeded; a statistical model, not
 * cryptographic noise), which predicts how often execute's reads land one step off.
 */
import { SeededRng } from '../../util/rng';
import { SgdPlan, ExactRead, coarsePosition } from './plan';

/** A batch as the client quantized it: x [B × width] with the bias column X last, y ∈ {0, 1}, the update's dither u ∈ [0, K) per weight. */
export interface SgdBatch {
  x: Int32Array;
  y: Int32Array;
  dither: Int32Array;
}

/** Read noise (standard deviations in positions) of each kind of read. */
export interface SgdReadNoise {
  exact: number;
  sigmoid: number;
  update: number;
}

export interface SgdStepOptions {
  noise?: { std: SgdReadNoise; rng: SeededRng };
}

export interface SgdStepTrace {
  weights: Int32Array;
  a: Int32Array;
  p: Int32Array;
  g: Int32Array;
}

export function checkBatch(plan: SgdPlan, batch: SgdBatch): void {
  const { width, xMax } = plan;
  const rows = batch.y.length;
  if (rows !== plan.batchSize) throw new RangeError(`a batch has ${plan.batchSize} rows, got ${rows}`);
  if (batch.x.length !== rows * width) throw new RangeError(`a batch needs ${rows}×${width} levels (bias column included), got ${batch.x.length}`);
  batch.x.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > xMax) throw new RangeError(`data level ${v} at ${i} is outside [0, ${xMax}]`);
    if (i % width === width - 1 && v !== xMax) throw new RangeError(`the bias column must hold ${xMax}, got ${v} in row ${Math.floor(i / width)}`);
  });
  batch.y.forEach((v, i) => {
    if (v !== 0 && v !== 1) throw new RangeError(`label ${v} of row ${i} is not 0 or 1`);
  });
  if (batch.dither.length !== width) throw new RangeError(`a batch needs ${width} dither values, got ${batch.dither.length}`);
  batch.dither.forEach((u, j) => {
    if (!Number.isInteger(u) || u < 0 || u >= plan.k) throw new RangeError(`dither ${u} of weight ${j} is outside [0, ${plan.k})`);
  });
}

export function checkWeights(plan: SgdPlan, w: ArrayLike<number>): void {
  if (w.length !== plan.width) throw new RangeError(`weights need ${plan.width} levels (bias last), got ${w.length}`);
  for (let j = 0; j < w.length; j++) {
    if (!Number.isInteger(w[j]) || w[j] < plan.wMin || w[j] > plan.wMax) throw new RangeError(`weight level ${w[j]} is outside [${plan.wMin}, ${plan.wMax}]`);
  }
}

function gauss(rng: SeededRng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** The value an exact read of v returns: v itself, or a neighbour when noise crosses W/2 positions. */
function exactRead(plan: SgdPlan, read: ExactRead, v: number, o: SgdStepOptions): number {
  if (!o.noise) return v;
  const w = plan.positionsPerValue;
  const t = (v - read.min) * w + (w >> 1) + Math.round(o.noise.std.exact * gauss(o.noise.rng));
  return Math.min(read.max, Math.max(read.min, read.min + Math.floor(t / w)));
}

function coarseRead(plan: SgdPlan, table: Int32Array, v: number, delta: bigint, std: number, o: SgdStepOptions): number {
  let t = coarsePosition(plan, v, delta);
  if (o.noise) t = Math.min(plan.polynomialSize - 1, Math.max(0, t + Math.round(std * gauss(o.noise.rng))));
  return table[t];
}

/** One step of the integer program; the trace holds the step's intermediate integers. */
export function integerStep(plan: SgdPlan, weights: ArrayLike<number>, batch: SgdBatch, o: SgdStepOptions = {}): SgdStepTrace {
  checkWeights(plan, weights);
  checkBatch(plan, batch);
  const { width, batchSize: rows, pMax, k } = plan;
  const sq = (read: ExactRead, v: number): number => exactRead(plan, read, v, o) ** 2;
  const a = new Int32Array(rows);
  const p = new Int32Array(rows);
  const e = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    // 2A = Σ (w+x)² − Σ w² − Σ x², each square one read (x² is the client's)
    let twice = 0;
    for (let j = 0; j < width; j++) {
      const x = batch.x[i * width + j];
      twice += sq(plan.forwardRead, weights[j] + x) - sq(plan.forwardRead, weights[j]) - x * x;
    }
    a[i] = twice / 2;
    p[i] = coarseRead(plan, plan.sigmoidTable, a[i], plan.deltaA, o.noise?.std.sigmoid ?? 0, o);
    e[i] = p[i] - pMax * batch.y[i];
  }
  const g = new Int32Array(width);
  const out = new Int32Array(width);
  for (let j = 0; j < width; j++) {
    let twice = 0;
    for (let i = 0; i < rows; i++) {
      const x = batch.x[i * width + j];
      twice += sq(plan.gradientRead, x + e[i]) - sq(plan.gradientRead, e[i]) - x * x;
    }
    g[j] = twice / 2;
    out[j] = coarseRead(plan, plan.updateTable, k * weights[j] - g[j] + batch.dither[j], plan.deltaV, o.noise?.std.update ?? 0, o);
  }
  return { weights: out, a, p, g };
}
