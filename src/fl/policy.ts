/**
 * The plug-in point for differential privacy: an UpdatePolicy says what happens to updates
 * on their way into the average. Three places, matching the DP variants of federated
 * learning:
 *   - siteUpdate: on the site, before sending (local DP: clip and add noise to each update);
 *   - serverUpdate: on the server, to each accepted update (central DP: clip to norm C);
 *   - aggregate: on the server, the round's mean update from the transformed updates
 *     (central DP: noisy mean — Gaussian noise on the sum, divided by a fixed count).
 * Policies are built from a serializable PolicySpec by name, so the server sends the spec
 * with each task and every site applies the same one. Only the identity policy ('none')
 * lives here; src/fl/dp-policies.ts registers the DP ones, and src/fl/index.ts imports it so
 * that every server and site process knows them (the CLI's --policy).
 */
import type { Config } from './strategy';
import { weightedMean } from './aggregate';

export interface PolicySpec {
  name: string;
  params: Config;
}

export interface UpdateContext {
  round: number;
  site: string;
}

export interface UpdatePolicy {
  readonly spec: PolicySpec;
  siteUpdate(update: Float32Array[], ctx: UpdateContext): Float32Array[];
  serverUpdate(update: Float32Array[], ctx: UpdateContext): Float32Array[];
  /** The mean update of the round; `numExamples[i]` goes with `updates[i]`. */
  aggregate(updates: readonly Float32Array[][], numExamples: readonly number[], round: number): Float32Array[];
}

export type PolicyFactory = (params: Config) => UpdatePolicy;

const FACTORIES = new Map<string, PolicyFactory>();

export function registerUpdatePolicy(name: string, factory: PolicyFactory): void {
  if (FACTORIES.has(name)) throw new RangeError(`update policy "${name}" is already registered`);
  FACTORIES.set(name, factory);
}

export function updatePolicyNames(): string[] {
  return [...FACTORIES.keys()];
}

export function makeUpdatePolicy(spec: PolicySpec): UpdatePolicy {
  const f = FACTORIES.get(spec.name);
  if (!f) throw new RangeError(`unknown update policy "${spec.name}" (registered: ${updatePolicyNames().join(', ')})`);
  return f(spec.params);
}

/** Plain FedAvg: updates pass unchanged, the mean is weighted by example counts. */
export const IDENTITY_POLICY: PolicySpec = { name: 'none', params: {} };

registerUpdatePolicy('none', () => ({
  spec: IDENTITY_POLICY,
  siteUpdate: (u) => u,
  serverUpdate: (u) => u,
  aggregate: (updates, numExamples) => weightedMean(updates, numExamples),
}));
