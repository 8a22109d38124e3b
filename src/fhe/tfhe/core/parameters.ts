/**
 * core_crypto parameters: what the LWE/GLWE/GGSW algorithms need. The shortint layer
 * (src/fhe/tfhe/parameters.ts) reads these from tfhe's own parameter sets and client
 * keys; nothing here is hand-copied from TFHE-rs.
 */

/** A noise distribution as TFHE-rs's DynamicDistribution<u64> describes it. */
export type NoiseDistribution =
  /** Continuous Gaussian on the torus: std and mean as fractions of 1 (scaled by 2^64 when sampled). */
  | { kind: 'gaussian'; std: number; mean: number }
  /** TUniform(b): integers in [-2^b, 2^b], the two end points with half the probability. */
  | { kind: 'tuniform'; boundLog2: number };

export interface CoreParameters {
  /** n: the small LWE key (output of the key switch, input of the blind rotation). */
  lweDimension: number;
  /** k */
  glweDimension: number;
  /** N */
  polynomialSize: number;
  lweNoise: NoiseDistribution;
  glweNoise: NoiseDistribution;
  pbsBaseLog: number;
  pbsLevel: number;
  ksBaseLog: number;
  ksLevel: number;
}

/** k·N: the dimension of the big LWE key (the flattened GLWE key). */
export function bigLweDimension(p: CoreParameters): number {
  return p.glweDimension * p.polynomialSize;
}

/** Variance of one noise sample, in units of (2^64)^2 scaled to the torus: i.e. as a torus fraction squared. */
export function noiseVariance(d: NoiseDistribution): number {
  if (d.kind === 'gaussian') return d.std * d.std;
  // TUniform(b): Var = (2^(2b+1) + 1)/6 integers^2 (TFHE-rs's formula), as a torus fraction.
  const b = d.boundLog2;
  return (2 ** (2 * b + 1) + 1) / 6 / 2 ** 128;
}

export function describeNoise(d: NoiseDistribution): string {
  return d.kind === 'gaussian' ? `Gaussian(std=${d.std.toExponential(3)})` : `TUniform(2^${d.boundLog2})`;
}

/** Checks shared by every consumer: powers of two, decompositions that fit 64 bits. */
export function checkCoreParameters(p: CoreParameters, what = 'parameters'): void {
  const bad = (m: string): never => {
    throw new RangeError(`${what}: ${m}`);
  };
  const int = (v: number, lo: number, hi: number, name: string): void => {
    if (!Number.isInteger(v) || v < lo || v > hi) bad(`${name} = ${v} is outside [${lo}, ${hi}]`);
  };
  int(p.lweDimension, 1, 8192, 'LWE dimension');
  int(p.glweDimension, 1, 16, 'GLWE dimension');
  int(p.polynomialSize, 256, 65536, 'polynomial size');
  if ((p.polynomialSize & (p.polynomialSize - 1)) !== 0) bad(`polynomial size ${p.polynomialSize} is not a power of two`);
  int(p.pbsBaseLog, 1, 64, 'PBS base log');
  int(p.pbsLevel, 1, 64, 'PBS level count');
  int(p.ksBaseLog, 1, 64, 'KS base log');
  int(p.ksLevel, 1, 64, 'KS level count');
  if (p.pbsBaseLog * p.pbsLevel > 64) bad('PBS decomposition exceeds 64 bits');
  if (p.ksBaseLog * p.ksLevel > 64) bad('KS decomposition exceeds 64 bits');
  for (const [name, d] of [
    ['LWE noise', p.lweNoise],
    ['GLWE noise', p.glweNoise],
  ] as const) {
    if (d.kind === 'gaussian') {
      if (!(d.std > 0 && d.std < 0.01) || d.mean !== 0) bad(`${name}: unsupported Gaussian(std=${d.std}, mean=${d.mean})`);
    } else int(d.boundLog2, 0, 52, `${name} TUniform bound`);
  }
}
