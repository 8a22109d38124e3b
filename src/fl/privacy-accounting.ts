/**
 * The server's privacy ledger: which DP mode a job runs, what each completed round spent, and
 * the (ε, δ) guarantee so far, recorded in every round's history entry (and so in the
 * checkpoint). Each mode says plainly what it guarantees:
 *   dp-sgd      example-level: one RdpAccountant per site, fed each round with the steps the
 *               site took at its (σ, q); a site's ε covers the examples of its shard, and the
 *               job's ε is the largest over the sites (every example lives at one site).
 *   dp-fedavg   client-level: one RdpAccountant for the job, one step per round at
 *               q = sampled sites / registered sites and σ = the policy's noise multiplier;
 *               ε covers a whole site's data (add/remove one site).
 *   site-noise  none: Gaussian noise on unclipped updates has unbounded sensitivity, so there
 *               is no ε (null, with the reason).
 *   none        none: plain FedAvg.
 * Only accepted answers are accounted: a site's update that the server rejected, or that came
 * too late, was still computed (and, if sent, seen by the server), so the recorded ε is a lower
 * bound on what such a site spent whenever a round had rejections or retries.
 */
import type { RoundRecord, SiteAnswer } from './checkpoint';
import type { PolicySpec } from './policy';
import type { Config, Metrics } from './strategy';
import { RdpAccountant } from './dp/accountant';
import { checkDelta } from './dp/rdp-to-dp';
import { dpSgdPlan, DpSgdPlan } from './tasks/dp-local-training';

export type DpMode = 'none' | 'dp-sgd' | 'dp-fedavg' | 'site-noise';

/** The δ of every ε the server records unless told otherwise (stated in each record). */
export const DEFAULT_DELTA = 1e-5;

/** Steps of the sampled Gaussian mechanism one round added to an accountant. */
export interface MechanismRun {
  /** DP-SGD: the site whose accountant the steps went to; absent for the job's (client-level) accountant. */
  site?: string;
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
}

/** The privacy part of a round's history entry. */
export interface RoundPrivacy {
  mode: DpMode;
  /** What neighbouring datasets differ by: one example of a site's shard, or one whole site; null when nothing is guaranteed. */
  unit: 'example' | 'site' | null;
  delta: number | null;
  /** ε spent by the job through this round (dp-sgd: the largest over the sites); null when the mode gives no guarantee. */
  epsilon: number | null;
  /** dp-sgd: each site's ε through this round (sites never accounted yet are absent). */
  sites?: Record<string, number>;
  /** What this round added to the accountants. */
  runs: MechanismRun[];
  /** Why epsilon is null. */
  reason?: string;
}

/** The job's DP mode from its update policy and fit config; one mode per job. */
export function dpModeOf(policy: PolicySpec, fit: Config): DpMode {
  const sgd = dpSgdPlan(fit) !== undefined;
  const policyMode: DpMode = policy.name === 'dp-fedavg' || policy.name === 'site-noise' ? policy.name : 'none';
  if (policy.name !== 'none' && policyMode === 'none') throw new RangeError(`no privacy accounting for update policy "${policy.name}"`);
  // Example- and client-level guarantees have different units; one ledger records one of them.
  if (sgd && policyMode !== 'none') throw new RangeError(`DP-SGD at the sites and the ${policyMode} policy in one job: choose one DP mode`);
  return sgd ? 'dp-sgd' : policyMode;
}

const NO_GUARANTEE: Record<'none' | 'site-noise', string> = {
  none: "no DP mechanism: plain FedAvg releases the sites' updates as they are",
  'site-noise': 'site-noise adds N(0, σ0²) to updates that are not clipped: their sensitivity is unbounded, so no (ε, δ) bound exists',
};

export interface PrivacyLedgerOptions {
  policy: PolicySpec;
  /** The fit config every site trains with (its DP-SGD keys, if any). */
  fit: Config;
  /** Sites registered with the server (the population client-level sampling draws from). */
  totalSites: number;
  /** Default DEFAULT_DELTA. */
  delta?: number;
  /** DP-SGD: noisy gradients one step releases of its batch (the task's dpReleasesPerStep). Default 1. */
  releasesPerStep?: number;
}

export class PrivacyLedger {
  readonly mode: DpMode;
  readonly delta: number;
  private readonly sgd: DpSgdPlan | undefined;
  private readonly releasesPerStep: number;
  private readonly siteAccountants = new Map<string, RdpAccountant>();
  private readonly jobAccountant = new RdpAccountant();

