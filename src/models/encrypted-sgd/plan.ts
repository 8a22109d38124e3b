/**
 * The plan of one encrypted SGD step (binary logistic regression, Concrete ML's
 * `fit_encrypted`): bit-widths, the torus scale of every value, where each programmable
 * bootstrapping (PBS) reads its input and the tables it applies. The integer program
 * (integer-step.ts) and the encrypted run (server.ts) both follow this plan, so simulate
 * reads exactly where execute does.
 *
 * Values (integers): data x ∈ [0, X] (X = 2^dataBits − 1, a constant column X for the
 * bias), weights w ∈ [−2^(b−1), 2^(b−1) − 1] (b = weightBits, float w·sW), the
 * sigmoid's level p ∈ [0, P] (P = 2^errorBits − 1) and the error e = p − P·y ∈ [−P, P].
 *
 * Products of two ciphertexts by squares: 2ab = (a+b)² − a² − b². (a+b)² is one PBS on the
 * small-range sum; b² is one PBS per weight (forward) or per sample (gradient); a² = x² is
 * the client's data, so it sends Σ_j x_ij² per sample and Σ_i x_ij² per feature encrypted
 * beside the batch (nothing the server can read). Per iteration, B rows of d' = d + 1
 * columns (the bias column included): B·d' forward products, B·d' gradient products, and
 * 3d' + 2B other lookups (w², K·w and the update per weight; sigmoid and e² per row).
 *
 * Two kinds of reads:
 * - exact reads of a small-range integer v (w + x, w, x + e, e): each value gets W ≥ 32
 *   positions of the N the half torus holds, read at its centre, so a read is wrong only
 *   when noise exceeds W/2 positions (probability in pbsReadError);
 * - coarse reads of the wide sums A = Σ_j w_j·x_ij (sigmoid) and V = K·w_j − G_j
 *   (update, G_j = Σ_i x_ij·e_i): their worst-case range is mapped onto the half torus
 *   (about N/2 positions each side of the centre), so a read rounds the sum to a position
 *   first; the table then gives the sigmoid level, or the clipped new weight
 *   floor(V/K) = floor(w − (G − u)/K). A coarse read lands one step off when noise carries
 *   it across a table step, which happens on a fraction of reads (measured in the bench).
 *
 * Stochastic rounding of the update: u_j is a dither in [0, K) the client draws per weight
 * and iteration (seeded: it needs no secrecy, it travels encrypted inside the client's
 * Σ_i x_ij² ciphertext), so the expected new weight is w − G/K. Rounding to nearest
 * instead leaves every weight whose |G| < K/2 where it is, and with 6-bit weights most
 * updates are that small: on Spambase (200 iterations, learning rate 1, seed 0) the integer
 * program scored 87.8 % with nearest rounding, 92.7 % with the dither (float SGD: 92.0 %).
 * Between iterations nothing is decrypted: the update's PBS writes the new weights at
 * the exact-read scale the next iteration's products read.
 */
import { readParameterSet } from '../../fhe/tfhe/compile/parameters';
import { positionUnit, readPosition } from '../../fhe/tfhe/compile/positions';
import { MASK64 } from '../../fhe/tfhe/core/torus';
import type { ShortintParameterSet } from '../../fhe/tfhe/shortint/parameters';
import { requirePositiveInteger } from '../../util/checks';

/** The default set: N = 4096 (n = 931), about 12 ms of CPU per key switch + PBS here. */
export const SGD_PARAMETER_SET = 'V1_6_PARAM_MESSAGE_5_CARRY_0_KS_PBS_GAUSSIAN_2M128';

export interface SgdBits {
  /** Bits of each (min-max scaled) feature; default 5. */
  data: number;
  /** Bits of each weight, sign included; default 6, as Concrete ML. */
  weights: number;
  /** Bits of the sigmoid's level (and of the error's magnitude); default 5. */
  error: number;
}

