/**
 * What decides a federated job, apart from how bytes travel: the Strategy (Flower's shape).
 * Each round the server asks it for the configuration every site trains with
 * (configureFit), then hands it the round's accepted results and gets the next global
 * weights (aggregateFit). Transports and processes never look inside; strategies never
 * see sockets.
 */
import type { Weights } from './weights';
import type { UpdatePolicy } from './policy';

/** Per-round instructions to sites: flat scalars, as Flower's config dictionaries. */
export type Config = Record<string, number | string | boolean>;
/** Numbers a site reports (loss, accuracy, seconds…). */
export type Metrics = Record<string, number>;

/** One site's accepted answer to a fit task. */
export interface FitResult {
  site: string;
  /** Local weights − the round's global weights, tensor by tensor (already validated). */
  update: Float32Array[];
  /** Training examples behind the update: FedAvg's weight. */
  numExamples: number;
  metrics: Metrics;
}

/** One site's answer to an evaluate task. */
export interface EvaluateResult {
  site: string;
  numExamples: number;
  metrics: Metrics;
}

export interface Strategy {
  readonly name: string;
  /** Fewest accepted results a round may be aggregated from. */
  readonly minFitSites: number;
  /** How updates are transformed on the site and on the server (identity or a DP policy). */
  readonly policy: UpdatePolicy;
  /** The sites that train in `round` (1-based), from those registered (Flower's client sampling). */
  sampleSites(round: number, sites: readonly string[]): string[];
  /** What every sampled site trains with in `round`. */
  configureFit(round: number): Config;
  /** What every site evaluates with (after the last round). */
  configureEvaluate(round: number): Config;
  /** The next global weights from the round's accepted results (at least minFitSites of them). */
  aggregateFit(round: number, global: Weights, results: readonly FitResult[]): Weights;
  /** One set of metrics from the sites' own (fit or evaluate) metrics. */
  aggregateMetrics(results: readonly { numExamples: number; metrics: Metrics }[]): Metrics;
}