  constructor(private readonly o: PrivacyLedgerOptions) {
    this.mode = dpModeOf(o.policy, o.fit);
    this.delta = o.delta ?? DEFAULT_DELTA;
    checkDelta(this.delta);
    if (!(Number.isInteger(o.totalSites) && o.totalSites >= 1)) throw new RangeError(`totalSites must be a positive integer, got ${o.totalSites}`);
    this.sgd = dpSgdPlan(o.fit);
    this.releasesPerStep = o.releasesPerStep ?? 1;
    if (!(Number.isInteger(this.releasesPerStep) && this.releasesPerStep >= 1))
      throw new RangeError(`releasesPerStep must be a positive integer, got ${o.releasesPerStep}`);
  }

  /** The accountants of a resumed job, rebuilt from the rounds already in its history. */
  replay(history: readonly RoundRecord[]): void {
    for (const r of history) {
      const p = r.privacy as RoundPrivacy | undefined;
      if (!p && this.mode === 'none') continue;
      if (!p) throw new RangeError(`round ${r.round} of the history has no privacy record: it predates privacy accounting`);
      if (p.mode !== this.mode) throw new RangeError(`round ${r.round} ran in DP mode "${p.mode}", this job runs "${this.mode}"`);
      this.add(p.runs);
    }
  }

  /** Why a fit answer's metrics cannot be accounted, or undefined when they can (dp-sgd only checks). */
  checkAnswer(metrics: Metrics): string | undefined {
    const plan = this.sgd;
    if (this.mode !== 'dp-sgd' || !plan) return undefined;
    const want: [string, number][] = [
      ['steps', plan.steps],
      ['dp_noise_multiplier', plan.noiseMultiplier],
      ['dp_sample_rate', plan.sampleRate],
    ];
    for (const [k, v] of want)
      if (metrics[k] !== v) return `a DP-SGD answer must report ${k} = ${v} (the round's config), it reports ${metrics[k] ?? 'nothing'}`;
    return undefined;
  }

  /** Account a completed round (the sites asked, and those whose updates were averaged) and return its record. */
  completeRound(sampled: readonly string[], accepted: readonly SiteAnswer[]): RoundPrivacy {
    if (this.mode === 'none' || this.mode === 'site-noise')
      return { mode: this.mode, unit: null, delta: null, epsilon: null, runs: [], reason: NO_GUARANTEE[this.mode] };
    let runs: MechanismRun[];
    if (this.mode === 'dp-sgd') {
      const plan = this.sgd!;
      // A step that releases k noisy gradients of one Poisson batch is k sampled Gaussian mechanisms.
      runs = accepted.map((a) => ({
        site: a.site,
        noiseMultiplier: plan.noiseMultiplier,
        sampleRate: a.metrics.dp_sample_rate,
        steps: a.metrics.steps * this.releasesPerStep,
      }));
    } else {
      // FedAvg samples a fixed number of sites without replacement, while the accountant
      // analyses Poisson sampling at q: with every site taking part (q = 1, the default) the
      // analysis is exact; with q < 1 it is the customary approximation, not a proof.
      const sigma = Number(this.o.policy.params.noiseMultiplier);
      runs = [{ noiseMultiplier: sigma, sampleRate: sampled.length / this.o.totalSites, steps: 1 }];
    }
    this.add(runs);
    return { ...this.spent(), runs };
  }

  private add(runs: readonly MechanismRun[]): void {
    for (const run of runs) {
      // σ = 0 releases updates without noise: nothing to compose, and no bound (see spent()).
      if (run.noiseMultiplier === 0) continue;
      const accountant = run.site === undefined ? this.jobAccountant : this.siteAccountant(run.site);
      accountant.step({ noiseMultiplier: run.noiseMultiplier, sampleRate: run.sampleRate }, run.steps);
    }
  }

  private siteAccountant(site: string): RdpAccountant {
    let a = this.siteAccountants.get(site);
    if (!a) this.siteAccountants.set(site, (a = new RdpAccountant()));
    return a;
  }

  private spent(): Omit<RoundPrivacy, 'runs'> {
    const unit = this.mode === 'dp-sgd' ? 'example' : 'site';
    const sigma = this.mode === 'dp-sgd' ? this.sgd!.noiseMultiplier : Number(this.o.policy.params.noiseMultiplier);
    if (sigma === 0)
      return {
        mode: this.mode,
        unit: null,
        delta: null,
        epsilon: null,
        reason: 'noise multiplier 0: the clipped updates are released without noise, so ε is unbounded',
      };
    if (this.mode === 'dp-fedavg') return { mode: this.mode, unit, delta: this.delta, epsilon: this.jobAccountant.getEpsilon(this.delta).epsilon };
    const sites: Record<string, number> = {};
    for (const [site, a] of [...this.siteAccountants].sort(([x], [y]) => (x < y ? -1 : 1))) sites[site] = a.getEpsilon(this.delta).epsilon;
    return { mode: this.mode, unit, delta: this.delta, epsilon: Math.max(0, ...Object.values(sites)), sites };
  }
}