export interface SgdPlanOptions {
  /** Features, without the bias column. */
  features: number;
  batchSize: number;
  /** Float learning rate; rounded to the nearest integer divisor K (see learningRateUsed). */
  learningRate: number;
  /** Weights live in [−weightRange, weightRange). */
  weightRange: number;
  bits?: Partial<SgdBits>;
  parameterSet?: string;
}

/** One exact read: v ∈ [min, max], value v at positions [(v−min)·W, (v−min+1)·W), read at the centre. */
export interface ExactRead {
  min: number;
  max: number;
  /** body offset (torus) added before the modulus switch */
  offset: bigint;
}

export interface SgdPlan {
  parameterSet: string;
  params: ShortintParameterSet;
  polynomialSize: number;
  /** Features including the bias column. */
  width: number;
  batchSize: number;
  bits: SgdBits;
  xMax: number;
  wMin: number;
  wMax: number;
  pMax: number;
  weightScale: number;
  /** w' = round(w − G/K) */
  k: number;
  learningRate: number;
  /** the rate K stands for: batch·X·P·sW/K */
  learningRateUsed: number;
  /** positions per value of every exact read */
  positionsPerValue: number;
  /** torus scale of exactly read values (w, x, y, e): W·unit */
  readScale: bigint;
  forwardRead: ExactRead;
  gradientRead: ExactRead;
  /** torus scale of A (σ(A) is read at A·deltaA + N/2 positions); the square tables write s²·deltaA/2 */
  deltaA: bigint;
  /** torus scale of V = K·w − G; the gradient's square tables write s²·deltaV/2 */
  deltaV: bigint;
  /** worst-case |A| and |V| */
  aMax: number;
  vMax: number;
  /** body offset of the coarse reads: the centre N/2 positions */
  centreOffset: bigint;
  /** sigmoid level per position [N] */
  sigmoidTable: Int32Array;
  /** new weight per position [N] */
  updateTable: Int32Array;
  pbsPerIteration: number;
}

