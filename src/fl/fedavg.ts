/**
 * FedAvg (McMahan et al. 2017): every site starts the round from the global weights, trains
 * locally, and the new global weights are the old ones plus the mean of the sites' updates
 * weighted by their example counts — which equals the weighted mean of the sites' weights.
 * Averaging updates rather than weights is what lets an UpdatePolicy clip and noise them
 * (src/fl/policy.ts).
 */
import { Config, FitResult, Metrics, Strategy } from './strategy';
import { IDENTITY_POLICY, PolicySpec, UpdatePolicy, makeUpdatePolicy } from './policy';
import { Weights, addWeights, checkWeights } from './weights';
import { weightedMetrics } from './aggregate';
import { SeededRng } from '../util/rng';

export interface FedAvgOptions {
  /** Fewest accepted updates to aggregate a round (Flower's min_fit_clients). Default 1. */
  minFitSites?: number;
  /**
   * Fraction of the registered sites that train each round (Flower's fraction_fit), at least
   * minFitSites of them, drawn without replacement from a seeded stream so a resumed job
   * samples as the uninterrupted one would. Default 1: every site.
   */
  fractionFit?: number;
  /** What every site trains with, e.g. { localSteps, batchSize, optimizer, learningRate } (the task reads it). */
  fit: Config;
  /** What sites evaluate with. Default {}. */
  evaluate?: Config;
  /** Default: the identity policy. */
  policy?: PolicySpec;
  /** Mixed into each round's training seed. Default 0. */
  seed?: number;
}

export class FedAvg implements Strategy {
  readonly name = 'fedavg';
  readonly minFitSites: number;
  readonly policy: UpdatePolicy;

  constructor(private readonly o: FedAvgOptions) {
    this.minFitSites = o.minFitSites ?? 1;
    if (!Number.isInteger(this.minFitSites) || this.minFitSites < 1) throw new RangeError(`minFitSites must be a positive integer, got ${o.minFitSites}`);
    const fraction = o.fractionFit ?? 1;
    if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fractionFit must be in (0, 1], got ${o.fractionFit}`);
    this.policy = makeUpdatePolicy(o.policy ?? IDENTITY_POLICY);
  }

  sampleSites(round: number, sites: readonly string[]): string[] {
    const fraction = this.o.fractionFit ?? 1;
    if (fraction >= 1) return [...sites];
    const n = Math.min(sites.length, Math.max(this.minFitSites, Math.ceil(fraction * sites.length)));
    const order = new SeededRng(this.roundSeed(round)).permutation(sites.length);
    return Array.from(order.subarray(0, n), (i) => sites[i]).sort();
  }

  private roundSeed(round: number): number {
    return (this.o.seed ?? 0) * 100003 + round;
  }

  configureFit(round: number): Config {
    // A distinct, reproducible seed per round; each site mixes in its own identity.
    return { ...this.o.fit, mode: 'fit', seed: this.roundSeed(round) };
  }

  configureEvaluate(round: number): Config {
    return { ...(this.o.evaluate ?? {}), mode: 'evaluate', seed: this.roundSeed(round) };
  }

  aggregateFit(round: number, global: Weights, results: readonly FitResult[]): Weights {
    if (results.length < this.minFitSites) throw new RangeError(`round ${round}: ${results.length} results, FedAvg needs at least ${this.minFitSites}`);
    const updates = results.map((r) => this.policy.serverUpdate(r.update, { round, site: r.site }));
    const mean = this.policy.aggregate(
      updates,
      results.map((r) => r.numExamples),
      round,
    );
    // Whatever a policy returns must still fit the model and be finite: never average into garbage.
    checkWeights({ specs: global.specs, values: mean }, global.specs, `aggregate of round ${round}`);
    const next = addWeights(global, mean);
    checkWeights(next, global.specs, `global weights after round ${round}`);
    return next;
  }

  aggregateMetrics(results: readonly { numExamples: number; metrics: Metrics }[]): Metrics {
    return weightedMetrics(results);
  }
}
