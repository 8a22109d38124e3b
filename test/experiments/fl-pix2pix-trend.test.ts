/**
 * The shipped trend run (data/fl-pix2pix/trend.json): its recorded claims are recomputed from
 * its own per-site FIDs and held-out L1 — at which sites centralized < FL+DP < local, on which
 * seeds it held everywhere, the ratios of mean FID — so a hand-edited or mis-summarised file fails here. And a
 * file of the wrong shape is refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFlPix2PixTrend } from '../../src/experiments/fl-pix2pix-trend';
import { tmpDir } from '../support/tmp';

const final = (s: { fid: { sites: Record<string, number> }[] }): Record<string, number> => s.fid[s.fid.length - 1].sites;

test('the shipped trend run: trend per site, per seed and the ratios follow from its FIDs', () => {
  const t = loadFlPix2PixTrend();
  assert.deepEqual(
    t.result.runs.map((r) => r.seed),
    t.result.seeds,
  );
  assert.ok(t.result.seeds.length >= 3, 'three seeds or more');
  const holding = new Map<string, number[]>();
  const holdingL1 = new Map<string, number[]>();
  for (const run of t.result.runs) {
    const c = final(run.settings.centralized);
    const l = final(run.settings.local);
    const mean = (x: Record<string, number>): number => run.sites.reduce((a, id) => a + x[id], 0) / run.sites.length;
    assert.ok(run.source_trend.length >= 1, `seed ${run.seed}: an FL+DP row`);
    for (const tr of run.source_trend) {
      const f = final(run.settings[tr.row]);
      const at = run.sites.filter((id) => c[id] < f[id] && f[id] < l[id]);
      assert.deepEqual(tr.holds_at, at, `seed ${run.seed}, ${tr.row}`);
      assert.equal(tr.holds, at.length === run.sites.length);
      // the file's FIDs are rounded to 0.01, the ratios were taken before rounding
      assert.ok(Math.abs(tr.ratio_fl_dp / (mean(f) / mean(c)) - 1) < 0.01, `seed ${run.seed}, ${tr.row}: ratio`);
      assert.ok(Math.abs(tr.ratio_local / (mean(l) / mean(c)) - 1) < 0.01, `seed ${run.seed}: local ratio`);
      if (tr.holds) holding.set(tr.row, [...(holding.get(tr.row) ?? []), run.seed]);
      const l1 = (k: string): Record<string, number> => run.settings[k].held_out_l1[run.settings[k].held_out_l1.length - 1].sites;
      const atL1 = run.sites.filter((id) => l1('centralized')[id] < l1(tr.row)[id] && l1(tr.row)[id] < l1('local')[id]);
      assert.deepEqual(tr.holds_at_l1, atL1, `seed ${run.seed}, ${tr.row}: held-out L1`);
      assert.equal(tr.holds_l1, atL1.length === run.sites.length);
      if (tr.holds_l1) holdingL1.set(tr.row, [...(holdingL1.get(tr.row) ?? []), run.seed]);
    }
  }
  for (const s of t.result.trend_over_seeds) {
    assert.deepEqual(s.seeds_holding, holding.get(s.row) ?? [], `${s.row}: FID`);
    assert.deepEqual(s.seeds_holding_l1, holdingL1.get(s.row) ?? [], `${s.row}: held-out L1`);
  }
});

test('a file that is not a trend run is refused by name', () => {
  const dir = tmpDir('privlab-trend-');
  const f = path.join(dir, 'trend.json');
  fs.writeFileSync(f, JSON.stringify({ command: 'x', result: { benchmark: 'fl-pix2pix', seeds: [0], runs: [{ seed: 0, sites: ['a'], settings: {} }] } }));
  assert.throws(() => loadFlPix2PixTrend(f), /not a fl-pix2pix trend run \(seed 0 has no centralized row\)/);
  fs.writeFileSync(f, JSON.stringify({ command: 'x', result: { benchmark: 'fl-pix2pix', seeds: [0, 1], runs: [] } }));
  assert.throws(() => loadFlPix2PixTrend(f), /runs and seeds differ/);
});