function checkBits(v: number, name: string, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name} bits must be an integer in [${lo}, ${hi}], got ${v}`);
  return v;
}

/** floor(a / b) for bigints (b > 0), rounding toward −∞. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

export function sigmoid(a: number): number {
  return 1 / (1 + Math.exp(-a));
}

export function planSgd(o: SgdPlanOptions): SgdPlan {
  const d = o.features;
  requirePositiveInteger(d, 'features');
  const b = o.batchSize;
  requirePositiveInteger(b, 'batchSize');
  if (!(o.learningRate > 0) || !Number.isFinite(o.learningRate)) throw new RangeError(`learningRate must be a positive number, got ${o.learningRate}`);
  if (!(o.weightRange > 0) || !Number.isFinite(o.weightRange)) throw new RangeError(`weightRange must be a positive number, got ${o.weightRange}`);
  const bits: SgdBits = {
    data: checkBits(o.bits?.data ?? 5, 'data', 1, 8),
    weights: checkBits(o.bits?.weights ?? 6, 'weight', 2, 8),
    error: checkBits(o.bits?.error ?? 5, 'error', 1, 8),
  };
  const parameterSet = o.parameterSet ?? SGD_PARAMETER_SET;
  const params = readParameterSet(parameterSet);
  const n = params.polynomialSize;
  const unit = positionUnit(n);
  const width = d + 1;
  const xMax = 2 ** bits.data - 1;
  const wMin = -(2 ** (bits.weights - 1));
  const wMax = 2 ** (bits.weights - 1) - 1;
  const pMax = 2 ** bits.error - 1;
  const weightScale = o.weightRange / -wMin;

  // exact reads: w + x ∈ [wMin, wMax + X] and x + e ∈ [−P, X + P], one W for both (x is encrypted once)
  const values = Math.max(wMax + xMax - wMin + 1, xMax + 2 * pMax + 1);
  const positionsPerValue = Math.floor(n / values);
  if (positionsPerValue < 32)
    throw new RangeError(`${values} values per exact read leave ${positionsPerValue} positions each at N = ${n} (need 32): use fewer bits or a larger N`);
  const readScale = BigInt(positionsPerValue) * unit;
  const exactRead = (min: number, max: number): ExactRead => ({
    min,
    max,
    offset: ((BigInt(-min * positionsPerValue) + BigInt(positionsPerValue >> 1)) * unit) & MASK64,
  });

  // coarse reads: the worst case maps to at most N/2 − 1 positions from the centre; even scales (the squares write s²·Δ/2)
  const half = BigInt(n / 2 - 1) * unit;
  const aMax = width * Math.max(-wMin, wMax) * xMax;
  const deltaA = 2n * (half / (2n * BigInt(aMax)));
  const k = Math.max(1, Math.round((b * xMax * pMax * weightScale) / o.learningRate));
  // V = K·w − G + u with the client's dither u ∈ [0, K)
  const vMax = k * (Math.max(-wMin, wMax) + 1) + b * xMax * pMax;
  const deltaV = 2n * (half / (2n * BigInt(vMax)));
  if (deltaA < 2n || deltaV < 2n) throw new RangeError('the sums are too wide for the torus');
  const centre = BigInt(n / 2);

  const sigmoidTable = new Int32Array(n);
  const updateTable = new Int32Array(n);
  const kb = BigInt(k);
  for (let t = 0; t < n; t++) {
    const rel = (BigInt(t) - centre) * unit;
    // the integer nearest to where position t lies (A = rel/ΔA, V = rel/ΔV): where a position
    // spans several integers this is their middle; where an integer spans many positions the
    // table is constant across its whole window, so its steps fall half-way between integers
    const aHat = floorDiv(2n * rel + deltaA, 2n * deltaA);
    sigmoidTable[t] = Math.floor(pMax * sigmoid(Number(aHat) * (weightScale / xMax)) + 0.5);
    const vHat = floorDiv(2n * rel + deltaV, 2n * deltaV);
    // floor(V/K), clipped to the weight range: with u uniform in [0, K) the expected new weight is w − G/K
    const w = Number(floorDiv(vHat, kb));
    updateTable[t] = Math.min(wMax, Math.max(wMin, w));
  }
  return {
    parameterSet,
    params,
    polynomialSize: n,
    width,
    batchSize: b,
    bits,
    xMax,
    wMin,
    wMax,
    pMax,
    weightScale,
    k,
    learningRate: o.learningRate,
    learningRateUsed: (b * xMax * pMax * weightScale) / k,
    positionsPerValue,
    readScale,
    forwardRead: exactRead(wMin, wMax + xMax),
    gradientRead: exactRead(-pMax, xMax + pMax),
    deltaA,
    deltaV,
    aMax,
    vMax,
    centreOffset: centre * unit,
    sigmoidTable,
    updateTable,
    pbsPerIteration: 2 * b * width + 3 * width + 2 * b,
  };
}

/** The position a coarse read of v at scale delta lands on (the native modulus switch, no noise). */
export function coarsePosition(plan: SgdPlan, v: number, delta: bigint): number {
  return readPosition((BigInt(v) * delta + plan.centreOffset) & MASK64, plan.polynomialSize);
}

/** Test polynomial of an exact read: f(v) at every position of v's window, scaled to `scale`; f(max) past the last. */
export function exactReadPolynomial(plan: SgdPlan, read: ExactRead, f: (v: number) => bigint, scale: bigint): BigUint64Array {
  const w = plan.positionsPerValue;
  return BigUint64Array.from({ length: plan.polynomialSize }, (_, t) => (f(Math.min(read.max, read.min + Math.floor(t / w))) * scale) & MASK64);
}

/** Test polynomial of a coarse read: a table of levels per position, scaled to `scale`. */
export function coarseReadPolynomial(table: Int32Array, scale: bigint): BigUint64Array {
  return BigUint64Array.from(table, (v) => (BigInt(v) * scale) & MASK64);
}
