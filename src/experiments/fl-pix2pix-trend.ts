/**
 * The measured trend run of the federated Pix2Pix experiment, shipped in data/fl-pix2pix/ so
 * notebook 04 can show the multi-seed result (an hour per seed here) beside its own short run:
 * `privlab bench fl-pix2pix --trend --seeds 0,1,2 --json`, whose JSON this file holds as it was
 * printed, with the command and the date. Read-only here: the bench writes it, the notebook
 * reads it and checks its shape before using it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/files';

/** One seed's run, as `bench fl-pix2pix --json` prints it (the fields the notebook reads). */
export interface TrendRunJson {
  seed: number;
  sites: string[];
  real_fid: Record<string, number>;
  settings: Record<
    string,
    {
      label: string;
      fid: { round: number; sites: Record<string, number> }[];
      held_out_l1: { round: number; sites: Record<string, number> }[];
      epsilon: { epsilon: number; delta: number } | null;
    }
  >;
  source_trend: {
    row: string;
    label: string;
    holds_at: string[];
    holds: boolean;
    holds_at_l1: string[];
    holds_l1: boolean;
    ratio_fl_dp: number;
    ratio_local: number;
  }[];
}

export interface FlPix2PixTrendFile {
  command: string;
  measured: string;
  machine: string;
  result: {
    benchmark: 'fl-pix2pix';
    seeds: number[];
    runs: TrendRunJson[];
    trend_over_seeds: {
      row: string;
      label: string;
      seeds_holding: number[];
      seeds_holding_l1: number[];
      seeds: number[];
      ratio_fl_dp_median: number;
      ratio_local_median: number;
    }[];
  };
}

export function flPix2PixTrendPath(): string {
  return path.join(packageRoot(), 'data', 'fl-pix2pix', 'trend.json');
}

/** The shipped trend run, checked: every seed has the centralized and local rows and FID per site. */
export function loadFlPix2PixTrend(file = flPix2PixTrendPath()): FlPix2PixTrendFile {
  const t = JSON.parse(fs.readFileSync(file, 'utf8')) as FlPix2PixTrendFile;
  const bad = (why: string): never => {
    throw new TypeError(`${file}: not a fl-pix2pix trend run (${why})`);
  };
  if (typeof t.command !== 'string' || !t.result || t.result.benchmark !== 'fl-pix2pix') bad('no command or benchmark');
  if (!Array.isArray(t.result.runs) || t.result.runs.length !== t.result.seeds?.length) bad('runs and seeds differ');
  for (const r of t.result.runs) {
    for (const k of ['centralized', 'local']) if (!r.settings?.[k]) bad(`seed ${r.seed} has no ${k} row`);
    for (const [k, s] of Object.entries(r.settings)) {
      const last = s.fid?.[s.fid.length - 1]?.sites;
      if (!last || r.sites.some((id) => !Number.isFinite(last[id]))) bad(`seed ${r.seed}, ${k}: no final FID per site`);
    }
  }
  return t;
}
