/**
 * The update policies of differential privacy, built from src/fl/dp's functions and
 * registered by name (src/fl/policy.ts), so `--policy` selects them on the server and every
 * site applies the same one:
 *   dp-fedavg   { clipNorm, noiseMultiplier }: the server clips each update to L2 norm C and
 *               averages with Gaussian noise N(0, σ²C²) on the sum, divided by the number of
 *               sites (DP-FedAvg with fixed clipping; unweighted, so one site's influence is
 *               bounded by C). Account for it with src/fl/dp's RdpAccountant, one step per round.
 *   site-noise  { sigma0 }: each site adds N(0, σ0²) to every coordinate of its own update
 *               (the source paper's mode; no clipping, so no formal guarantee).
 */
import { addUpdateNoise, clipUpdate, noisyMean } from './dp';
import { registerUpdatePolicy } from './policy';
import { weightedMean } from './aggregate';
import { Config } from './strategy';
import { configNumber } from './tasks/task';

const nonNegative = (n: number): boolean => Number.isFinite(n) && n >= 0;
const positive = (n: number): boolean => Number.isFinite(n) && n > 0;

function only(params: Config, keys: string[], policy: string): void {
  for (const k of Object.keys(params)) if (!keys.includes(k)) throw new RangeError(`policy ${policy} takes ${keys.join(', ')}, not "${k}"`);
}

registerUpdatePolicy('dp-fedavg', (params) => {
  only(params, ['clipNorm', 'noiseMultiplier'], 'dp-fedavg');
  const clipNorm = configNumber(params, 'clipNorm', undefined, positive, 'a positive number');
  const noiseMultiplier = configNumber(params, 'noiseMultiplier', undefined, nonNegative, 'a number ≥ 0');
  return {
    spec: { name: 'dp-fedavg', params: { clipNorm, noiseMultiplier } },
    siteUpdate: (u) => u,
    serverUpdate: (u) => clipUpdate(u, clipNorm).clipped,
    aggregate: (updates) => noisyMean(updates, noiseMultiplier, clipNorm),
  };
});

registerUpdatePolicy('site-noise', (params) => {
  only(params, ['sigma0'], 'site-noise');
  const sigma0 = configNumber(params, 'sigma0', undefined, nonNegative, 'a number ≥ 0');
  return {
    spec: { name: 'site-noise', params: { sigma0 } },
    siteUpdate: (u) => addUpdateNoise(u, sigma0),
    serverUpdate: (u) => u,
    aggregate: (updates, numExamples) => weightedMean(updates, numExamples),
  };
});
